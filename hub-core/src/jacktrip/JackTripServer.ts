import { createSocket } from 'node:dgram';
import { jacktripServerArgs, type JackTripServerArgsOptions } from './argv.js';
import { Resource } from '../process/Resource.js';
import { delay, isRunning, stopChild, type Child } from '../process/child.js';
import type { JackScope } from '../process/jackScope.js';

/** What a line of `jacktrip -S` output means. Its lines never name the client (-K). */
export type JackTripLineEvent =
  | { kind: 'ready' }
  | { kind: 'handshake'; clientPort: number }
  /** The hub's UDP port for the connection being set up; its worker's JACK client registers next. */
  | { kind: 'worker-port'; serverPort: number }
  | { kind: 'peer-stopped' }
  | { kind: 'client-timeout' }
  | { kind: 'auth-reloaded' }
  | { kind: 'auth-warning'; message: string }
  | { kind: 'error'; message: string };

const READY = 'JackTrip HUB SERVER: Waiting for client connections';
/** The size of JackTrip's exit packet (every byte 0xFF). */
const EXIT_PACKET_BYTES = 63;

/** Classifies one output line of the hub; undefined for noise. */
export function parseJackTripLine(line: string): JackTripLineEvent | undefined {
  const l = line.trim();
  if (l.includes(READY)) return { kind: 'ready' };
  // jacktrip 1.7.0 prefixes both with "JackTrip HUB SERVER: ".
  let m = /(?:^|: )Client UDP Port is = (\d+)$/.exec(l);
  if (m) return { kind: 'handshake', clientPort: Number(m[1]) };
  m = /(?:^|: )Sending Final UDP Port to Client: (\d+)$/.exec(l);
  if (m) return { kind: 'worker-port', serverPort: Number(m[1]) };
  if (l.startsWith('Peer Stopped')) return { kind: 'peer-stopped' };
  if (l.includes('UDP WAITED MORE THAN 10 seconds')) return { kind: 'client-timeout' };
  if (l.includes('Auth file changed. Reloading')) return { kind: 'auth-reloaded' };
  m = /^WARNING: (.*auth.*)$/i.exec(l);
  if (m) return { kind: 'auth-warning', message: m[1]! };
  if (/^(ERROR|JackTrip ERROR|Error)\b/.test(l) || /could not|cannot|failed/i.test(l)) {
    if (!l.startsWith('UDP waiting too long')) return { kind: 'error', message: l.slice(0, 300) };
  }
  return undefined;
}

export type JackTripServerEvents = {
  died: [Error];
  event: [JackTripLineEvent];
};

export interface JackTripServerOptions extends JackTripServerArgsOptions {
  /** The room's JACK server, and how its programs are started. */
  jack: JackScope;
  /** jacktrip binary. Default `jacktrip`. */
  bin?: string;
  /** How long to wait for the ready line. Default 8000 ms. */
  readyTimeoutMs?: number;
}

export class JackTripStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JackTripStartError';
  }
}

/** One `jacktrip -S` (hub server mode) for one room, on the room's own JACK server. */
export class JackTripServer extends Resource<JackTripServerEvents> {
  private authWaiters: (() => void)[] = [];

  private constructor(
    private readonly child: Child,
    readonly options: JackTripServerOptions,
  ) {
    super();
    void child.exited.then(({ code, signal }) =>
      this.die(
        new Error(
          `jacktrip hub exited (code ${code}, signal ${signal}): ${child.tail().slice(-2).join(' | ')}`,
        ),
      ),
    );
  }

  get pid(): number {
    return this.child.pid;
  }

  get pids(): number[] {
    return this.pid > 0 ? [this.pid] : [];
  }

  get running(): boolean {
    return isRunning(this.child) && !this.closing;
  }

  static async create(options: JackTripServerOptions): Promise<JackTripServer> {
    const ref: { server?: JackTripServer } = {};
    let ready = false;
    const child = options.jack.spawn(
      options.bin ?? 'jacktrip',
      jacktripServerArgs(options),
      (line) => {
        const ev = parseJackTripLine(line);
        if (!ev) return;
        if (ev.kind === 'ready') ready = true;
        if (ev.kind === 'auth-reloaded') ref.server?.flushAuthWaiters();
        ref.server?.safeEmit('event', ev);
      },
    );
    ref.server = new JackTripServer(child, options);
    const timeoutMs = options.readyTimeoutMs ?? 8000;
    return Resource.launch(ref.server, async () => {
      const deadline = Date.now() + timeoutMs;
      while (!ready) {
        if (!isRunning(child)) {
          await child.exited;
          throw new JackTripStartError(
            `jacktrip hub failed to start: ${child.tail().slice(-3).join(' | ')}`,
          );
        }
        if (Date.now() > deadline)
          throw new JackTripStartError(`jacktrip hub not ready within ${timeoutMs} ms`);
        await delay(20);
      }
    });
  }

  /**
   * Resolves when jacktrip next reports that it reloaded its credsfile, or after `timeoutMs`
   * (false). Call before writing the file.
   */
  nextAuthReload(timeoutMs = 3000): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.authWaiters = this.authWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.authWaiters.push(done);
    });
  }

  /**
   * Stops the one worker listening on `serverPort` without touching the others: JackTrip's exit
   * packet (63 bytes of 0xFF) makes the worker drop its JACK client, and it passes the exit on
   * to its player's jacktrip, which prints `Peer Stopped` and quits. Sent twice, as UDP may
   * drop one. Resolves once sent; the worker's client leaving the graph is the confirmation.
   */
  async sendExitPacket(serverPort: number): Promise<void> {
    if (!Number.isInteger(serverPort) || serverPort < 1 || serverPort > 65535)
      throw new RangeError(`invalid worker port ${serverPort}`);
    const sock = createSocket('udp4');
    try {
      const packet = Buffer.alloc(EXIT_PACKET_BYTES, 0xff);
      for (let i = 0; i < 2; i++)
        await new Promise<void>((resolve, reject) =>
          sock.send(packet, serverPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
        );
    } finally {
      sock.close();
    }
  }

  private flushAuthWaiters(): void {
    const w = this.authWaiters;
    this.authWaiters = [];
    for (const f of w) f();
  }

  /** SIGTERM, then SIGKILL after 2 s: a hub whose jackd died ignores SIGTERM. */
  protected async dispose(): Promise<void> {
    this.flushAuthWaiters();
    await stopChild(this.child, 2000);
  }
}
