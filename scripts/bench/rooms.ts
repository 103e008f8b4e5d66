// Benchmarks of rooms (issue B): join-to-connected time, audio round trip against bare
// jacktrip, and the hub's CPU with 2, 4 and 8 clients.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { jacktripServerArgs, delay, jackEnv, runTool } from '../../hub-core/src/index.js';
import {
  Procs,
  jackConnect,
  startJackTripClient,
  startTone,
  waitForPort,
  type JtClient,
} from '../../testkit/jack.js';
import { hubApi, median, spawnHub, type HubProcess, type Results } from './lib.js';
import { Agent as HttpsAgent } from 'node:https';

interface Joined {
  jacktrip: { host: string; port: number; remote_name: string; username: string; password: string };
}
export const connectOpts = (j: Joined) => ({
  host: j.jacktrip.host,
  port: j.jacktrip.port,
  remoteName: j.jacktrip.remote_name,
  username: j.jacktrip.username,
  password: j.jacktrip.password,
});

const api = hubApi;

export async function joinRoom(
  hub: HubProcess,
  agent: Agent,
  roomId: unknown,
  token: string | undefined,
): Promise<Joined> {
  return (await api(
    hub,
    agent,
    'POST',
    `/rooms/${String(roomId)}/join`,
    {},
    token,
  )) as unknown as Joined;
}

export async function users(hub: HubProcess, agent: Agent, names: string[]): Promise<string[]> {
  const tokens: string[] = [];
  for (const n of names)
    tokens.push(
      (await api(hub, agent, 'POST', '/auth/register', { username: n, password: `${n}-password` }))
        .token as string,
    );
  return tokens;
}

const base = () => 20000 + Math.floor(Math.random() * 400) * 50;

/** A hub on its own JackTrip pool, with the login and registration limits lifted for load. */
export const benchHubEnv = (extra: Record<string, string> = {}) => ({
  JACKTRIP_BASE_PORT: String(base()),
  JACKTRIP_PORT_RANGE: '50',
  LOGIN_ATTEMPTS_PER_IP: '100000',
  REGISTRATIONS_PER_IP: '100000',
  ...extra,
});

/** p50 over 10 joins of: POST /rooms/{id}/join sent -> jacktrip client prints "Received Connection". */
export async function joinToConnect(results: Results): Promise<void> {
  const hub = await spawnHub(benchHubEnv());
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true });
  const procs = new Procs();
  try {
    const names = Array.from({ length: 11 }, (_, i) => `joiner${i}`);
    const tokens = await users(hub, agent, names);
    const room = await api(
      hub,
      agent,
      'POST',
      '/rooms',
      { name: 'bench', max_participants: 16 },
      tokens[0],
    );
    const cli = (await procs.server('bjc')).name;
    const times: number[] = [];
    let cold = 0;
    for (let i = 0; i < 11; i++) {
      const t0 = performance.now();
      const j = await joinRoom(hub, agent, room.id, tokens[i]);
      const c = startJackTripClient(procs, cli, connectOpts(j));
      const outcome = await c.outcome;
      if (outcome !== 'connected') throw new Error(`join ${i}: ${outcome}`);
      const ms = performance.now() - t0;
      if (i === 0) cold = ms;
      else times.push(ms);
    }
    console.log(
      `  first join (starts the room's jackd + jacktrip): ${cold.toFixed(0)} ms; next 10: ${times.map((x) => x.toFixed(0)).join(', ')} ms`,
    );
    results.add({ name: 'join-to-connect.p50', value: median(times), unit: 'ms', goal: '<= 1000' });
    results.add({
      name: 'join-to-connect.max',
      value: Math.max(...times),
      unit: 'ms',
      goal: '<= 2000',
    });
    results.add({
      name: 'join-to-connect.first_join_cold',
      value: cold,
      unit: 'ms',
      goal: '<= 3000',
    });
  } finally {
    await procs.stopAll();
    agent.destroy();
    await hub.stop();
  }
}

