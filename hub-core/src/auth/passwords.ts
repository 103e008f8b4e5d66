import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

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
}

export interface PasswordHasherOptions {
  /** Worker threads. Default: one less than the cores, at least 1. */
  threads?: number;
  /** bcrypt cost for new hashes. Default 12. */
  cost?: number;
}

/** bcrypt off the event loop: a small pool of worker threads with a FIFO queue. */
export class PasswordHasher {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  readonly cost: number;

  constructor(opts: PasswordHasherOptions = {}) {
    this.cost = opts.cost ?? BCRYPT_COST;
    const n = opts.threads ?? Math.max(1, availableParallelism() - 1);
    for (let i = 0; i < n; i++) this.slots.push(this.spawn());
  }

  hash(password: string): Promise<string> {
    return this.run({
      id: this.nextId++,
      op: 'hash',
      password,
      cost: this.cost,
    }) as Promise<string>;
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.run({ id: this.nextId++, op: 'verify', password, hash }) as Promise<boolean>;
  }

  /** Jobs waiting for a free thread (for /health and benchmarks). */
  get queued(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('password hasher closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private run(job: PasswordJob): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error('password hasher closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const next = this.queue.shift()!;
      slot.busy = next;
      slot.worker.postMessage(next.job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const slot: Slot = { worker, busy: undefined };
    worker.on('message', (r: PasswordResult) => {
      const p = slot.busy;
      slot.busy = undefined;
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
