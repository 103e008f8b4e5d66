// Benchmarks of the headless hub (issue A): start-up time and bcrypt's effect on /health.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, req, sleep, sortNum, spawnHub, type Results } from './lib.js';

/** Wall time from spawning the hub process to the first 200 from /health, cold and warm. */
export async function hubStartup(results: Results): Promise<void> {
  const runs = 3;
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'backline-bench-start-'));
    try {
      for (const list of [cold, warm]) {
        const hub = await spawnHub({}, dir);
        const agent = new Agent({ ca: hub.ca, keepAlive: false });
        while ((await req(`${hub.url}/health`, agent).catch(() => ({ status: 0 }))).status !== 200)
          await sleep(5);
        list.push(performance.now() - hub.t0);
        await hub.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `  (cold runs: ${cold.map((x) => x.toFixed(0)).join(', ')} ms; warm: ${warm.map((x) => x.toFixed(0)).join(', ')} ms)`,
  );
  results.add({
    name: 'hub-startup.cold_to_healthy',
    value: median(cold),
    unit: 'ms',
    goal: '<= 3000',
  });
  results.add({
    name: 'hub-startup.warm_to_healthy',
    value: median(warm),
    unit: 'ms',
    goal: '<= 2000',
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