/** Runs jack_iodelay on `server` through `send`/`receive` for `seconds`; the most common round trip in frames. */
async function iodelay(
  server: string,
  send: string,
  receive: string,
  seconds = 5,
): Promise<number> {
  const p = spawn('stdbuf', ['-o0', 'jack_iodelay'], {
    env: jackEnv(server),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => p.on('exit', r));
  try {
    await waitForPort(server, 'jack_delay:out');
    await jackConnect(server, 'jack_delay:out', send);
    await jackConnect(server, receive, 'jack_delay:in');
    await delay(seconds * 1000);
  } finally {
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 2000).unref();
    await exited;
  }
  const frames = out
    .split(/[\r\n]+/)
    .map((l) => /([\d.]+) frames\s+[\d.]+ ms total roundtrip/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .slice(-12)
    .map((x) => Math.round(Number(x)));
  if (frames.length === 0) throw new Error('jack_iodelay gave no reading');
  const counts = new Map<number, number>();
  for (const f of frames) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/** Bare JackTrip: a hub server in client-loopback mode (-p 1) at `period`; round trip in frames. */
async function bareRoundTrip(period: number): Promise<number> {
  const procs = new Procs();
  try {
    const hubJack = (await procs.server(`bare${period}`, period)).name;
    const cli = (await procs.server(`barec${period}`, period)).name;
    const b = base();
    const args = jacktripServerArgs({ tcpPort: b, udpBase: b + 1, patchMode: 2 }).map(
      (a, i, arr) => (arr[i - 1] === '-p' ? '1' : a),
    );
    await new Promise<void>((resolve) =>
      procs.spawn(
        'jacktrip',
        args,
        hubJack,
        (l) => l.includes('Waiting for client connections') && resolve(),
      ),
    );
    const c = startJackTripClient(procs, cli, { host: '127.0.0.1', port: b, remoteName: 'bare' });
    if ((await c.outcome) !== 'connected') throw new Error('bare client did not connect');
    return await iodelay(cli, `${c.jackName}:send_1`, `${c.jackName}:receive_1`);
  } finally {
    await procs.stopAll();
  }
}

/** The same through a Backline room: mode 5, with the patchbay looping the player back to themselves. */
async function backlineRoundTrip(period: number): Promise<number> {
  const hub = await spawnHub({
    JACKTRIP_BASE_PORT: String(base()),
    JACKTRIP_PORT_RANGE: '50',
    JACK_PERIOD: String(period),
  });
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true });
  const procs = new Procs();
  try {
    const [tok] = await users(hub, agent, ['looper']);
    const room = await api(hub, agent, 'POST', '/rooms', { name: 'latency', patch_mode: 5 }, tok);
    const j = await joinRoom(hub, agent, room.id, tok);
    const cli = (await procs.server(`blc${period}`, period)).name;
    const c = startJackTripClient(procs, cli, connectOpts(j));
    if ((await c.outcome) !== 'connected') throw new Error('backline client did not connect');
    await waitForPort(cli, `${c.jackName}:receive_1`);
    await api(
      hub,
      agent,
      'POST',
      '/jack/connect',
      { room_id: room.id, source: 'looper:receive_1', dest: 'looper:send_1' },
      tok,
    );
    return await iodelay(cli, `${c.jackName}:send_1`, `${c.jackName}:receive_1`);
  } finally {
    await procs.stopAll();
    agent.destroy();
    await hub.stop();
  }
}

/**
 * Round trip through a Backline room against bare `jacktrip -S` at the same period, measured
 * alternately 3 times each (the figure moves by whole periods from run to run; the minimum
 * of each is compared).
 */
