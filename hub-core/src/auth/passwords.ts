import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Overloaded } from '../errors.js';

/** Cost factor for new hashes (2^12 rounds). */
export const BCRYPT_COST = 12;

type PasswordJob =
  | { id: number; op: 'hash'; password: string; cost: number }
  | { id: number; op: 'verify'; password: string; hash: string };

type PasswordResult =
  { id: number; ok: true; value: string | boolean } | { id: number; ok: false; error: string };

// The worker is plain CommonJS evaluated from this string, so it runs the same under tsx,
// compiled JS and Electron's utilityProcess, with no loader hooks in the thread.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
// On Linux a thread's nice value is its own: hashing yields to the relay and the API.
try { require('node:os').setPriority(19); } catch {}
const bcrypt = require(${JSON.stringify(createRequire(import.meta.url).resolve('bcryptjs'))});
parentPort.on('message', (job) => {
  let result;
  try {
    result = job.op === 'hash'
      ? { id: job.id, ok: true, value: bcrypt.hashSync(job.password, job.cost) }
      : { id: job.id, ok: true, value: bcrypt.compareSync(job.password, job.hash) };
  } catch (err) {
    result = { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort.postMessage(result);
});
`;

type Pending = {
  job: PasswordJob;
  resolve: (v: string | boolean) => void;
  reject: (e: Error) => void;
};

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
  startedAt: number;
}

export interface PasswordHasherOptions {
  /** Worker threads. Default: one less than the cores, at least 1. */
  threads?: number;
  /** bcrypt cost for new hashes. Default 12. */
  cost?: number;
  /** Jobs allowed to wait for a thread, over all callers. Default 64; past it, 503. */
  maxQueued?: number;
  /** Jobs one caller (key) may have waiting or running at once. Default 4; past it, 503. */
  maxPerKey?: number;
}

/**
 * Who a hashing job is for, when the caller doesn't say: the HTTP layer runs each request's
 * handler inside this context ("user:<id>" once signed in, else "ip:<address>"), so work
 * started by services that know nothing of requests (a room's passphrase) is still attributed.
 */
export const hashingContext = new AsyncLocalStorage<{ key: string }>();

/** Jobs outside any request share this lane; the global bound still applies to them. */
const NO_KEY = '';

/**
 * bcrypt off the event loop: a small pool of worker threads fed by a bounded, fair queue.
 * Each caller (key) has its own lane and a free thread serves the lane served longest ago, so
 * one account queuing many slow hashes delays another caller's login by the job already
 * running, not by all of them. A full queue, or a caller over its share, is refused at once
 * (Overloaded, 503 with Retry-After) rather than kept waiting.
 */
export class PasswordHasher {
  private readonly slots: Slot[] = [];
  /** Waiting jobs per key. */
  private readonly lanes = new Map<string, Pending[]>();
  /** Jobs waiting or running per key. */
  private readonly perKey = new Map<string, number>();
  /** When each key last had a job started (a counter): the longest-unserved lane goes next. */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  private waiting = 0;
  private nextId = 1;
  private closed = false;
  // A running estimate of one job's duration, for Retry-After (cost 12 is about 250 ms).
  private avgJobMs = 250;
  readonly cost: number;
  readonly maxQueued: number;
  readonly maxPerKey: number;

  constructor(opts: PasswordHasherOptions = {}) {
    this.cost = opts.cost ?? BCRYPT_COST;
    this.maxQueued = opts.maxQueued ?? 64;
    this.maxPerKey = opts.maxPerKey ?? 4;
    const n = opts.threads ?? Math.max(1, availableParallelism() - 1);
    for (let i = 0; i < n; i++) this.slots.push(this.spawn());
  }

  /** `key` names the caller for the fair share; default: the request's (hashingContext). */
  hash(password: string, key?: string): Promise<string> {
    return this.run(
      { id: this.nextId++, op: 'hash', password, cost: this.cost },
      key,
    ) as Promise<string>;
  }

  verify(password: string, hash: string, key?: string): Promise<boolean> {
    return this.run({ id: this.nextId++, op: 'verify', password, hash }, key) as Promise<boolean>;
  }

  /** Jobs waiting for a free thread (for /health and benchmarks). */
  get queued(): number {
    return this.waiting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const gone = new Error('password hasher closed');
    for (const lane of this.lanes.values()) for (const p of lane) p.reject(gone);
    this.lanes.clear();
    this.waiting = 0;
    // Jobs in a thread being terminated would otherwise never settle.
    for (const slot of this.slots) {
      slot.busy?.reject(gone);
      slot.busy = undefined;
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private run(job: PasswordJob, key: string | undefined): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error('password hasher closed'));
    const k = key ?? hashingContext.getStore()?.key ?? NO_KEY;
    const mine = this.perKey.get(k) ?? 0;
    if (this.waiting >= this.maxQueued || (k !== NO_KEY && mine >= this.maxPerKey))
      return Promise.reject(new Overloaded(this.retryAfter()));
    this.perKey.set(k, mine + 1);
    return new Promise((resolve, reject) => {
      const done = () => {
        const left = (this.perKey.get(k) ?? 1) - 1;
        if (left > 0) this.perKey.set(k, left);
        else {
          this.perKey.delete(k);
          this.lastServed.delete(k);
        }
      };
      const pending: Pending = {
        job,
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      };
      const lane = this.lanes.get(k);
      if (lane) lane.push(pending);
      else this.lanes.set(k, [pending]);
      this.waiting++;
      this.dispatch();
    });
  }

  /** Seconds until the queue has likely drained enough to take a job. */
  private retryAfter(): number {
    const ahead = this.waiting + this.slots.length;
    return Math.max(1, Math.ceil((ahead / this.slots.length) * (this.avgJobMs / 1000)));
  }

  /**
   * The next job: from the lane whose key was served longest ago (never, for a newcomer), so
   * a caller arriving behind another's backlog waits only for the jobs already running.
   */
  private take(): Pending | undefined {
    let pick: string | undefined;
    let oldest = Infinity;
    for (const key of this.lanes.keys()) {
      const at = this.lastServed.get(key) ?? -1;
      if (at < oldest) [pick, oldest] = [key, at];
    }
    if (pick === undefined) return undefined;
    const lane = this.lanes.get(pick)!;
    const next = lane.shift()!;
    if (lane.length === 0) this.lanes.delete(pick);
    this.lastServed.set(pick, this.served++);
    this.waiting--;
    return next;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.take();
      if (!next) return;
      slot.busy = next;
      slot.startedAt = performance.now();
      slot.worker.postMessage(next.job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const slot: Slot = { worker, busy: undefined, startedAt: 0 };
    worker.on('message', (r: PasswordResult) => {
      const p = slot.busy;
      slot.busy = undefined;
      this.avgJobMs = 0.8 * this.avgJobMs + 0.2 * (performance.now() - slot.startedAt);
      if (p && p.job.id === r.id) {
        if (r.ok) p.resolve(r.value);
        else p.reject(new Error(r.error));
      }
      this.dispatch();
    });
    const replace = (err: Error) => {
      slot.busy?.reject(err);
      slot.busy = undefined;
      if (this.closed) return;
      // A crashed thread is replaced so the pool never shrinks to nothing.
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      this.dispatch();
    };
    worker.on('error', replace);
    worker.on('exit', (code) => {
      if (!this.closed) replace(new Error(`password worker exited with code ${code}`));
    });
    return slot;
  }
}
