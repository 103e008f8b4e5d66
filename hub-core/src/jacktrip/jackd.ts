import { jackdArgs } from './argv.js';
import {
  delay,
  isRunning,
  jackEnv,
  runTool,
  spawnChild,
  stopChild,
  type Child,
} from '../process/child.js';

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
}

/**
 * Starts jackd and resolves once a JACK client can connect to it, with the running process.
 * Rejects with a {@link JackStartError} (and leaves nothing running) when jackd exits first or
 * does not answer in time. The hub's room servers and the desktop app's JACK control both
 * start jackd this way.
 */
export async function startJackd(options: StartJackdOptions): Promise<Child> {
  const args = options.args ?? jackdArgs({ name: options.name, period: options.period });
  const timeoutMs = options.readyTimeoutMs ?? 8000;
  // jackd itself must not see a JACK_DEFAULT_SERVER: its -n names it.
  const child = spawnChild(options.bin ?? 'jackd', args, jackEnv(undefined), (l) =>
    options.onLine?.(l),
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      await child.exited;
      throw new JackStartError(
        `jackd ${options.name} failed to start: ${child.tail().slice(-3).join(' | ') || 'no output'}`,
        'exited',
      );
    }
    // `jack_wait -c` says "running" ~100 ms before clients can connect; a real client
    // (jack_lsp listing the driver's system ports) is the honest readiness check.
    const r = await runTool('jack_lsp', [], jackEnv(options.name), 2000);
    if (r.code === 0 && r.stdout.includes('system:')) return child;
    await delay(50);
  }
  await stopChild(child, 3000);
  throw new JackStartError(`jackd ${options.name} not ready within ${timeoutMs} ms`, 'timeout');
}
