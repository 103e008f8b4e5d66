// Where a room's JACK programs run. JACK keeps one registry of servers per /dev/shm, with room
// for 8, so a machine ran about 7 rooms. On Linux each room's engine (jackd, jacktrip -S, the
// graph watcher and every JACK tool the hub runs for the room) can live in a mount namespace of
// its own with a private /dev/shm: one registry per room, and rooms are limited by CPU instead.
//
// A room's jackd is started by `unshare` (a new mount namespace, a tmpfs mounted on /dev/shm,
// then exec: the PID the hub holds and stops is jackd's own). Every other program of the room
// enters jackd's namespace with `nsenter --mount=/proc/<jackd>/ns/mnt`, which execs too. The
// network is not touched, so jacktrip -S still gets its players' UDP.
import { readFileSync, readlinkSync } from 'node:fs';
import {
  jackEnv,
  runTool,
  spawnChild,
  stopChild,
  delay,
  type Child,
  type ToolResult,
} from './child.js';

/**
 * How a room's JACK server is kept apart from the machine's others:
 * - `mount`: its own mount namespace with a private /dev/shm (the hub runs as root);
 * - `user`: the same inside a user namespace (not root, where the kernel allows it);
 * - `none`: the machine's shared /dev/shm and JACK's 8-server registry (macOS, Windows,
 *   locked-down Linux, or `JACK_NAMESPACES=off`).
 */
export type JackIsolation = 'mount' | 'user' | 'none';

/** How one room's JACK programs are started: every room-level JACK tool call goes through it. */
export interface JackScope {
  /** The JACK server its clients reach (JACK_DEFAULT_SERVER). */
  readonly server: string;
  readonly isolation: JackIsolation;
  /** The environment its programs get ({@link jackEnv}). */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** A long-running JACK program (see {@link spawnChild}). Throws once the scope's server is gone. */
  spawn(
    bin: string,
    args: readonly string[],
    onLine: (line: string) => void,
    opts?: { stdin?: string },
  ): Child;
  /** A short JACK tool, bounded by a timeout (see {@link runTool}). */
  run(bin: string, args: readonly string[], timeoutMs?: number): Promise<ToolResult>;
}

class Scope implements JackScope {
  constructor(
    readonly server: string,
    readonly isolation: JackIsolation,
    /** The command line entering the scope, or why it can't be entered any more. */
    private readonly entry: () => readonly string[] | Error,
  ) {}

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return jackEnv(this.server, extra);
  }

  spawn(
    bin: string,
    args: readonly string[],
    onLine: (line: string) => void,
    opts: { stdin?: string } = {},
  ): Child {
    const enter = this.entry();
    if (enter instanceof Error) throw enter;
    return spawnChild(bin, args, this.env(), onLine, { ...opts, enter });
  }

  run(bin: string, args: readonly string[], timeoutMs = 5000): Promise<ToolResult> {
    const enter = this.entry();
    if (enter instanceof Error)
      return Promise.resolve({ code: null, stdout: '', stderr: enter.message, timedOut: false });
    return runTool(bin, args, this.env(), timeoutMs, enter);
  }
}

/** Programs reach the server by its name on the machine's /dev/shm: today's `jackEnv(server)`. */
export function sharedScope(server: string): JackScope {
  return new Scope(server, 'none', () => []);
}

/**
 * Programs enter the namespace of process `pid` (the room's jackd). `alive` tells whether that
 * process still runs: once it has exited its PID may be another program's, and nothing enters.
 */
export function namespaceScope(
  server: string,
  isolation: Exclude<JackIsolation, 'none'>,
  pid: number,
  alive: () => boolean,
): JackScope {
  const enter = enterArgv(isolation, pid);
  return new Scope(server, isolation, () =>
    alive() ? enter : new Error(`the JACK server ${server} is gone`),
  );
}

/** The source name of the private /dev/shm, so that it can be told from the machine's. */
export const SHM_SOURCE = 'backline-jack';
/** Room for jackd's engine (about 100 MB) and its clients' segments; never written beyond. */
const SHM_SIZE = '256m';

