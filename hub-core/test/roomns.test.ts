// More rooms than JACK's registry holds (8 servers per /dev/shm): each room's engine runs in a
// mount namespace of its own with a private /dev/shm. Real jackd, jacktrip and sox. Where the
// machine allows no namespaces the namespace tests are skipped, with the reason; the cap of the
// shared path (JACK_NAMESPACES=off) is tested everywhere.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JoinAnswer, RoomDetail } from '../../protocol/api.js';
import { hasPrivateShm, probeJackIsolation } from '../src/process/jackScope.js';
import { parseRegistry, REGISTRY_PATH } from '../src/jacktrip/jackSlots.js';
import {
  httpsJson,
  randomJackTripBase,
  startJamHub,
  tempDir,
  type JamHub,
} from '../../testkit/fixtures.js';
import {
  Procs,
  alive,
  descendants,
  isTone,
  jackConnect,
  record,
  startJackTripClient,
  startTone,
  waitForPort,
  wavStat,
  type JtClient,
} from '../../testkit/jack.js';

const probe = await probeJackIsolation();
const skip =
  probe.isolation === 'none' ? `this machine gives rooms no namespaces: ${probe.reason}` : false;

const ROOMS = 10;
const mntNs = (pid: number) => readlinkSync(`/proc/${pid}/ns/mnt`);
const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};
/** Room servers in this /dev/shm's JACK registry (the one the machine's JACK programs share). */
const sharedRoomServers = () =>
  existsSync(REGISTRY_PATH)
    ? parseRegistry(readFileSync(REGISTRY_PATH)).servers.filter((s) =>
        s.name.startsWith('backline-'),
      )
    : [];
/** What the hub may start: anything of a room's engine, and the commands that enter namespaces. */
const ENGINE = /^(jackd|jacktrip|jack_\w+|nsenter|unshare|setpriv|stdbuf|sh)$/;

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`${ROOMS} rooms, each JACK in a namespace of its own`, { skip }, () => {
  let t: JamHub;
  const procs = new Procs();
  let cli: string;

  before(async () => {
    t = await startJamHub(['host', 'alice', 'bob'], {
      env: {
        JACKTRIP_PORT_RANGE: '200',
        OPEN_ROOMS_PER_USER: '20',
        ROOM_CREATIONS_PER_USER: '20',
      },
    });
    cli = (await procs.server('nscli')).name;
  });
  after(async () => {
    await procs.stopAll();
    const pids = t.hub.supervisor.pids;
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} left running`);
    const left = (await descendants(process.pid)).filter((p) => alive(p) && ENGINE.test(comm(p)));
    assert.deepEqual(left.map(comm), [], 'nothing of the rooms outlives the hub');
  });

  it('every room runs, its engine in its own namespace; audio goes through the last one', async () => {
    const ids: string[] = [];
    for (let i = 1; i < ROOMS; i++) {
      const room = await t.ok<RoomDetail>('host', 'POST', '/rooms', {
        name: `room ${i}`,
        max_participants: 2,
      });
      await t.ok<JoinAnswer>('host', 'POST', `/rooms/${room.id}/join`, {});
      ids.push(room.id);
    }
    const last = await t.ok<RoomDetail>('alice', 'POST', '/rooms', {
      name: `room ${ROOMS}`,
      patch_mode: 2,
      max_participants: 2,
    });
    const ja = await t.ok<JoinAnswer>('alice', 'POST', `/rooms/${last.id}/join`, {});
    const jb = await t.ok<JoinAnswer>('bob', 'POST', `/rooms/${last.id}/join`, {});
    ids.push(last.id);

    // Each room's jackd has a namespace and a /dev/shm of its own, and its jacktrip -S and graph
    // watcher run in that namespace; none of them is in the machine's registry.
    const spaces = new Set<string>();
    for (const id of ids) {
      const rt = t.hub.supervisor.get(id);
      assert.ok(rt, `room ${id} runs`);
      assert.equal(rt.jack.scope.isolation, probe.isolation);
      assert.ok(hasPrivateShm(rt.jack.pid), `${rt.jack.name} has a private /dev/shm`);
      const ns = mntNs(rt.jack.pid);
      spaces.add(ns);
      for (const p of [...rt.jacktrip.pids, ...rt.watcher.pids])
        assert.equal(mntNs(p), ns, `${comm(p)} runs in ${rt.jack.name}'s namespace`);
    }
    assert.equal(spaces.size, ROOMS, 'one namespace per room');
    assert.ok(!spaces.has(mntNs(process.pid)), 'none is the hub’s own');
    assert.deepEqual(sharedRoomServers(), [], 'no room server in the machine’s JACK registry');

    // A tone from Alice's jacktrip, through the hub's last room, recorded at Bob's.
    const connect = async (j: JoinAnswer): Promise<JtClient> => {
      const c = startJackTripClient(procs, cli, {
        host: j.jacktrip.host,
        port: j.jacktrip.port,
        remoteName: j.jacktrip.remote_name,
        username: j.jacktrip.username,
        password: j.jacktrip.password,
      });
      assert.equal(await c.outcome, 'connected', c.lines.slice(-5).join(' | '));
      await waitForPort(cli, `${c.jackName}:receive_1`);
      return c;
    };
    const alice = await connect(ja);
    const bob = await connect(jb);
    const g = await t.hub.supervisor
      .get(last.id)!
      .watcher.waitFor(
        (g) => g.connections.some(([s, d]) => s === 'alice:receive_1' && d === 'bob:send_1'),
        10_000,
      );
    assert.ok(g, 'the hub wired alice to bob in the last room');
    await startTone(procs, cli);
    await jackConnect(cli, 'jack_simple_client:output1', `${alice.jackName}:send_1`);
    const file = join(t.dir, 'bob-room-last.wav');
    await record(cli, file, 2, [`${bob.jackName}:receive_1`]);
    const s = await wavStat(file);
    assert.ok(isTone(s), `bob's recording: ${JSON.stringify(s)}`);
    assert.ok(s.freq > 180 && s.freq < 360, `frequency ${s.freq} Hz, sent 240 Hz`);
  });
});

