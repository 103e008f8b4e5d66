// Hosting from home, across real NATs (hub-core/test/lab/natLab.ts): the headless hub with
// HUB_UPNP=true opens its router's ports (miniupnpd), two players behind two different NATs
// join and play through the router's WAN address, and the mappings are removed on a clean stop
// and after a crash. Carrier NAT and a router without UPnP are told apart. Needs root and
// `ip netns` (CI has both); elsewhere every test is skipped with the reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Health } from '../src/protocol/health.js';
import type { JoinAnswer, RoomDetail } from '../src/protocol/rooms.js';
import {
  Procs,
  alive,
  isTone,
  jackConnect,
  record,
  startJackTripClient,
  startTone,
  waitForPort,
  wavStat,
} from './jack.js';
import { curlOk, health, inNode, startLabHub, until, upnpList, type LabHub } from './lab/labHub.js';
import { HOST_LAN, HOST_WAN, LAN_NEIGHBOUR, NatLab, labSkipReason } from './lab/natLab.js';

const skip = await labSkipReason();
const VOICE_AGENT = join(import.meta.dirname, 'lab', 'voiceAgent.ts');

describe('hosting from home across NAT (the lab)', { skip }, () => {
  let lab: NatLab;
  const dirs: string[] = [];
  const hubs: LabHub[] = [];
  const pids: number[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'backline-lab-hub-'));
    dirs.push(d);
    return d;
  };
  const start = async (
    node: 'h' | 'c' | 'n',
    o: { dir?: string; port: number; env?: Record<string, string> },
  ) => {
    const hub = await startLabHub(lab, node, {
      dataDir: o.dir ?? dataDir(),
      port: o.port,
      env: { HUB_UPNP: 'true', ...o.env },
    });
    hubs.push(hub);
    pids.push(hub.child.pid);
    return hub;
  };
  const reach = async (node: 'h' | 'c' | 'n', hub: LabHub, states: string[]) =>
    until(`reachability ${states.join('/')}`, async () => {
      const h = await health(lab, node, hub);
      return states.includes(h.reachability.state) ? h : undefined;
    });
  const ours = async () =>
    (await upnpList(lab)).filter((m) => m.description.startsWith('Backline '));

  before(async () => {
    lab = await NatLab.create();
  });
  after(async () => {
    for (const h of hubs) await h.crash();
    const inside = await lab.pids();
    await lab.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const p of [...pids, ...inside, ...lab.miniupnpdPids])
      assert.equal(alive(p), false, `process ${p} left running`);
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!left.includes(lab.id), `lab namespaces left: ${left}`);
  });

  it('1. map and play: players behind two NATs join, hear each other and talk over voice', async () => {
    const procs = new Procs();
    const hub = await start('h', { port: 8443 });
    try {
      const h = await reach('h', hub, [
        'mapped',
        'refused',
        'no_gateway',
        'carrier_nat',
        'double_nat',
      ]);
      assert.equal(h.reachability.state, 'mapped', hub.lines.join('\n'));
      assert.equal(h.reachability.public_address, lab.advertised);
      const link = hub.lines.find((l) => l.includes('Internet link:'));
      assert.ok(link?.includes(`https://${lab.advertised}:8443`), `the link: ${link}`);
      const m = await ours();
      assert.ok(
        m.some((x) => x.protocol === 'TCP' && x.external === 8443 && x.client === HOST_LAN),
        JSON.stringify(m),
      );
      assert.ok(
        m.some((x) => x.protocol === 'UDP' && x.external === 8443),
        JSON.stringify(m),
      );

      // The players use the router's real WAN address (the advertised one is a lab stand-in).
      const url = `https://${HOST_WAN}:8443`;
      const tokens: Record<string, string> = {};
      for (const [node, name] of [
        ['a', 'alice'],
        ['b', 'bob'],
      ] as const) {
        const r = await curlOk<{ token: string }>(lab, node, `${url}/auth/register`, {
          pin: hub.pin,
          method: 'POST',
          body: { username: name, password: `${name}-password` },
        });
        tokens[name] = r.token;
      }
      const room = await curlOk<RoomDetail>(lab, 'a', `${url}/rooms`, {
        pin: hub.pin,
        method: 'POST',
        token: tokens.alice,
        body: { name: 'Across town', patch_mode: 2, max_participants: 4 },
      });
      const joinRoom = (node: 'a' | 'b', who: string) =>
        curlOk<JoinAnswer>(lab, node, `${url}/rooms/${room.id}/join`, {
          pin: hub.pin,
          method: 'POST',
          token: tokens[who],
          body: {},
        });
      const ja = await joinRoom('a', 'alice');
      const jb = await joinRoom('b', 'bob');
      assert.equal(ja.hub_host, HOST_WAN, 'the join answer names the address the player used');
      // The room's block is mapped 1:1 while it lives: its TCP port and its UDP ports.
      const block = await ours();
      assert.ok(
        block.some((x) => x.protocol === 'TCP' && x.external === ja.port && x.internal === ja.port),
      );
      assert.ok(
        block.some(
          (x) => x.protocol === 'UDP' && x.external === ja.port + 1 && x.internal === ja.port + 1,
        ),
      );

      const sa = (await procs.server('nat-a')).name;
      const sb = (await procs.server('nat-b')).name;
      const connect = async (server: string, node: 'a' | 'b', j: JoinAnswer) => {
        const c = startJackTripClient(procs, server, {
          host: j.jacktrip.host,
          port: j.jacktrip.port,
          remoteName: j.jacktrip.remote_name,
          username: j.jacktrip.username,
          password: j.jacktrip.password,
          prefix: lab.prefix(node),
        });
        assert.equal(await c.outcome, 'connected', c.lines.slice(-5).join(' | '));
        await waitForPort(server, `${c.jackName}:receive_1`);
        return c;
      };
      const a = await connect(sa, 'a', ja);
      const b = await connect(sb, 'b', jb);
      await startTone(procs, sa);
      await jackConnect(sa, 'jack_simple_client:output1', `${a.jackName}:send_1`);
      await jackConnect(sa, 'jack_simple_client:output2', `${a.jackName}:send_2`);
      const wav = join(hub.dataDir, 'b.wav');
      await record(sb, wav, 2, [`${b.jackName}:receive_1`]);
      const s = await wavStat(wav);
      assert.ok(isTone(s), `B's recording: ${JSON.stringify(s)}`);
      assert.ok(s.freq > 180 && s.freq < 360, `frequency ${s.freq} Hz, A sent 240 Hz`);

      // Voice: UDP frames from A reach B (and back) through both NATs, B's rewriting ports.
      const fp = h.tls.fingerprint256!;
      const agent = (node: 'a' | 'b', who: string) =>
        inNode(lab, node, process.execPath, [
          '--import',
          'tsx',
          VOICE_AGENT,
          url,
          room.id,
          tokens[who]!,
          fp,
          '4',
        ]);
      const [va, vb] = (await Promise.all([agent('a', 'alice'), agent('b', 'bob')])).map(
        (o) =>
          JSON.parse(o.trim().split('\n').pop()!) as {
            userId: number;
            sent: number;
            received: Record<string, number>;
          },
      );
      assert.ok(
        (vb!.received[String(va!.userId)] ?? 0) > 0,
        `B heard A: ${JSON.stringify({ va, vb })}`,
      );
      assert.ok(
        (va!.received[String(vb!.userId)] ?? 0) > 0,
        `A heard B: ${JSON.stringify({ va, vb })}`,
      );
    } finally {
      await procs.stopAll();
      // 2. Stop cleanly: a graceful stop removes every mapping, rooms' blocks included.
      const exit = await hub.stop();
      assert.equal(exit.code, 0, hub.lines.slice(-5).join('\n'));
    }
    assert.deepEqual(await ours(), [], 'mappings left after a graceful stop');
  });

  it('3. crash: after kill -9 the next start removes the stale mappings', async () => {
    const dir = dataDir();
    const first = await start('h', { dir, port: 8450 });
    await reach('h', first, ['mapped']);
    await first.crash();
    const stale = await ours();
    assert.ok(
      stale.some((x) => x.external === 8450),
      `the crash leaves its mappings: ${JSON.stringify(stale)}`,
    );
    // Same hub (same data folder), another port this time: the old mapping must go.
    const second = await start('h', { dir, port: 8460 });
    await reach('h', second, ['mapped']);
    const now = await ours();
    assert.ok(
      !now.some((x) => x.external === 8450),
      `stale mapping still there: ${JSON.stringify(now)}`,
    );
    assert.ok(now.some((x) => x.protocol === 'TCP' && x.external === 8460));
    await second.stop();
    assert.deepEqual(await ours(), []);
  });

  it('4. port taken: another computer on the LAN holds the HTTPS port, the link carries another', async () => {
    const taken = await lab.exec(
      'h2',
      'upnpc',
      ['-e', 'the neighbour', '-a', LAN_NEIGHBOUR, '8470', '8470', 'TCP', '600'],
      15_000,
    );
    assert.match(taken.stdout, /is redirected to internal/, taken.stdout + taken.stderr);
    const hub = await start('h', { port: 8470 });
    try {
      const h = await reach('h', hub, ['mapped', 'refused']);
      assert.equal(h.reachability.state, 'mapped');
      const mine = (await ours()).find(
        (x) => x.protocol === 'TCP' && x.internal === 8470 && x.client === HOST_LAN,
      );
      assert.ok(mine && mine.external !== 8470, `the hub's HTTPS mapping: ${JSON.stringify(mine)}`);
      const link = await until('the internet link', async () =>
        hub.lines.find((l) => l.includes('Internet link:')),
      );
      assert.ok(
        link.includes(`:${mine.external}`),
        `the link names the external port ${mine.external}: ${link}`,
      );
      // A player on the internet reaches the hub through that port.
      const seen = await curlOk<Health>(lab, 'a', `https://${HOST_WAN}:${mine.external}/health`, {
        pin: hub.pin,
      });
      assert.equal(seen.status, 'ok');
    } finally {
      await hub.stop();
      await lab.exec('h2', 'upnpc', ['-d', '8470', 'TCP'], 15_000);
    }
  });

  it('5. carrier NAT: the hub says so and offers no internet link', async () => {
    const hub = await start('c', { port: 8480 });
    try {
      const h = await reach('c', hub, [
        'carrier_nat',
        'mapped',
        'no_gateway',
        'refused',
        'double_nat',
      ]);
      assert.equal(h.reachability.state, 'carrier_nat');
      assert.equal(h.reachability.public_address, null);
      assert.equal(h.reachability.mapped, 0);
      assert.ok(!hub.lines.some((l) => l.includes('Internet link:')), hub.lines.join('\n'));
      assert.ok(
        hub.lines.some((l) => /carrier-grade NAT.*hub on a server/.test(l)),
        hub.lines.join('\n'),
      );
    } finally {
      await hub.stop();
    }
  });

  it('6. no gateway: a router without UPnP or NAT-PMP; hosting still works on the LAN', async () => {
    const t0 = Date.now();
    const hub = await start('n', { port: 8490 });
    const h = await reach('n', hub, [
      'no_gateway',
      'mapped',
      'carrier_nat',
      'refused',
      'double_nat',
    ]);
    console.log(`no_gateway known ${Date.now() - t0} ms after the start (discovery waits 3 s)`);
    try {
      assert.equal(h.reachability.state, 'no_gateway');
      assert.equal(h.reachability.public_address, null);
      const lan = await curlOk<Health>(lab, 'n', `https://10.50.0.2:8490/health`, { pin: hub.pin });
      assert.equal(lan.status, 'ok');
      assert.ok(
        hub.lines.some((l) => /did not answer.*TCP 8490/.test(l)),
        hub.lines.join('\n'),
      );
    } finally {
      await hub.stop();
    }
  });
});
