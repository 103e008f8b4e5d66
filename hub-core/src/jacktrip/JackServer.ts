import { readdirSync, rmSync } from 'node:fs';
import { SafeEmitter } from '../events.js';
import { jackdArgs, type JackdOptions } from './argv.js';
import { delay, isRunning, jackEnv, runTool, spawnChild, stopChild, type Child } from './child.js';

export type JackServerEvents = {
  /** The server exited without close() being called. */
  died: [Error];
  line: [string];
};

export interface JackServerOptions extends JackdOptions {
  /** jackd binary. Default `JACKD_BIN` or `jackd`. */
  bin?: string;
  /** How long to wait for the server to accept clients. Default 8000 ms. */
  readyTimeoutMs?: number;
}

export class JackStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JackStartError';
  }
}

/** Server names we create: lowercase letters, digits and dashes, so they never clash with tools. */
export const SERVER_NAME = /^[a-z][a-z0-9-]{2,62}$/;

/** One `jackd -d dummy` server, named, isolated per room. */
export class JackServer extends SafeEmitter<JackServerEvents> {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    private readonly child: Child,
  ) {
    super();
    void child.exited.then(({ code, signal }) => {
      if (!this.closing)
        this.safeEmit('died', new Error(`jackd ${name} exited (code ${code}, signal ${signal})`));
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Starts jackd and resolves once a JACK client can connect to it. */
  static async create(options: JackServerOptions): Promise<JackServer> {
    if (!SERVER_NAME.test(options.name))
      throw new JackStartError(`invalid JACK server name "${options.name}"`);
    const bin = options.bin ?? process.env.JACKD_BIN ?? 'jackd';
    const ref: { server?: JackServer } = {};
    const child = spawnChild(bin, jackdArgs(options), jackEnv(undefined), (l) =>
      ref.server?.safeEmit('line', l),
    );
    const server = (ref.server = new JackServer(options.name, child));
    const deadline = Date.now() + (options.readyTimeoutMs ?? 8000);
    while (Date.now() < deadline) {
      if (!isRunning(child)) {
        await child.exited;
        throw new JackStartError(
          `jackd ${options.name} failed to start: ${child.tail().slice(-3).join(' | ')}`,
        );
      }
      // `jack_wait -c` says "running" ~100 ms before clients can connect; a real client
      // (jack_lsp listing the dummy driver's ports) is the honest readiness check.
      const r = await runTool('jack_lsp', [], jackEnv(options.name), 2000);
      if (r.code === 0 && r.stdout.includes('system:')) return server;
      await delay(50);
    }
    await server.close();
    throw new JackStartError(
      `jackd ${options.name} not ready within ${options.readyTimeoutMs ?? 8000} ms`,
    );
  }

  get running(): boolean {
    return isRunning(this.child) && !this.closing;
  }

  /** Stops jackd (SIGTERM, then SIGKILL) and removes its leftover shared-memory files. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await stopChild(this.child, 3000);
      removeShmFiles(this.name);
    })();
    return this.closing;
  }
}

/** Removes /dev/shm files of one of our servers (left behind when a process is SIGKILLed). */
export function removeShmFiles(name: string): void {
  if (!SERVER_NAME.test(name)) return;
  let entries: string[];
  try {
    entries = readdirSync('/dev/shm');
  } catch {
    return;
  }
  for (const f of entries) {
    if (f.startsWith(`jack_${name}_`) || (f.startsWith('jack_sem.') && f.includes(`_${name}_`))) {
      rmSync(`/dev/shm/${f}`, { force: true, recursive: true });
    }
  }
}