export async function roundTrip(results: Results): Promise<void> {
  for (const period of [128, 64]) {
    const bare: number[] = [];
    const backline: number[] = [];
    for (let i = 0; i < 3; i++) {
      bare.push(await bareRoundTrip(period));
      backline.push(await backlineRoundTrip(period));
    }
    const ms = (f: number) => ((f / 48000) * 1000).toFixed(2);
    const b = Math.min(...bare);
    const l = Math.min(...backline);
    console.log(
      `  period ${period}: bare jacktrip ${bare.join('/')} frames (min ${ms(b)} ms), Backline room ${backline.join('/')} frames (min ${ms(l)} ms)`,
    );
    results.add({
      name: `round-trip.p${period}.bare_jacktrip`,
      value: b,
      unit: 'frames',
      goal: 'reference',
    });
    results.add({
      name: `round-trip.p${period}.backline`,
      value: l,
      unit: 'frames',
      goal: '<= bare',
    });
    results.add({
      name: `round-trip.p${period}.added_periods`,
      value: (l - b) / period,
      unit: 'periods',
      goal: '<= 0',
    });
  }
}

export const ticks = (pid: number): number => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime, stime, cutime, cstime (fields 14-17): children reaped by the process count too.
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
};

export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

export async function childPids(pid: number): Promise<{ pid: number; comm: string }[]> {
  const r = await runTool('pgrep', ['-P', String(pid)], process.env, 3000);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((p) => ({ pid: Number(p), comm: commOf(Number(p)) }));
}

/** CPU of the hub's processes with 2, 4 and 8 clients in one full-mix room, 10 s each. */
export async function roomCpu(results: Results): Promise<void> {
  const hub = await spawnHub(benchHubEnv());
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true });
  const procs = new Procs();
  const hz = 100; // USER_HZ on Linux
  try {
    const names = Array.from({ length: 8 }, (_, i) => `cpu${i}`);
    const tokens = await users(hub, agent, names);
    const room = await api(
      hub,
      agent,
      'POST',
      '/rooms',
      { name: 'cpu', patch_mode: 4, max_participants: 8 },
      tokens[0],
    );
    const cli = (await procs.server('bcpu')).name;
    const clients: JtClient[] = [];
    for (const n of [2, 4, 8]) {
      while (clients.length < n) {
        const i = clients.length;
        const j = await joinRoom(hub, agent, room.id, tokens[i]);
        const c = startJackTripClient(procs, cli, connectOpts(j));
        if ((await c.outcome) !== 'connected') throw new Error(`cpu client ${i} did not connect`);
        clients.push(c);
        if (i === 0) {
          await startTone(procs, cli);
          await jackConnect(cli, 'jack_simple_client:output1', `${c.jackName}:send_1`);
        }
      }
      await delay(2000);
      const kids = await childPids(hub.child.pid!);
      const watch = [{ pid: hub.child.pid!, comm: 'hub (node)' }, ...kids];
      const t0 = watch.map((w) => ticks(w.pid));
      const s0 = performance.now();
      await delay(10_000);
      const secs = (performance.now() - s0) / 1000;
      const pct = watch.map((w, i) => ({
        comm: w.comm,
        pct: ((ticks(w.pid) - t0[i]!) / hz / secs) * 100,
      }));
      const of = (comm: string) =>
        pct.filter((p) => p.comm === comm).reduce((a, p) => a + p.pct, 0);
      const own = of('hub (node)') + of('jack_evmon');
      console.log(
        `  ${n} clients: ${pct.map((p) => `${p.comm} ${p.pct.toFixed(1)}%`).join(' | ')}`,
      );
      results.add({
        name: `room-cpu.${n}_clients.jacktrip_hub`,
        value: of('jacktrip'),
        unit: '%core',
        goal: `<= ${4 * n + 2}`,
      });
      results.add({
        name: `room-cpu.${n}_clients.room_jackd`,
        value: of('jackd'),
        unit: '%core',
        goal: '<= 10',
      });
      results.add({
        name: `room-cpu.${n}_clients.supervisor_and_watcher`,
        value: own,
        unit: '%core',
        goal: '<= 2',
      });
    }
  } finally {
    await procs.stopAll();
    agent.destroy();
    await hub.stop();
  }
}