describe('kill -9 of a hub whose rooms run in namespaces', { skip }, () => {
  it('takes every room process with it (parent-death signal through unshare and nsenter)', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'hub-core/src/cli.ts'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        BACKLINE_DATA_DIR: dir.path,
        HUB_HOST: '127.0.0.1',
        HUB_PORT: '0',
        JACKTRIP_BASE_PORT: String(randomJackTripBase()),
        JACKTRIP_PORT_RANGE: '40',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.on('exit', r));
    try {
      await waitFor('the hub to listen', () => /listening on https:\/\/\S+/.test(out), 30_000);
      const url = /listening on (https:\/\/\S+)/.exec(out)![1]!;
      const ca = readFileSync(join(dir.path, 'certs', 'hub-cert.pem'), 'utf8');
      const call = (path: string, body: unknown, token?: string) =>
        httpsJson(`${url}${path}`, { method: 'POST', body, token, ca });
      const reg = await call('/auth/register', { username: 'host1', password: 'host1-password' });
      const token = (reg.body as { token: string }).token;
      for (let i = 0; i < 2; i++) {
        const room = (await call('/rooms', { name: `live ${i}` }, token)).body as { id: string };
        const joined = await call(`/rooms/${room.id}/join`, {}, token);
        assert.equal(joined.status, 200, joined.text);
      }
      const kids = await descendants(child.pid!);
      const jackds = kids.filter((p) => comm(p) === 'jackd');
      assert.equal(jackds.length, 2, kids.map(comm).join(','));
      for (const p of jackds) assert.ok(hasPrivateShm(p), `jackd ${p} runs in a namespace`);
      child.kill('SIGKILL');
      await exited;
      await waitFor('the room processes to die', () => !kids.some(alive), 10_000);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone
      }
      dir.remove();
    }
  });
});

describe('a hub that does not run as root', () => {
  it('gets a user namespace per room where the kernel allows it', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to become an unprivileged user');
    // The probe and a room server in a user namespace, as "nobody".
    const script = `
      import { JackServer } from './hub-core/src/jacktrip/JackServer.ts';
      import { probeJackIsolation } from './hub-core/src/process/jackScope.ts';
      const p = await probeJackIsolation();
      if (p.isolation !== 'user') { console.log(p.reason); process.exit(3); }
      const s = await JackServer.create({ name: 'backline-${randomJackTripBase()}', isolation: 'user' });
      const r = await s.scope.run('jack_lsp', []);
      console.log(JSON.stringify({ pid: s.pid, code: r.code, ports: r.stdout.trim().split('\\n') }));
      await s.close();`;
    const child = spawn(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath].concat([
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ]),
      {
        cwd: join(import.meta.dirname, '..', '..'),
        env: { ...process.env, HOME: '/tmp' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    if (code === 3) return t.skip(`no user namespaces here: ${out.trim()}`);
    assert.equal(code, 0, out);
    const res = JSON.parse(out.trim().split('\n').at(-1)!) as { code: number; ports: string[] };
    assert.equal(res.code, 0);
    assert.deepEqual(res.ports, [
      'system:capture_1',
      'system:capture_2',
      'system:playback_1',
      'system:playback_2',
    ]);
  });
});

describe('without namespaces (JACK_NAMESPACES=off)', () => {
  let t: JamHub;
  before(async () => {
    t = await startJamHub(['host'], {
      env: {
        JACK_NAMESPACES: 'off',
        JACKTRIP_PORT_RANGE: '200',
        OPEN_ROOMS_PER_USER: '20',
        ROOM_CREATIONS_PER_USER: '20',
      },
    });
  });
  after(async () => {
    const pids = t.hub.supervisor.pids;
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} left running`);
  });

  it("rooms share the machine's registry, and the one past its 8 servers gets a clear 503", async () => {
    let refused: { status: number; text: string } | undefined;
    let started = 0;
    for (let i = 0; i < 9 && !refused; i++) {
      const room = await t.ok<RoomDetail>('host', 'POST', '/rooms', { name: `shared ${i}` });
      const r = await t.api('host', 'POST', `/rooms/${room.id}/join`, {});
      if (r.status === 200) {
        started++;
        const rt = t.hub.supervisor.get(room.id)!;
        assert.equal(rt.jack.scope.isolation, 'none');
        assert.equal(hasPrivateShm(rt.jack.pid), false);
      } else refused = r;
    }
    assert.ok(refused, `all ${started} rooms started: the registry has room for 8`);
    assert.equal(refused.status, 503, refused.text);
    assert.match(refused.text, /audio engine could not start/);
    assert.equal(
      parseRegistry(readFileSync(REGISTRY_PATH)).servers.length,
      8,
      'the registry is full',
    );
    assert.ok(sharedRoomServers().length >= started);
  });
});
