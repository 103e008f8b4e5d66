// The relay benchmarks' machinery: load generator processes (relayLoad.ts), the raw forwarder
// process (rawForwarder.ts), and one measured step: T talkers in rooms of 8 for a few seconds.
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Relay, signVoiceToken } from '../../hub-core/src/index.js';
import type { FromLoad, LoadTalker, ToLoad } from './relayLoad.js';
import { BUCKETS, BUCKET_MS } from './relayLoad.js';
import { sleep } from './lib.js';

export const ROOM_SIZE = 8;
export const P99_LIMIT_MS = 5;
export const DELIVERED_MIN = 99;

const child = (name: string) =>
  fork(new URL(`./${name}.ts`, import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

function next<T>(c: ChildProcess, pred: (m: T) => boolean = () => true, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('a bench process did not answer')), ms);
    const onMsg = (m: T) => {
      const f = m as { t?: string; message?: string };
      if (f.t === 'failed') done(new Error(f.message));
      else if (pred(m)) done(undefined, m);
    };
    const onExit = () => done(new Error('a bench process exited'));
    const done = (err?: Error, m?: T) => {
      clearTimeout(timer);
      c.off('message', onMsg);
      c.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    c.on('message', onMsg);
    c.once('exit', onExit);
  });
}

async function stop(c: ChildProcess, bye: unknown): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.send(bye as never);
  const t = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

export interface StepResult {
  talkers: number;
  /** Frames the generators sent per second, against talkers × 50. */
  sentRate: number;
  delivered: number;
  p50: number;
  p99: number;
  /** Datagrams the receivers got per second (bundles make this smaller than frames). */
  datagramRate: number;
  pass: boolean;
  note: string;
}

/** The load generator processes, kept for a whole benchmark. */
export class Generators {
  private constructor(private readonly procs: ChildProcess[]) {}

  static async start(n = Math.max(2, availableParallelism())): Promise<Generators> {
    const procs = Array.from({ length: n }, () => child('relayLoad'));
    return new Generators(procs);
  }

  /** Opens (and, with tokens, handshakes) every talker; returns their local ports in order. */
  async setup(talkers: LoadTalker[], bundles: boolean): Promise<number[]> {
    // Whole rooms per process: a frame's sender and its receivers read the same clock.
    const per = Math.ceil(talkers.length / this.procs.length / ROOM_SIZE) * ROOM_SIZE;
    const parts = this.procs.map((p, k) => {
      const ready = next<FromLoad>(p, (m) => m.t === 'ready');
      p.send({
        t: 'setup',
        talkers: talkers.slice(k * per, (k + 1) * per),
        bundles,
      } satisfies ToLoad);
      return ready;
    });
    return (await Promise.all(parts)).flatMap((m) => (m.t === 'ready' ? m.ports : []));
  }

  async run(talkers: number, warmupMs: number, ms: number): Promise<StepResult> {
    const done = await Promise.all(
      this.procs.map((p) => {
        const d = next<FromLoad>(p, (m) => m.t === 'done');
        p.send({ t: 'run', warmupMs, ms } satisfies ToLoad);
        return d;
      }),
    );
    let sent = 0;
    let received = 0;
    let datagrams = 0;
    const hist = new Array<number>(BUCKETS).fill(0);
    for (const d of done) {
      if (d.t !== 'done') continue;
      sent += d.sent;
      received += d.received;
      datagrams += d.datagrams;
      d.hist.forEach((v, i) => (hist[i]! += v));
    }
    const pct = (p: number) => {
      const want = (received * p) / 100;
      let acc = 0;
      for (let i = 0; i < BUCKETS; i++) if ((acc += hist[i]!) >= want) return (i + 1) * BUCKET_MS;
      return BUCKETS * BUCKET_MS;
    };
    const sentRate = sent / (ms / 1000);
    const delivered = sent ? (received / (sent * (ROOM_SIZE - 1))) * 100 : 0;
    const p99 = pct(99);
    const behind = sentRate < talkers * 50 * 0.97;
    const pass = !behind && delivered >= DELIVERED_MIN && p99 <= P99_LIMIT_MS;
    const note = behind
      ? 'generators behind'
      : delivered < DELIVERED_MIN
        ? 'frames lost'
        : p99 > P99_LIMIT_MS
          ? 'p99 over 5 ms'
          : 'held';
    return {
      talkers,
      sentRate,
      delivered,
      p50: pct(50),
      p99,
      datagramRate: datagrams / (ms / 1000),
      pass,
      note,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => stop(p, { t: 'exit' } satisfies ToLoad)));
  }
}

