import { randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { Resource } from '../process/Resource.js';
import { siblingModule, startWorker } from '../workers.js';
import type { RelayLimits, RoomVoiceCounters } from './RelayCore.js';
import type { FromWorker, RelayWorkerData, ToWorker } from './relayWorker.js';

export type RelayEvents = {
  died: [Error];
  /** A datagram for a WebSocket-fallback client (connection id, bytes). */
  wsout: [number, Uint8Array];
};

export interface RelayOptions {
  /** UDP interface. */
  host: string;
  /** UDP port; 0 picks a free one. */
  port: number;
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

/** The UDP voice relay, running in its own worker thread (it owns no process: `pids` is empty). */
export class Relay extends Resource<RelayEvents> {
  private stats: Record<string, number> = {};
  private roomStats: Record<string, RoomVoiceCounters> = {};

  private constructor(
    private readonly worker: Worker,
    readonly port: number,
    readonly secret: Uint8Array,
  ) {
    super();
    worker.on('message', (m: FromWorker) => {
      if (m.t === 'stats') {
        this.stats = m.counters;
        this.roomStats = m.rooms;
      } else if (m.t === 'ws-out') this.safeEmit('wsout', m.id, m.data);
    });
    worker.on('exit', (code) => this.die(new Error(`relay worker exited with code ${code}`)));
  }

  static create(options: RelayOptions): Promise<Relay> {
    const secret = options.secret ?? new Uint8Array(randomBytes(32));
    const data: RelayWorkerData = {
      host: options.host,
      port: options.port,
      secret,
      limits: options.limits,
    };
    const worker = startWorker(siblingModule(import.meta.url, 'relayWorker'), { workerData: data });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(
          new RelayStartError(
            `relay did not bind UDP ${options.host}:${options.port} within ${options.readyTimeoutMs ?? 30_000} ms`,
          ),
        );
      }, options.readyTimeoutMs ?? 30_000);
      const onMessage = (m: FromWorker) => {
        if (m.t === 'listening') {
          clearTimeout(timer);
          worker.off('message', onMessage);
          resolve(Resource.launch(new Relay(worker, m.port, secret), async () => {}));
        } else if (m.t === 'error') {
          clearTimeout(timer);
          void worker.terminate();
          reject(
            new RelayStartError(
              `relay cannot use UDP ${options.host}:${options.port}: ${m.message}`,
            ),
          );
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(new RelayStartError(`relay worker failed: ${err.message}`));
      });
    });
  }

  /** Who may hold a voice session in a room (members), and who may never (bans). */
  setRoom(roomId: string, members: number[], bans: number[]): void {
    this.post({ t: 'room', roomId, members, bans });
  }

  /** A datagram from a WebSocket-fallback client. */
  wsIn(id: number, data: Uint8Array): void {
    this.post({ t: 'ws-in', id, data });
  }

  /** The latest counters (pushed by the worker every second). */
  get counters(): Record<string, number> {
    return this.stats;
  }

  /** One room's voice counters (pushed by the worker every second). */
  roomCounters(roomId: string): RoomVoiceCounters | undefined {
    return this.roomStats[roomId];
  }

  get pids(): number[] {
    return [];
  }

  protected dispose(): Promise<void> {
    if (this.dead) return Promise.resolve(); // its worker has exited already
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => void this.worker.terminate(), 2000);
      this.worker.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      this.worker.postMessage({ t: 'close' } satisfies ToWorker);
    });
  }

  private post(m: ToWorker): void {
    if (!this.closing) this.worker.postMessage(m);
  }
}
