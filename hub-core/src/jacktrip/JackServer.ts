import { readdirSync, rmSync } from 'node:fs';
import { Resource } from '../process/Resource.js';
import { stopChild, isRunning, type Child } from '../process/child.js';
import type { JackIsolation, JackScope } from '../process/jackScope.js';
import { jackdArgs, type JackdOptions } from './argv.js';
import { JackStartError, startScopedJackd } from './jackd.js';

export { JackStartError };

export type JackServerEvents = {
  /** The server exited without close() being called. */
  died: [Error];
  line: [string];
};

export interface JackServerOptions extends JackdOptions {
  /** jackd binary. Default `jackd` (the hub passes its config's `jackdBin`). */
  bin?: string;
  /** How long to wait for the server to accept clients. Default 8000 ms. */
  readyTimeoutMs?: number;
  /** A namespace of its own (a room's server) or the machine's /dev/shm. Default `none`. */
  isolation?: JackIsolation;
}

/** Server names we create: lowercase letters, digits and dashes, so they never clash with tools. */
export const SERVER_NAME = /^[a-z][a-z0-9-]{2,62}$/;

/** One `jackd -d dummy` server, named, isolated per room. */
export class JackServer extends Resource<JackServerEvents> {
  private constructor(
    readonly name: string,
    private readonly child: Child,
    /** How its clients are started: every JACK program of the room goes through it. */
    readonly scope: JackScope,
  ) {
    super();
    void child.exited.then(({ code, signal }) =>
      this.die(new Error(`jackd ${name} exited (code ${code}, signal ${signal})`)),
    );
  }

  get pid(): number {
    return this.child.pid;
  }

  get pids(): number[] {
    return this.pid > 0 ? [this.pid] : [];
  }

  /** Starts jackd and resolves once a JACK client can connect to it. */
  static async create(options: JackServerOptions): Promise<JackServer> {
    if (!SERVER_NAME.test(options.name))
      throw new JackStartError(`invalid JACK server name "${options.name}"`);
    const ref: { server?: JackServer } = {};
    let started: { child: Child; scope: JackScope };
    try {
      started = await startScopedJackd({
        name: options.name,
        args: jackdArgs(options),
        bin: options.bin,
        readyTimeoutMs: options.readyTimeoutMs,
        isolation: options.isolation,
        onLine: (l) => ref.server?.safeEmit('line', l),
      });
    } catch (err) {
      // A server that never answered was killed: its files stay behind. One that exited at
      // once may have met a live server of the same name, whose files are not ours to remove.
      // A namespace's /dev/shm goes with it.
      const shared = (options.isolation ?? 'none') === 'none';
      if (shared && err instanceof JackStartError && err.reason === 'timeout')
        removeShmFiles(options.name);
      throw err;
    }
    ref.server = new JackServer(options.name, started.child, started.scope);
    return Resource.launch(ref.server, async () => {});
  }

  get running(): boolean {
    return isRunning(this.child) && !this.closing;
  }

  /**
   * Stops jackd (SIGTERM, then SIGKILL) and removes its leftover shared-memory files. A private
   * /dev/shm is a tmpfs of its namespace: it is gone once the room's last program is.
   */
  protected async dispose(): Promise<void> {
    await stopChild(this.child, 3000);
    if (this.scope.isolation === 'none') removeShmFiles(this.name);
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
