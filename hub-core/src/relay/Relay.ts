import { randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { PacketType, decode } from '../../../protocol/relay.js';
import { Resource } from '../process/Resource.js';
import { siblingModule, startWorker } from '../workers.js';
import type { RelayLimits, RoomVoiceCounters } from './RelayCore.js';
import type { FromWorker, RelayWorkerData, ToWorker } from './relayWorker.js';
import { workerOfRoom } from './shard.js';

export type RelayEvents = {
  died: [Error];
  /** A datagram for a WebSocket-fallback client (connection id, bytes). */
  wsout: [number, Uint8Array];
};

export interface RelayOptions {
  /** UDP interface. */
  host: string;
  /** UDP port of the first worker; worker i listens on port + i. 0 picks free ones. */
  port: number;
  /** Relay workers (threads), each with its own UDP port and its share of the rooms. Default 1. */
  workers?: number;
  /** HMAC key for voice tokens. Default: 32 random bytes (tokens live 60 s, so per process is fine). */
  secret?: Uint8Array;
  limits?: Partial<RelayLimits>;
  /** How long to wait for the socket to bind (the worker compiles under tsx in dev). Default 30000 ms. */
  readyTimeoutMs?: number;
}

export class RelayStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayStartError';
  }
}

interface Started {
  worker: Worker;
  port: number;
}

/** Starts one worker thread and waits until its socket is bound. */
function startOne(options: RelayOptions, data: RelayWorkerData): Promise<Started> {
  const worker = startWorker(siblingModule(import.meta.url, 'relayWorker'), { workerData: data });
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      void worker.terminate();
      reject(new RelayStartError(message));
    };
    const timer = setTimeout(
      () => fail(`relay did not bind UDP ${data.host}:${data.port} within ${timeoutMs} ms`),
      timeoutMs,
    );
    const onMessage = (m: FromWorker) => {
      if (m.t === 'listening') {
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve({ worker, port: m.port });
      } else if (m.t === 'error')
        fail(`relay cannot use UDP ${data.host}:${data.port}: ${m.message}`);
    };
    worker.on('message', onMessage);
    worker.once('error', (err) => fail(`relay worker failed: ${err.message}`));
  });
}

/**
 * The UDP voice relay: one or more worker threads, each with its own UDP port and the rooms
 * that hash to it (it owns no process: `pids` is empty).
 */
export class Relay extends Resource<RelayEvents> {
  private readonly stats: Record<string, number>[];
  private readonly roomStats: Record<string, RoomVoiceCounters>[];
  /** Which worker each WebSocket-fallback connection talks to (the room of its handshake). */
  private readonly wsWorker = new Map<number, number>();

  private constructor(
    private readonly workers: Worker[],
    /** Each worker's UDP port, by worker index. */
    readonly ports: readonly number[],
    readonly secret: Uint8Array,
  ) {
    super();
    this.stats = workers.map(() => ({}));
    this.roomStats = workers.map(() => ({}));
    workers.forEach((worker, i) => {
      worker.on('message', (m: FromWorker) => {
        if (m.t === 'stats') {
          this.stats[i] = m.counters;
          this.roomStats[i] = m.rooms;
        } else if (m.t === 'ws-out') this.safeEmit('wsout', m.id, m.data);
      });
      worker.on('exit', (code) =>
        this.die(new Error(`relay worker ${i} exited with code ${code}`)),
      );
    });
  }

  static async create(options: RelayOptions): Promise<Relay> {
    const secret = options.secret ?? new Uint8Array(randomBytes(32));
    const count = Math.max(1, Math.floor(options.workers ?? 1));
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, index) =>
        startOne(options, {
          host: options.host,
          port: options.port === 0 ? 0 : options.port + index,
          secret,
          limits: options.limits,
          index,
          workers: count,
        }),
      ),
    );
    const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map((s) => s.worker.terminate()));
      throw failed.reason;
    }
    const relay = new Relay(
      ok.map((s) => s.worker),
      ok.map((s) => s.port),
      secret,
    );
    return Resource.launch(relay, async () => {});
  }

  /** The first worker's UDP port (the only one with a single worker). */
  get port(): number {
    return this.ports[0]!;
  }

  /** The UDP port of the worker that owns the room: the one its voice token names. */
  portOf(roomId: string): number {
    return this.ports[workerOfRoom(roomId, this.ports.length)]!;
  }

  /** Who may hold a voice session in a room (members), and who may never (bans). */
  setRoom(roomId: string, members: number[], bans: number[]): void {
    this.post(workerOfRoom(roomId, this.workers.length), { t: 'room', roomId, members, bans });
  }

  /** A datagram from a WebSocket-fallback client: to the worker of its handshake's room. */
  wsIn(id: number, data: Uint8Array): void {
    if (this.workers.length > 1 && data[3] === PacketType.Handshake) {
      const r = decode(data);
      if (r.ok && r.packet.type === PacketType.Handshake)
        this.wsWorker.set(id, workerOfRoom(r.packet.channel, this.workers.length));
    }
    this.post(this.wsWorker.get(id) ?? 0, { t: 'ws-in', id, data });
  }

  /** A WebSocket-fallback connection closed. */
  wsClosed(id: number): void {
    this.wsWorker.delete(id);
  }

  /** The latest counters, summed over the workers (each pushes its own every second). */
  get counters(): Record<string, number> {
    const sum: Record<string, number> = {};
    for (const c of this.stats) for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  }

  /** One room's voice counters (pushed by its worker every second). */
  roomCounters(roomId: string): RoomVoiceCounters | undefined {
    return this.roomStats[workerOfRoom(roomId, this.workers.length)]?.[roomId];
  }

  get pids(): number[] {
    return [];
  }

  protected async dispose(): Promise<void> {
    if (this.dead) {
      // One worker died: the others may still run.
      await Promise.all(this.workers.map((w) => w.terminate()));
      return;
    }
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => void worker.terminate(), 2000);
            worker.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            worker.postMessage({ t: 'close' } satisfies ToWorker);
          }),
      ),
    );
  }

  private post(index: number, m: ToWorker): void {
    if (!this.closing) this.workers[index]!.postMessage(m);
  }
}
