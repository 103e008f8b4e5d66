import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Environment every JACK program gets: never auto-start a stray default server. */
export function jackEnv(
  server: string | undefined,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, JACK_NO_START_SERVER: '1' };
  delete env.JACK_PROMISCUOUS_SERVER;
  if (server) env.JACK_DEFAULT_SERVER = server;
  else delete env.JACK_DEFAULT_SERVER;
  return env;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Resolves once the process has exited and its output has been read, with code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines it printed (stdout and stderr), for error messages. */
  tail(): string[];
}

/**
 * Spawns a long-running program with line-buffered output and hands each output
 * line to `onLine`. Output is read, never trusted: lines are length-capped. `stdin` is written
 * to the program's standard input, which is then closed (a secret there stays out of `ps`).
 */
export function spawnChild(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  opts: {
    stdin?: string;
    /**
     * A command line that enters a namespace and execs the rest (`nsenter … --`, see
     * process/jackScope.ts). It must exec, never fork, so that the PID stays the program's.
     */
    enter?: readonly string[];
  } = {},
): Child {
  // setpriv gives the program a parent-death signal (SIGKILL): if the hub itself is killed,
  // its children die with it, never orphaned. stdbuf makes the output line-buffered. All of
  // them exec, so the PID we hold is the program's own. Behind a namespace entry setpriv comes
  // again: entering a user namespace changes credentials, which clears the signal.
  const PDEATH = ['setpriv', '--pdeathsig', 'KILL', '--'];
  const enter = opts.enter ?? [];
  const argv = [
    ...PDEATH,
    ...(enter.length > 0 ? [...enter, ...PDEATH] : []),
    'stdbuf',
    '-oL',
    '-eL',
    bin,
    ...args,
  ];
  const proc = spawn(argv[0]!, argv.slice(1), {
    env,
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin !== undefined && proc.stdin) {
    // A program that exits without reading it (EPIPE) is reported by its exit, not here.
    proc.stdin.on('error', () => {});
    proc.stdin.end(opts.stdin);
  }
  const lines: string[] = [];
  const feed = (line: string) => {
    const l = line.length > 2000 ? line.slice(0, 2000) : line;
    lines.push(l);
    if (lines.length > 40) lines.shift();
    onLine(l);
  };
  createInterface({ input: proc.stdout! }).on('line', feed);
  createInterface({ input: proc.stderr! }).on('line', feed);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'exit' can come before the last output lines are read; 'close' comes once stdout and
    // stderr are drained. Wait for it briefly, so that `tail()` and `onLine` have seen every
    // line by the time `exited` resolves (bounded, in case something else holds the pipes).
    proc.once('exit', (code, signal) => {
      const done = () => resolve({ code, signal });
      const bound = setTimeout(done, 1000);
      bound.unref();
      proc.once('close', () => {
        clearTimeout(bound);
        done();
      });
    });
    proc.once('error', () => resolve({ code: null, signal: null }));
  });
  if (proc.pid === undefined) {
    // spawn failed synchronously (ENOENT arrives as 'error'); keep the shape uniform.
    return { proc, pid: -1, exited, tail: () => lines.slice() };
  }
  return { proc, pid: proc.pid, exited, tail: () => lines.slice() };
}

export function isRunning(c: Child): boolean {
  return c.proc.exitCode === null && c.proc.signalCode === null && c.pid > 0;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves only once the process has exited. */
export async function stopChild(c: Child, graceMs = 3000): Promise<void> {
  if (!isRunning(c)) {
    await c.exited;
    return;
  }
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (isRunning(c)) c.proc.kill('SIGKILL');
  }, graceMs);
  await c.exited;
  clearTimeout(timer);
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a short JACK tool to completion, bounded by a timeout (jack_lsp can hang). `enter` is a
 * command line that enters a namespace and execs the tool (see {@link spawnChild}).
 */
export function runTool(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 5000,
  enter: readonly string[] = [],
): Promise<ToolResult> {
  return new Promise((resolve) => {
    const argv = [...enter, bin, ...args];
    const proc = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout.on('data', (d: Buffer) => {
      if (stdout.length < 4_000_000) stdout += d.toString('utf8');
    });
    proc.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 100_000) stderr += d.toString('utf8');
    });
    const t = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 1000).unref();
    }, timeoutMs);
    proc.on('error', (err) => {
      clearTimeout(t);
      resolve({ code: null, stdout, stderr: stderr + String(err), timedOut });
    });
    proc.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
