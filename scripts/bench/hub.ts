// Benchmarks of the headless hub (issue A): start-up time and bcrypt's effect on /health.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, req, root, sleep, sortNum, spawnHub, type Results } from './lib.js';

/** One start of the hub as its own process, timed from spawn to the first 200 from /health. */
async function timedStart(
  argv: string[],
  dir: string,
): Promise<{ ms: number; phases: Record<string, number> | undefined }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: {
      ...process.env,
      HUB_HOST: '127.0.0.1',
      HUB_PORT: '0',
      // The hub logs where its start-up time went at debug level (hub-core/src/startup.ts).
      LOG_LEVEL: 'debug',
      BACKLINE_DATA_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    let url: string | undefined;
    while (!(url = /listening on (https:\/\/\S+)/.exec(out)?.[1])) {
      if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}: ${err}`);
      await sleep(2);
    }
    const agent = new Agent({
      ca: readFileSync(join(dir, 'certs', 'hub-cert.pem')),
      keepAlive: false,
    });
    while ((await req(`${url}/health`, agent).catch(() => ({ status: 0 }))).status !== 200)
      await sleep(2);
    const ms = performance.now() - t0;
    agent.destroy();
    const line = out.split('\n').find((l) => l.includes('"startup timings"'));
    const phases = line
      ? (JSON.parse(line) as { startup_ms: Record<string, number> }).startup_ms
      : undefined;
    return { ms, phases };
  } finally {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}

/**
 * Wall time from spawning the hub to the first 200 from /health, on `npm run hub`'s path (the
 * bundle, dist/hub/cli.js, built beforehand when stale), cold (a fresh data folder: the
 * certificate is generated and the database created) and warm (the next start on it). The
 * same from the sources under tsx, the path `npm run hub` took before, as a reference.
 */
export async function hubStartup(results: Results): Promise<void> {
  const build = spawnSync('bash', ['scripts/build-hub.sh'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('scripts/build-hub.sh failed');
  console.log(
    '  (the bundle is built before timing; a rebuild, when sources changed, takes ~1-2 s)',
  );
  const paths = {
    bundle: { argv: ['dist/hub/cli.js'], runs: 5 },
    tsx: { argv: ['--import', 'tsx', 'hub-core/src/cli.ts'], runs: 2 },
  };
  type Figures = { cold: number[]; warm: number[]; phases: Record<string, number>[][] };
  const figures: Record<string, Figures> = {};
  for (const [name, p] of Object.entries(paths)) {
    const f: Figures = (figures[name] = { cold: [], warm: [], phases: [[], []] });
    for (let i = 0; i < p.runs; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'backline-bench-start-'));
      try {
        for (const [k, list] of [f.cold, f.warm].entries()) {
          const r = await timedStart(p.argv, dir);
          list.push(r.ms);
          if (r.phases) f.phases[k]!.push({ ...r.phases, 'healthy (spawn to first 200)': r.ms });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(`  ${name}: cold runs ${fmt(f.cold)} ms; warm runs ${fmt(f.warm)} ms`);
  }
  // Where the time goes: the median of each phase (ms), from the hub's own marks.
  const b = figures.bundle!;
  for (const [k, label] of ['cold', 'warm'].entries()) {
    const runs = b.phases[k]!;
    if (runs.length === 0) continue;
    const keys = Object.keys(runs[0]!);
    const cells = keys.map((key) => `${key} ${median(runs.map((r) => r[key] ?? NaN)).toFixed(0)}`);
    console.log(`  bundle ${label}, median ms per phase: ${cells.join(' | ')}`);
  }
  console.log(
    "  (node: the runtime up to its bootstrap; modules: loading the hub's code; the rest each " +
      'from the end of the one before; total: process start to listening)',
  );
  results.add({
    name: 'hub-startup.cold_to_healthy',
    value: median(b.cold),
    unit: 'ms',
    goal: '<= 1500',
  });
  results.add({
    name: 'hub-startup.warm_to_healthy',
    value: median(b.warm),
    unit: 'ms',
    goal: '<= 500',
  });
  const before = figures.tsx!;
  results.add({
    name: 'hub-startup.tsx_from_source_cold',
    value: median(before.cold),
    unit: 'ms',
    goal: 'reference (before)',
  });
  results.add({
    name: 'hub-startup.tsx_from_source_warm',
    value: median(before.warm),
    unit: 'ms',
    goal: 'reference (before)',
  });
}

/**
 * /health latency while idle, then while 20 logins are kept in flight: bcrypt runs in a
 * worker thread, so the event loop (and /health) should barely notice.
 */
export async function bcryptHealth(results: Results): Promise<void> {
  const hub = await spawnHub({ LOGIN_ATTEMPTS_PER_IP: '1000000', REGISTRATIONS_PER_IP: '1000' });
  const agent = new Agent({ ca: hub.ca, keepAlive: true, maxSockets: 64 });
  try {
    // One account per login loop: the hub checks at most 2 logins of one account from one
    // address at a time, and answers the rest 429 at once.
    const loops = 20;
    for (let i = 0; i < loops; i++) {
      const reg = await req(`${hub.url}/auth/register`, agent, 'POST', {
        username: `bench${i}`,
        password: 'bench-password',
      });
      if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
    }
    const seconds = 6;
    const sample = async (): Promise<number[]> => {
      const lat: number[] = [];
      const end = performance.now() + seconds * 1000;
      while (performance.now() < end) {
        const t = performance.now();
        const r = await req(`${hub.url}/health`, agent);
        if (r.status !== 200) throw new Error(`/health ${r.status}`);
        lat.push(performance.now() - t);
        await sleep(10);
      }
      return sortNum(lat);
    };
    await sample(); // warm-up: JIT, TLS sessions
    const idle = await sample();

    let running = true;
    let logins = 0;
    const loginLoop = async (i: number) => {
      while (running) {
        const r = await req(`${hub.url}/auth/login`, agent, 'POST', {
          username: `bench${i}`,
          password: 'bench-password',
        });
        if (r.status !== 200) throw new Error(`login ${r.status} ${r.text}`);
        logins++;
      }
    };
    const loopsDone = Array.from({ length: loops }, (_, i) => loginLoop(i));
    await sleep(500);
    const loaded = await sample();
    running = false;
    await Promise.all(loopsDone);

    const fmt = (xs: number[]) =>
      `p50 ${percentile(xs, 50).toFixed(2)} / p99 ${percentile(xs, 99).toFixed(2)} ms (n=${xs.length})`;
    console.log(
      `  /health idle: ${fmt(idle)}; with 20 concurrent logins: ${fmt(loaded)}; ${(logins / (seconds + 0.5)).toFixed(1)} logins/s`,
    );
    results.add({
      name: 'bcrypt-health.idle_p50',
      value: percentile(idle, 50),
      unit: 'ms',
      goal: '<= 5',
    });
    results.add({
      name: 'bcrypt-health.idle_p99',
      value: percentile(idle, 99),
      unit: 'ms',
      goal: '<= 20',
    });
    results.add({
      name: 'bcrypt-health.20_logins_p50',
      value: percentile(loaded, 50),
      unit: 'ms',
      goal: '<= 5',
    });
    results.add({
      name: 'bcrypt-health.20_logins_p99',
      value: percentile(loaded, 99),
      unit: 'ms',
      goal: '<= 20',
    });
    results.add({
      name: 'bcrypt-health.p99_ratio_loaded_vs_idle',
      value: percentile(loaded, 99) / percentile(idle, 99),
      unit: 'x',
      goal: '<= 3',
    });
    results.add({
      name: 'bcrypt-health.logins_per_second',
      value: logins / (seconds + 0.5),
      unit: '1/s',
      goal: '>= 2',
    });
  } finally {
    agent.destroy();
    await hub.stop();
  }
}

/**
 * A login while another account creates 8 passphrase rooms at once (8 bcrypt hashes): the
 * hasher takes turns between accounts and caps each one's share, so the login waits for at
 * most the job already running, not for all eight (the review measured 0.8 s → 5.2 s).
 */
export async function loginUnderRoomHashing(results: Results): Promise<void> {
  // The room limits (3 open rooms, a creation rate per user) would refuse most of the eight
  // before they are hashed; this measures the hashing queue itself, so lift them.
  const hub = await spawnHub({
    LOGIN_ATTEMPTS_PER_IP: '1000000',
    ROOM_CREATIONS_PER_USER: '1000',
    OPEN_ROOMS_PER_USER: '1000',
  });
  const agent = new Agent({ ca: hub.ca, keepAlive: true, maxSockets: 64 });
  try {
    const tokenOf = async (username: string) => {
      const r = await req(`${hub.url}/auth/register`, agent, 'POST', {
        username,
        password: `${username}-password`,
      });
      if (r.status !== 201) throw new Error(`register ${username}: ${r.status} ${r.text}`);
      return (JSON.parse(r.text) as { token: string }).token;
    };
    const host = await tokenOf('roomhost');
    await tokenOf('player');
    const login = async () => {
      const t = performance.now();
      const r = await req(`${hub.url}/auth/login`, agent, 'POST', {
        username: 'player',
        password: 'player-password',
      });
      if (r.status !== 200) throw new Error(`login ${r.status} ${r.text}`);
      return performance.now() - t;
    };
    await login(); // warm-up: JIT, TLS sessions
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) idle.push(await login());
    const loaded: number[] = [];
    let busy = 0;
    let made = 0;
    for (let round = 0; round < 5; round++) {
      const creations = Array.from({ length: 8 }, (_, i) =>
        req(
          `${hub.url}/rooms`,
          agent,
          'POST',
          { name: `r${round}-${i}`, passphrase: `secret phrase ${i}` },
          host,
        ),
      );
      await sleep(100); // the creations reach the hasher first: the login's worst case
      loaded.push(await login());
      for (const r of await Promise.all(creations)) {
        if (r.status === 503) busy++;
        else if (r.status === 201) made++;
        else throw new Error(`create ${r.status} ${r.text}`);
      }
    }
    console.log(
      `  login idle: median ${median(idle).toFixed(0)} ms; while 8 passphrase rooms are created: median ${median(loaded).toFixed(0)} ms (${made} rooms made, ${busy} answered 503 busy)`,
    );
    results.add({
      name: 'login-under-room-hashing.idle_login',
      value: median(idle),
      unit: 'ms',
      goal: 'reference',
    });
    results.add({
      name: 'login-under-room-hashing.loaded_login',
      value: median(loaded),
      unit: 'ms',
      goal: `<= ${(2 * median(idle)).toFixed(0)} (2x idle)`,
    });
    results.add({
      name: 'login-under-room-hashing.ratio_loaded_vs_idle',
      value: median(loaded) / median(idle),
      unit: 'x',
      goal: '<= 2',
    });
  } finally {
    agent.destroy();
    await hub.stop();
  }
}
