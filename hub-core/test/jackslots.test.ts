// JACK's registry holds 8 servers per machine, and a server killed with -9 keeps its slot. After
// a crash of the hub (kill -9; its room servers die with it), the next hub must give those
// slots back, even on another port pool (other server names).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseRegistry, reclaimJackSlots, REGISTRY_PATH } from '../src/jacktrip/jackSlots.js';
import { JackServer } from '../src/jacktrip/JackServer.js';
import { httpsJson, randomJackTripBase, tempDir } from '../../testkit/fixtures.js';
import { alive } from '../../testkit/jack.js';

const root = join(import.meta.dirname, '..', '..');
const uid = process.getuid!();
// Process groups this file started; `after` makes sure none outlives the tests.
const groups = new Set<number>();

const registered = (): { name: string; pid: number }[] =>
  existsSync(REGISTRY_PATH)
    ? parseRegistry(readFileSync(REGISTRY_PATH)).servers.filter((s) => s.uid === uid)
    : [];

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface HubProcess {
  child: ChildProcess;
  url: string;
  ca: string;
  exit: Promise<number | null>;
  stderr: () => string;
}

/** The hub as `npm run hub` runs it (cli.ts in its own process group). */
async function startHub(dataDir: string, basePort: number): Promise<HubProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'hub-core/src/cli.ts'], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      BACKLINE_DATA_DIR: dataDir,
      HUB_HOST: '127.0.0.1',
      HUB_PORT: '0',
      JACKTRIP_BASE_PORT: String(basePort),
      JACKTRIP_PORT_RANGE: '40',
      OPEN_ROOMS_PER_USER: '20',
      // The machine's JACK and its 8-server registry: the path without namespaces.
      JACK_NAMESPACES: 'off',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid) groups.add(child.pid);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await waitFor('the hub to listen', () => {
    if (child.exitCode !== null) throw new Error(`hub exited: ${err}`);
    return /listening on (https:\/\/\S+)/.exec(out)?.[1];
  });
  const ca = readFileSync(join(dataDir, 'certs', 'hub-cert.pem'), 'utf8');
  return { child, url, ca, exit, stderr: () => err };
}

/** `count` rooms, each joined (so each runs its own jackd); their JACK server names and PIDs. */
async function liveRooms(
  hub: HubProcess,
  user: string,
  count: number,
): Promise<{ names: string[]; ids: string[] }> {
  const call = (method: string, path: string, body?: unknown, token?: string) =>
    httpsJson(`${hub.url}${path}`, { method, body, token, ca: hub.ca });
  let auth = await call('POST', '/auth/login', { username: user, password: `${user}-password` });
  if (auth.status !== 200)
    auth = await call('POST', '/auth/register', { username: user, password: `${user}-password` });
  const token = (auth.body as { token: string }).token;
  const names: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const room = await call('POST', '/rooms', { name: `room ${i}`, max_participants: 2 }, token);
    assert.equal(room.status, 201, room.text);
    const id = (room.body as { id: string }).id;
    const joined = await call('POST', `/rooms/${id}/join`, {}, token);
    assert.equal(joined.status, 200, `room ${i + 1} of ${count}: ${joined.text}`);
    names.push(`backline-${(joined.body as { port: number }).port}`);
    ids.push(id);
  }
  return { names, ids };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

after(async () => {
  for (const g of groups) if (groupAlive(g)) process.kill(-g, 'SIGKILL');
  await waitFor('started processes to exit', () =>
    [...groups].some(groupAlive) ? undefined : true,
  );
});

describe('JACK slots after a crash', () => {
  it('kill -9 of the hub with 4 live rooms: the next hub, on another port pool, gets the slots back', async () => {
    const dir = tempDir();
    try {
      const base = randomJackTripBase();
      const first = await startHub(dir.path, base);
      const { names } = await liveRooms(first, 'crashy', 4);
      const before = registered();
      for (const n of names)
        assert.ok(
          before.some((s) => s.name === n),
          `${n} registered`,
        );
      const pids = before.filter((s) => names.includes(s.name)).map((s) => s.pid);

      first.child.kill('SIGKILL');
      await first.exit;
      // Its room servers die with it (parent-death signal); here nobody reaps them (zombies).
      await waitFor('the room servers to die', () => (pids.some(alive) ? undefined : true));
      const leaked = registered().filter((s) => names.includes(s.name));
      assert.equal(leaked.length, 4, 'the dead servers still hold their slots');

      // Another port pool: none of those names will ever be started again.
      const second = await startHub(dir.path, base + 5_000);
      try {
        const still = registered().filter((s) => names.includes(s.name));
        assert.deepEqual(still, [], 'the dead servers were removed from the registry');
        // As many rooms as before run again.
        const again = await liveRooms(second, 'crashy', 4);
        assert.equal(new Set([...again.names, ...names]).size, 8, 'new server names');
      } finally {
        second.child.kill('SIGTERM');
        assert.equal(await second.exit, 0, second.stderr());
      }
    } finally {
      dir.remove();
    }
  });

  it('a killed server that was waited for (its pid gone) is freed too, with its shared memory', async () => {
    const name = `backline-${randomJackTripBase() + 7}`;
    const server = await JackServer.create({ name });
    const pid = server.pid;
    // As a crash would leave it: SIGKILL, and the process reaped.
    process.kill(pid, 'SIGKILL');
    await server.close();
    assert.equal(alive(pid), false);
    const reg = parseRegistry(readFileSync(REGISTRY_PATH));
    assert.ok(
      reg.servers.some((s) => s.name === name && s.pid === pid),
      'the killed server is still registered',
    );
    const segments = reg.segments.filter((g) => g.allocator === pid).map((g) => `/dev/shm${g.id}`);
    assert.ok(segments.length > 0 && segments.every((f) => existsSync(f)), 'its memory is left');

    assert.ok(reclaimJackSlots().includes(name));
    const now = parseRegistry(readFileSync(REGISTRY_PATH));
    assert.equal(
      now.servers.some((s) => s.name === name),
      false,
    );
    assert.equal(
      now.segments.some((g) => g.allocator === pid),
      false,
    );
    for (const f of segments) assert.equal(existsSync(f), false, `${f} removed`);
    // JACK takes the edited registry: a server of that name starts and stops cleanly.
    const again = await JackServer.create({ name });
    await again.close();
    assert.equal(
      registered().some((s) => s.name === name),
      false,
    );
  });
});
