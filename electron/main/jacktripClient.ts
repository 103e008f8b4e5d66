// The player's local `jacktrip -C`: started from a join answer, read line by line into states,
// restarted with backoff (always from a fresh local port: the hub kills a client that comes
// back within 10 s from the same one), stopped on leave or quit.
import {
  jacktripClientArgs,
  RestartPolicy,
  spawnChild,
  stopChild,
  type Child,
  type RestartPolicyOptions,
  SafeEmitter,
} from '../../hub-core/src/index.js';
import type { BufferPreset, JackTripStatus } from '../../protocol/ipc.js';
import type { JackTripConnection } from '../../protocol/api.js';

/** jacktrip -q per preset: fewer packets queued is less latency and more dropouts. */
export const PRESET_QUEUE: Record<BufferPreset, number> = { tight: 2, normal: 4, safe: 8 };

export type LineEvent =
  | { kind: 'connected' }
  | { kind: 'peer-stopped' }
  | { kind: 'fatal'; reason: string }
  | { kind: 'error'; reason: string };

/** What one line of jacktrip's output means for the connection (undefined: nothing). */
export function classifyLine(line: string): LineEvent | undefined {
  const l = line.trim();
  if (l.includes('Received Connection from Peer!')) return { kind: 'connected' };
  if (/^Peer Stopped/i.test(l) || l.includes('Stopping JackTrip')) return { kind: 'peer-stopped' };
  if (/Maybe the JACK server is not running|Unable to connect to JACK server/i.test(l))
    return { kind: 'fatal', reason: 'No JACK server is running. Start JACK, then connect again.' };
  if (
    /requires authentication|not authorized|Authentication|incorrect|password/i.test(l) &&
    /ERROR/i.test(l)
  )
    return {
      kind: 'fatal',
      reason: `The room’s server refused the credentials (${l.replace(/^ERROR:\s*/, '')}). Join the room again.`,
    };
  if (/^ERROR:\s*\S/.test(l)) return { kind: 'error', reason: l.replace(/^ERROR:\s*/, '') };
  return undefined;
}

export interface PlayerArgsOptions {
  connection: JackTripConnection;
  /** Local JACK client name, `-J`. */
  clientName: string;
  /** Local UDP port, `-B`: a fresh one on every start. */
  localPort: number;
  queue: number;
}

/**
 * The player's `jacktrip -C` argv. It names the user but never the password: jacktrip reads
 * that from standard input when `--password` is absent, where `ps` can't show it.
 */
export function playerArgs(options: PlayerArgsOptions): string[] {
  const c = options.connection;
  return [
    ...jacktripClientArgs({
      host: c.host,
      port: c.port,
      remoteName: c.remote_name,
      clientName: options.clientName,
      localPort: options.localPort,
      queue: options.queue,
      timeout: true,
    }),
    '-A',
    '--username',
    c.username,
  ];
}

let portCursor = 0;
/** A local UDP port not used by this app before (a reused one is killed by the hub's stale worker). */
export function freshLocalPort(base = 42000, span = 8000): number {
  portCursor = (portCursor + 1 + Math.floor(Math.random() * 7)) % span;
  return base + portCursor;
}

/**
 * The player's jacktrip comes back for as long as the player stays in the room: 1 s, 2 s, 4 s,
 * 8 s, then every 15 s; a connection that was up starts again from 1 s.
 */
export const JACKTRIP_RESTARTS: Readonly<RestartPolicyOptions> = Object.freeze({
  initialMs: 1000,
  maxMs: 15_000,
  factor: 2,
  maxTries: Number.POSITIVE_INFINITY,
  stableMs: 0,
});

export interface JackTripClientOptions {
  bin?: string;
  /** Environment of jacktrip (JACK_DEFAULT_SERVER and friends). */
  env: () => NodeJS.ProcessEnv;
  /** When to try again after jacktrip stopped. Default JACKTRIP_RESTARTS. */
  restarts?: Readonly<RestartPolicyOptions>;
  /** A connect that sees no peer within this is retried. Default 20 s. */
  connectTimeoutMs?: number;
  /** The local JACK server's period, for the status line. */
  period?: () => Promise<number | undefined>;
}

export interface ConnectRequest {
  roomId: string;
  connection: JackTripConnection;
  preset: BufferPreset;
}

export type JackTripClientEvents = { status: [JackTripStatus] };

export class JackTripClient extends SafeEmitter<JackTripClientEvents> {
  private st: JackTripStatus = {
    state: 'idle',
    message: 'Not connected.',
    preset: 'normal',
    queue: PRESET_QUEUE.normal,
    attempt: 0,
  };
  private child: Child | undefined;
  private request: ConnectRequest | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private generation = 0;
  private readonly restarts: RestartPolicy;

  constructor(private readonly options: JackTripClientOptions) {
    super();
    this.restarts = new RestartPolicy(options.restarts ?? JACKTRIP_RESTARTS);
  }

