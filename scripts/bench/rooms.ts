// Benchmarks of rooms (issues B and K): join-to-connected time, cold and live, and the hub's
// CPU with 2, 4 and 8 clients. The audio round trip is in roundTrip.ts.
import { readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { delay, runTool, stopChild } from '../../hub-core/src/index.js';
import {
  Procs,
  jackConnect,
  startJackTripClient,
  startTone,
  type JtClient,
} from '../../testkit/jack.js';
import { hubApi, median, req, spawnHub, type HubProcess, type Results } from './lib.js';
import { Agent as HttpsAgent } from 'node:https';

export interface Joined {
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

export const base = () => 20000 + Math.floor(Math.random() * 400) * 50;

/** A hub on its own JackTrip pool, with the login and registration limits lifted for load. */
export const benchHubEnv = (extra: Record<string, string> = {}) => ({
  JACKTRIP_BASE_PORT: String(base()),
  JACKTRIP_PORT_RANGE: '50',
  LOGIN_ATTEMPTS_PER_IP: '100000',
  REGISTRATIONS_PER_IP: '100000',
  ...extra,
});

/** One join, timed: POST /rooms/{id}/join sent -> the jacktrip client prints "Received Connection". */
interface TimedJoin {
  /** Request sent to connected, ms. */
  total: number;
  /** Request sent to answer received, ms. */
  answer: number;
  /** The hub's own steps (its `Server-Timing` header), ms. */
  steps: Record<string, number>;
  cold: boolean;
  client: JtClient;
}

async function timedJoin(
  hub: HubProcess,
  agent: Agent,
  procs: Procs,
  cli: string,
  roomId: unknown,
  token: string,
): Promise<TimedJoin> {
  const t0 = performance.now();
  const r = await req(`${hub.url}/rooms/${String(roomId)}/join`, agent, 'POST', {}, token);
  const answer = performance.now() - t0;
  if (r.status !== 200) throw new Error(`join: ${r.status} ${r.text}`);
  const client = startJackTripClient(procs, cli, connectOpts(JSON.parse(r.text) as Joined));
  const outcome = await client.outcome;
  if (outcome !== 'connected') throw new Error(`join: ${outcome}`);
  const total = performance.now() - t0;
  const timing = String(r.headers['server-timing'] ?? '');
  const steps: Record<string, number> = {};
  for (const m of timing.matchAll(/(\w+);dur=([\d.]+)/g)) steps[m[1]!] = Number(m[2]);
  return { total, answer, steps, cold: /\bcold\b/.test(timing), client };
}

/** Median of each step over `joins`: the hub's steps, the HTTP round trip around them, the client. */
function breakdown(joins: TimedJoin[]): string {
  const med = (f: (j: TimedJoin) => number | undefined) => {
    const xs = joins.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs).toFixed(0) : '-';
  };
  const names = ['check', 'lock', 'hash', 'engine', 'jackd', 'watcher', 'jacktrip'];
  const hubSteps = names
    .filter((n) => joins.some((j) => j.steps[n] !== undefined))
    .map((n) => `${n} ${med((j) => j.steps[n])}`);
  return [
    `http+auth ${med((j) => j.answer - (j.steps.total ?? 0))}`,
    `hub ${med((j) => j.steps.total)} (${hubSteps.join(', ')})`,
    `client start to "Received Connection" ${med((j) => j.total - j.answer)}`,
    `total ${med((j) => j.total)}`,
  ].join(' | ');
}

/**
 * Join request to the jacktrip client's "Received Connection", p50, for a room whose engine
 * the join starts (cold: the room empties between joins) and for a room already live (a first
 * player stays connected while 10 others join a second apart and stay, so the room grows to
 * 11 players). Prints each step's median.
 */
export async function joinToConnect(results: Results): Promise<void> {
  const COLD = 9;
  const LIVE = 10;
  const hub = await spawnHub(benchHubEnv());
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true });
  const procs = new Procs();
  try {
    const names = Array.from({ length: 1 + COLD + LIVE }, (_, i) => `joiner${i}`);
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
    const cold: TimedJoin[] = [];
    for (let i = 1; i <= COLD; i++) {
      const j = await timedJoin(hub, agent, procs, cli, room.id, tokens[i]!);
      if (!j.cold) throw new Error('a cold join found the room live');
      cold.push(j);
      await stopChild(j.client.child, 2000);
      // The last member leaves: the room's engine stops before the next join.
      await api(hub, agent, 'POST', `/rooms/${String(room.id)}/leave`, {}, tokens[i]);
    }
    // The first player keeps the room live.
    await timedJoin(hub, agent, procs, cli, room.id, tokens[0]!);
    const live: TimedJoin[] = [];
    for (let i = 1 + COLD; i < 1 + COLD + LIVE; i++) {
      // Joins a second apart, as players arrive: the hub has wired the last one in by then.
      await delay(1000);
      const j = await timedJoin(hub, agent, procs, cli, room.id, tokens[i]!);
      if (j.cold) throw new Error('a live join started the room');
      live.push(j);
    }
    const ms = (js: TimedJoin[]) => js.map((j) => j.total.toFixed(0)).join(', ');
    console.log(`  cold joins (the join starts jackd, the watcher and jacktrip): ${ms(cold)} ms`);
    console.log(`    medians, ms: ${breakdown(cold)}`);
    console.log(`  joins into a live room: ${ms(live)} ms`);
    console.log(`    medians, ms: ${breakdown(live)}`);
    const p50 = (js: TimedJoin[]) => median(js.map((j) => j.total));
    results.add({ name: 'join-to-connect.p50', value: p50(cold), unit: 'ms', goal: '<= 600' });
    results.add({ name: 'join-to-connect.live_p50', value: p50(live), unit: 'ms', goal: '<= 400' });
  } finally {
    await procs.stopAll();
    agent.destroy();
    await hub.stop();
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
