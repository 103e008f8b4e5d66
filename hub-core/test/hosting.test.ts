// Hosting from home, across real NATs (testkit/lab/natLab.ts): the headless hub with
// HUB_UPNP=true opens its router's ports (miniupnpd), two players behind two different NATs
// join and play through the router's WAN address (a tone over JackTrip, frames over the voice
// relay), and a graceful stop removes every mapping. Needs root and `ip netns` (CI has both);
// elsewhere the tests are skipped with the reason.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JoinAnswer, RoomDetail } from '../../protocol/api.js';
import {
  Procs,
  isTone,
  jackConnect,
  record,
  startJackTripClient,
  startTone,
  waitForPort,
  wavStat,
} from '../../testkit/jack.js';
import { VOICE_AGENT, curlOk, inNode, useLab } from '../../testkit/lab/labHub.js';
import { HOST_LAN, HOST_WAN, labSkipReason } from '../../testkit/lab/natLab.js';

const skip = await labSkipReason();

describe('hosting from home across NAT: map and play', { skip }, () => {
  const { lab, start, reach, ours } = useLab();

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
      assert.equal(h.reachability.public_address, lab().advertised);
      const link = hub.lines.find((l) => l.includes('Internet link:'));
      assert.ok(link?.includes(`https://${lab().advertised}:8443`), `the link: ${link}`);
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
        const r = await curlOk<{ token: string }>(lab(), node, `${url}/auth/register`, {
          pin: hub.pin,
          method: 'POST',
          body: { username: name, password: `${name}-password` },
        });
        tokens[name] = r.token;
      }
      const room = await curlOk<RoomDetail>(lab(), 'a', `${url}/rooms`, {
        pin: hub.pin,
        method: 'POST',
        token: tokens.alice,
        body: { name: 'Across town', patch_mode: 2, max_participants: 4 },
      });
      const joinRoom = (node: 'a' | 'b', who: string) =>
        curlOk<JoinAnswer>(lab(), node, `${url}/rooms/${room.id}/join`, {
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
          prefix: lab().prefix(node),
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
        inNode(lab(), node, process.execPath, [
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
});