  get status(): JackTripStatus {
    return this.st;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  setRtt(ms: number | undefined): void {
    if (this.st.rtt_ms === ms) return;
    this.set({ ...this.st, rtt_ms: ms === undefined ? undefined : Math.round(ms * 10) / 10 });
  }

  /** Connects (or reconnects with new settings); resolves at once with "connecting". */
  async connect(req: ConnectRequest): Promise<JackTripStatus> {
    await this.stopChild();
    this.generation++;
    // jacktrip reads the password as one line of its standard input.
    if (/[\r\n]/.test(req.connection.password)) {
      this.request = undefined;
      return this.set({
        ...this.st,
        state: 'failed',
        message:
          'The room’s jacktrip password holds a line break, which jacktrip can’t read. Join the room again.',
        room_id: req.roomId,
        retry_at: undefined,
      });
    }
    this.request = req;
    this.restarts.reset();
    const period = await this.options.period?.();
    this.set({
      state: 'connecting',
      message: `Connecting to ${req.connection.host}:${req.connection.port}…`,
      room_id: req.roomId,
      preset: req.preset,
      queue: PRESET_QUEUE[req.preset],
      period,
      rtt_ms: this.st.rtt_ms,
      attempt: 1,
    });
    this.spawn(this.generation);
    return this.st;
  }

  async disconnect(message = 'Disconnected.'): Promise<JackTripStatus> {
    this.generation++;
    this.request = undefined;
    await this.stopChild();
    return this.set({
      state: 'stopped',
      message,
      preset: this.st.preset,
      queue: this.st.queue,
      attempt: 0,
    });
  }

  close(): Promise<JackTripStatus> {
    return this.disconnect('Stopped: the app is quitting.');
  }

  private set(s: JackTripStatus): JackTripStatus {
    this.st = s;
    this.safeEmit('status', s);
    return s;
  }

  private spawn(gen: number): void {
    const req = this.request!;
    const c = req.connection;
    const localPort = freshLocalPort();
    // -J must be unique on this machine and differ from every JACK server name.
    const jackClient = `backline_${c.remote_name}`.slice(0, 60);
    const args = playerArgs({
      connection: c,
      clientName: jackClient,
      localPort,
      queue: PRESET_QUEUE[req.preset],
    });
    let outcome: 'pending' | 'connected' | 'fatal' = 'pending';
    let lastError = '';
    const onLine = (line: string) => {
      if (gen !== this.generation) return;
      const ev = classifyLine(line);
      if (!ev) return;
      if (ev.kind === 'connected' && outcome === 'pending') {
        outcome = 'connected';
        clearTimeout(this.connectTimer);
        this.restarts.started();
        this.set({
          ...this.st,
          state: 'connected',
          message: `Connected to ${c.host}:${c.port} as ${c.remote_name}.`,
          retry_at: undefined,
          attempt: 1,
          local_port: localPort,
          jack_client: jackClient,
        });
      } else if (ev.kind === 'fatal') {
        outcome = 'fatal';
        lastError = ev.reason;
      } else if (ev.kind === 'error') {
        lastError = ev.reason;
      }
    };
    // The password goes to jacktrip's standard input, one line (see playerArgs).
    const child = spawnChild(this.options.bin ?? 'jacktrip', args, this.options.env(), onLine, {
      stdin: `${c.password}\n`,
    });
    this.child = child;
    this.set({ ...this.st, local_port: localPort, jack_client: jackClient });
    this.connectTimer = setTimeout(() => {
      if (gen === this.generation && outcome === 'pending') {
        lastError = `no answer from ${c.host}:${c.port} within ${(this.options.connectTimeoutMs ?? 20_000) / 1000} s`;
        void stopChild(child, 1000);
      }
    }, this.options.connectTimeoutMs ?? 20_000);
    void child.exited.then(() => {
      clearTimeout(this.connectTimer);
      if (gen !== this.generation) return;
      this.child = undefined;
      if (outcome === 'fatal') {
        this.request = undefined;
        this.set({ ...this.st, state: 'failed', message: lastError, retry_at: undefined });
        return;
      }
      if (child.pid < 0) {
        this.request = undefined;
        this.set({
          ...this.st,
          state: 'failed',
          message: 'jacktrip is not installed (or not on PATH). Install JackTrip and try again.',
        });
        return;
      }
      this.scheduleRetry(
        gen,
        outcome === 'connected'
          ? 'The connection dropped'
          : lastError || `jacktrip stopped: ${child.tail().slice(-1).join('')}`,
      );
    });
  }

  private scheduleRetry(gen: number, why: string): void {
    const wait = this.restarts.failed();
    if (wait === undefined) {
      this.request = undefined;
      this.set({ ...this.st, state: 'failed', message: `${why}.`, retry_at: undefined });
      return;
    }
    this.set({
      ...this.st,
      state: 'reconnecting',
      message: `${why}. Trying again in ${Math.round(wait / 1000)} s…`,
      attempt: this.restarts.tries + 1,
      retry_at: Date.now() + wait,
    });
    this.retryTimer = setTimeout(() => {
      if (gen !== this.generation || !this.request) return;
      this.set({ ...this.st, state: 'connecting', message: 'Reconnecting…', retry_at: undefined });
      this.spawn(gen);
    }, wait);
  }

  private async stopChild(): Promise<void> {
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    const c = this.child;
    this.child = undefined;
    if (c) await stopChild(c, 2000);
  }
}