/**
 * A command line that makes a new mount namespace (and a user namespace for `user`), mounts a
 * private tmpfs on /dev/shm and execs the rest of the command line in it.
 */
export function createArgv(isolation: Exclude<JackIsolation, 'none'>): string[] {
  const user = isolation === 'user' ? ['--user', '--map-root-user'] : [];
  return [
    'unshare',
    ...user,
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    `mount -t tmpfs -o size=${SHM_SIZE},mode=1777 ${SHM_SOURCE} /dev/shm && exec "$@"`,
    SHM_SOURCE,
  ];
}

/** A command line that enters process `pid`'s namespaces and execs the rest in the same directory. */
export function enterArgv(isolation: Exclude<JackIsolation, 'none'>, pid: number): string[] {
  const ns = `/proc/${pid}/ns`;
  // Our uid is the namespace's root already (--map-root-user); nsenter must not set ids or
  // groups, which a user namespace made without privilege refuses (setgroups is denied there).
  const user = isolation === 'user' ? [`--user=${ns}/user`, '--preserve-credentials'] : [];
  return ['nsenter', ...user, `--mount=${ns}/mnt`, `--wd=${process.cwd()}`, '--'];
}

/** Has process `pid` got its private /dev/shm yet (it is mounted just before the exec)? */
export function hasPrivateShm(pid: number): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/ns/mnt`) === readlinkSync('/proc/self/ns/mnt')) return false;
    return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === '/dev/shm' && l.includes(` - tmpfs ${SHM_SOURCE} `));
  } catch {
    return false;
  }
}

/** Waits (up to `timeoutMs`) until `pid` has its private /dev/shm; false if it never does. */
export async function waitForPrivateShm(
  pid: number,
  alive: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive() && Date.now() < deadline) {
    if (hasPrivateShm(pid)) return true;
    await delay(5);
  }
  return hasPrivateShm(pid);
}

export interface IsolationProbe {
  isolation: JackIsolation;
  /** Why namespaces are not used, when they are not. */
  reason?: string;
}

/**
 * Finds out once, by trying, whether this machine can give rooms namespaces of their own: a
 * program started in a new namespace with a private /dev/shm, and another that enters it and
 * sees that /dev/shm. Root tries a mount namespace, then a user namespace; others a user one.
 */
export async function probeJackIsolation(
  platform: NodeJS.Platform = process.platform,
  uid: number | undefined = process.getuid?.(),
): Promise<IsolationProbe> {
  if (platform !== 'linux') return { isolation: 'none', reason: `no namespaces on ${platform}` };
  const tries: Exclude<JackIsolation, 'none'>[] = uid === 0 ? ['mount', 'user'] : ['user'];
  const why: string[] = [];
  for (const isolation of tries) {
    const err = await tryIsolation(isolation);
    if (err === undefined) return { isolation };
    why.push(`${isolation}: ${err}`);
  }
  return { isolation: 'none', reason: why.join('; ') };
}

async function tryIsolation(
  isolation: Exclude<JackIsolation, 'none'>,
): Promise<string | undefined> {
  const holder = spawnChild('sleep', ['10'], process.env, () => {}, {
    enter: createArgv(isolation),
  });
  const alive = () => holder.proc.exitCode === null && holder.proc.signalCode === null;
  try {
    if (holder.pid < 0) return 'could not start unshare';
    if (!(await waitForPrivateShm(holder.pid, alive, 2000)))
      return holder.tail().slice(-2).join(' | ') || 'no private /dev/shm';
    const r = await runTool(
      'cat',
      ['/proc/self/mountinfo'],
      process.env,
      2000,
      enterArgv(isolation, holder.pid),
    );
    if (r.code !== 0) return `nsenter failed: ${r.stderr.trim().slice(0, 200)}`;
    if (!r.stdout.includes(` - tmpfs ${SHM_SOURCE} `)) return 'nsenter did not reach the namespace';
    return undefined;
  } finally {
    await stopChild(holder, 1000);
  }
}