/** What carries the frames in a step: the raw forwarder or the relay, set up for T talkers. */
export interface System {
  name: string;
  step(gen: Generators, talkers: number, stepNo: number): Promise<void>;
  close(): Promise<void>;
}

export async function rawSystem(): Promise<System> {
  const fwd = child('rawForwarder');
  const { port } = await next<{ port: number }>(fwd);
  return {
    name: 'raw dgram forwarder',
    async step(gen, talkers) {
      const list: LoadTalker[] = Array.from({ length: talkers }, (_, i) => ({
        userId: i + 1,
        roomId: `r${Math.floor(i / ROOM_SIZE)}`,
        port,
      }));
      const ports = await gen.setup(list, false);
      const routes = ports.map((p, i) => {
        const r = Math.floor(i / ROOM_SIZE) * ROOM_SIZE;
        const room = ports.slice(r, r + ROOM_SIZE);
        return [p, room.filter((q) => q !== p)] as [number, number[]];
      });
      const applied = next<{ routes?: number }>(fwd, (m) => m.routes !== undefined);
      fwd.send({ routes });
      await applied;
    },
    close: () => stop(fwd, 'exit'),
  };
}

export async function relaySystem(workers: number, bundles: boolean): Promise<System> {
  // A long start allowance: on a loaded machine tsx compiles each worker slowly.
  const relay = await Relay.create({
    host: '127.0.0.1',
    port: 0,
    workers,
    readyTimeoutMs: 120_000,
  });
  let rooms: string[] = [];
  return {
    name: `relay, ${workers} worker${workers > 1 ? 's' : ''}${bundles ? ', bundles' : ''}`,
    async step(gen, talkers, stepNo) {
      for (const r of rooms) relay.setRoom(r, [], []);
      rooms = Array.from({ length: talkers / ROOM_SIZE }, (_, r) => `s${stepNo}-r${r}`);
      const base = stepNo * 100_000;
      rooms.forEach((id, r) =>
        relay.setRoom(
          id,
          Array.from({ length: ROOM_SIZE }, (_, k) => base + r * ROOM_SIZE + k + 1),
          [],
        ),
      );
      await sleep(100);
      const list: LoadTalker[] = [];
      for (let i = 0; i < talkers; i++) {
        const roomId = rooms[Math.floor(i / ROOM_SIZE)]!;
        const { token } = await signVoiceToken(relay.secret, {
          userId: base + i + 1,
          username: `u${i}`,
          roomId,
          host: false,
        });
        list.push({ userId: base + i + 1, roomId, port: relay.portOf(roomId), token });
      }
      await gen.setup(list, bundles);
    },
    close: () => relay.close(),
  };
}

/** A delay, or ">= 100" for the histogram's last bucket (everything from 100 ms up). */
const ms = (v: number) => (v >= BUCKETS * BUCKET_MS ? `>= ${BUCKETS * BUCKET_MS}` : v.toFixed(2));

const fmt = (s: StepResult) =>
  `${String(s.talkers).padStart(5)} talkers: sent ${s.sentRate.toFixed(0)}/s, delivered ${s.delivered.toFixed(1)} %, ` +
  `one-way p50 ${ms(s.p50)} / p99 ${ms(s.p99)} ms, ${s.datagramRate.toFixed(0)} datagrams/s in: ${s.note}`;

/** Talkers held (p99 ≤ 5 ms, ≥ 99 % delivered, the generators on time): steps up until one fails, then one step between. */
export async function capacity(
  gen: Generators,
  system: System,
  stepNo: { n: number },
  steps: number[],
  seconds: number,
): Promise<{ held: number; results: StepResult[] }> {
  const results: StepResult[] = [];
  const at = async (t: number) => {
    await system.step(gen, t, stepNo.n++);
    const r = await gen.run(t, 500, seconds * 1000);
    console.log(`    ${system.name}: ${fmt(r)}`);
    results.push(r);
    return r;
  };
  let held = 0;
  let failedAt = 0;
  for (const t of steps) {
    if ((await at(t)).pass) held = t;
    else {
      failedAt = t;
      break;
    }
  }
  const mid = Math.round((held + failedAt) / 2 / ROOM_SIZE) * ROOM_SIZE;
  if (failedAt && held && mid > held && mid < failedAt && (await at(mid)).pass) held = mid;
  return { held, results };
}
