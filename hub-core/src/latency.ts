// The hub's latency figures for /metrics (http/metrics.ts), observed where they happen: a join
// answered to its player's jacktrip connected, a JACK change to the patchbay's WebSocket
// message, a voice packet's way through the relay. This module carries no metrics library, so
// the relay's worker thread and the graph watcher can import it for free; observations made
// in a worker thread reach the main thread's listeners over a BroadcastChannel, in batches.
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

export type LatencyName = 'join_to_connected' | 'patchbay_reaction' | 'relay_delay';
export type LatencyListener = (name: LatencyName, seconds: number) => void;

const CHANNEL = 'backline:latency';
/** A worker sends its observations this often, and keeps at most this many in between. */
const FLUSH_MS = 1000;
const MAX_BATCH = 4096;

const listeners = new Set<LatencyListener>();
let mainChannel: BroadcastChannel | undefined;

/** Records one observation, in seconds. */
export function observeLatency(name: LatencyName, seconds: number): void {
  if (isMainThread) for (const l of listeners) l(name, seconds);
  else fromWorker(name, seconds);
}

/**
 * Calls `l` with every observation of this process, worker threads' included. Every hub of the
 * process hears all of them (one hub per process, outside tests). Returns the unsubscribe.
 */
export function onLatency(l: LatencyListener): () => void {
  listeners.add(l);
  if (!mainChannel) {
    mainChannel = new BroadcastChannel(CHANNEL);
    mainChannel.unref();
    mainChannel.onmessage = (e) => {
      const batch = (e as { data: unknown }).data;
      if (!isBatch(batch)) return;
      for (const s of batch.values) for (const x of listeners) x(batch.name, s);
    };
  }
  return () => {
    listeners.delete(l);
    if (listeners.size === 0 && mainChannel) {
      mainChannel.close();
      mainChannel = undefined;
    }
  };
}

interface Batch {
  name: LatencyName;
  values: number[];
}
const isBatch = (b: unknown): b is Batch =>
  typeof b === 'object' &&
  b !== null &&
  typeof (b as Batch).name === 'string' &&
  Array.isArray((b as Batch).values);

let workerChannel: BroadcastChannel | undefined;
const pending = new Map<LatencyName, number[]>();
let flushTimer: NodeJS.Timeout | undefined;

function fromWorker(name: LatencyName, seconds: number): void {
  let list = pending.get(name);
  if (!list) pending.set(name, (list = []));
  if (list.length < MAX_BATCH) list.push(seconds);
  flushTimer ??= setTimeout(flush, FLUSH_MS).unref();
}

function flush(): void {
  flushTimer = undefined;
  if (!workerChannel) {
    workerChannel = new BroadcastChannel(CHANNEL);
    workerChannel.unref();
  }
  for (const [name, values] of pending) workerChannel.postMessage({ name, values } satisfies Batch);
  pending.clear();
}

/**
 * Samples one packet in `every` through a forwarder: `arrived()` when a packet comes in, `done()`
 * once it is handled, and `sent()` as the send callback of each packet it sends out (undefined,
 * no callback, for all but the first out-packet of a sampled one). Costs an increment per packet.
 */
export class DelaySampler {
  private n = 0;
  private t0: number | undefined;

  constructor(
    private readonly name: LatencyName,
    private readonly every = 64,
  ) {}

  arrived(): void {
    if (++this.n % this.every === 0) this.t0 = performance.now();
  }

  sent(): (() => void) | undefined {
    const t0 = this.t0;
    if (t0 === undefined) return undefined;
    this.t0 = undefined;
    return () => observeLatency(this.name, (performance.now() - t0) / 1000);
  }

  done(): void {
    this.t0 = undefined;
  }
}
