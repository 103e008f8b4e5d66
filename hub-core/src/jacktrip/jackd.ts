import { jackdArgs } from './argv.js';
import { delay, isRunning, jackEnv, spawnChild, stopChild, type Child } from '../process/child.js';
import {
  createArgv,
  namespaceScope,
  sharedScope,
  waitForPrivateShm,
  type JackIsolation,
  type JackScope,
} from '../process/jackScope.js';

export class JackStartError extends Error {
  constructor(
    message: string,
    /** Why: a bad option, jackd exited, or it never answered (it was stopped). */
    readonly reason: 'invalid' | 'exited' | 'timeout' = 'invalid',
  ) {
    super(message);
    this.name = 'JackStartError';
  }
}

export interface StartJackdOptions {
  /** The server's name (`-n`); clients reach it with JACK_DEFAULT_SERVER. */
  name: string;
  /** jackd's arguments. Default: a dummy-driver server, `jackdArgs({ name, period })`. */
  args?: readonly string[];
  /** Frames per period of the default arguments. Default 128. */
  period?: number;
  /** The jackd binary. Default `jackd`. */
  bin?: string;
  /** How long to wait for the server to accept clients. Default 8000 ms. */
  readyTimeoutMs?: number;
  /** Each line jackd prints. */
  onLine?: (line: string) => void;
  /** Where the server runs: its own namespace (a room's) or the machine's /dev/shm. Default `none`. */
  isolation?: JackIsolation;
}

/**
 * Starts jackd and resolves once a JACK client can connect to it, with the running process.
 * Rejects with a {@link JackStartError} (and leaves nothing running) when jackd exits first or
 * does not answer in time. The desktop app's JACK control starts its jackd this way.
 */
export async function startJackd(options: StartJackdOptions): Promise<Child> {
  return (await startScopedJackd({ ...options, isolation: 'none' })).child;
}

/**
 * {@link startJackd}, with the scope its clients run in: in a namespace of its own (a room's
 * server, `isolation` other than `none`), jackd is exec'd by `unshare` after the private
 * /dev/shm is mounted, so the PID held is jackd's own.
 */
export async function startScopedJackd(
  options: StartJackdOptions,
): Promise<{ child: Child; scope: JackScope }> {
  const args = options.args ?? jackdArgs({ name: options.name, period: options.period });
  const timeoutMs = options.readyTimeoutMs ?? 8000;
  const isolation = options.isolation ?? 'none';
  // jackd itself must not see a JACK_DEFAULT_SERVER: its -n names it.
  const child = spawnChild(
    options.bin ?? 'jackd',
    args,
    jackEnv(undefined),
    (l) => options.onLine?.(l),
    isolation === 'none' ? {} : { enter: createArgv(isolation) },
  );
  const alive = () => isRunning(child);
  const scope =
    isolation === 'none'
      ? sharedScope(options.name)
      : namespaceScope(options.name, isolation, child.pid, alive);
  const deadline = Date.now() + timeoutMs;
  // Tools enter jackd's namespace only once its /dev/shm is the private one.
  if (isolation !== 'none') await waitForPrivateShm(child.pid, alive, timeoutMs);
  while (Date.now() < deadline) {
    if (!alive()) {
      await child.exited;
      throw new JackStartError(
        `jackd ${options.name} failed to start: ${child.tail().slice(-3).join(' | ') || 'no output'}`,
        'exited',
      );
    }
    // `jack_wait -c` says "running" ~100 ms before clients can connect; a real client
    // (jack_lsp listing the driver's system ports) is the honest readiness check.
    const r = await scope.run('jack_lsp', [], 2000);
    if (r.code === 0 && r.stdout.includes('system:')) return { child, scope };
    await delay(50);
  }
  await stopChild(child, 3000);
  throw new JackStartError(`jackd ${options.name} not ready within ${timeoutMs} ms`, 'timeout');
}
