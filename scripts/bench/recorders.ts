// The recorders `npm run bench -- recording` compares, and what it reads of a process while
// they run. jack_capture_wav24 is the hub's recorder, run with the Recorder's own argv
// (hub-core/src/recording/Recorder.ts, recorderArgs); jack_rec runs with the argv the hub used
// before it switched (`-f <file> -d <s> -b 24` and one placeholder source per channel, cut once
// its ports exist); the other variants try jack_capture's other formats.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import {
  delay,
  isRunning,
  jackEnv,
  recorderArgs,
  RECORDER_CLIENT,
  runTool,
  spawnChild,
  type Child,
} from '../../hub-core/src/index.js';

export interface Variant {
  /** Short name in the printed figures. */
  key: string;
  /** What it is, printed after its key. */
  label?: string;
  /** The recorder's JACK client name (its ports are `<client>:input<n>`). */
  client: string;
  bin: string;
  ext: 'wav' | 'flac';
  /** Largest channel count the format holds. */
  maxChannels?: number;
  argv(file: string, seconds: number, channels: number): string[];
  /** jack_rec connects a source to every port at start; the Recorder cuts those cords. */
  placeholder?: string;
}

const PLACEHOLDER = 'system:capture_1';
const jackRecArgv = (extra: string[]) => (file: string, seconds: number, channels: number) => [
  '-f',
  file,
  '-d',
  String(seconds),
  '-b',
  '24',
  ...extra,
  ...Array<string>(channels).fill(PLACEHOLDER),
];
const jackCaptureArgv = (format: string[]) => (file: string, seconds: number, channels: number) => [
  '--no-stdin',
  '--disable-console',
  '--manual-connections',
  '--recording-time',
  String(seconds),
  '--channels',
  String(channels),
  ...format,
  file,
];

export const VARIANTS: Variant[] = [
  {
    key: 'jack_rec',
    client: 'jackrec',
    bin: 'jack_rec',
    ext: 'wav',
    argv: jackRecArgv([]),
    placeholder: PLACEHOLDER,
  },
  {
    // jack_rec's ring buffer, 16 times its default of 16384 frames.
    key: 'jack_rec_B262144',
    client: 'jackrec',
    bin: 'jack_rec',
    ext: 'wav',
    argv: jackRecArgv(['-B', '262144']),
    placeholder: PLACEHOLDER,
  },
  {
    // The hub's recorder, exactly as the hub runs it: 24-bit WAV.
    key: 'jack_capture_wav24',
    label: "the hub's recorder",
    client: RECORDER_CLIENT,
    bin: 'jack_capture',
    ext: 'wav',
    argv: (file, seconds, channels) => recorderArgs(file, channels, seconds),
  },
  {
    // jack_capture's default sample format: 32-bit float, no conversion.
    key: 'jack_capture_float',
    client: 'jack_capture',
    bin: 'jack_capture',
    ext: 'wav',
    argv: jackCaptureArgv(['--format', 'wav']),
  },
  {
    key: 'jack_capture_flac24',
    client: 'jack_capture',
    bin: 'jack_capture',
    ext: 'flac',
    maxChannels: 8, // FLAC's own limit; libsndfile refuses more
    argv: jackCaptureArgv(['--format', 'flac', '--bitdepth', '24']),
  },
];

export interface RunningRecorder {
  child: Child;
  lines: string[];
}

/** Starts a recorder on `server` and returns once its ports are there and free of placeholders. */
export async function startRecorder(
  v: Variant,
  server: string,
  file: string,
  seconds: number,
  channels: number,
): Promise<RunningRecorder> {
  const env = jackEnv(server);
  const lines: string[] = [];
  const child = spawnChild(v.bin, v.argv(file, seconds, channels), env, (l) => lines.push(l));
  const last = `${v.client}:input${channels}`;
  for (let i = 0; i < 200 && isRunning(child); i++) {
    const r = await runTool('jack_lsp', ['-c'], env, 3000);
    const ls = r.stdout.split('\n');
    const at = ls.indexOf(last);
    if (at >= 0 && (!v.placeholder || ls[at + 1]?.trim() === v.placeholder)) break;
    await delay(50);
  }
  if (!isRunning(child)) throw new Error(`${v.key} did not start: ${child.tail().join(' | ')}`);
  if (v.placeholder)
    await Promise.all(
      Array.from({ length: channels }, (_, i) =>
        runTool('jack_disconnect', [v.placeholder!, `${v.client}:input${i + 1}`], env, 5000),
      ),
    );
  return { child, lines };
}

/** Wires member `s`'s receive ports to channels 2s+1, 2s+2 and to the mix, as Recorder.sync does. */
export async function wireRecorder(server: string, client: string, members: string[]) {
  const env = jackEnv(server);
  const mix = members.length * 2;
  const cords = members.flatMap((m, s) =>
    [1, 2].flatMap((n) => [
      [`${m}:receive_${n}`, `${client}:input${s * 2 + n}`],
      [`${m}:receive_${n}`, `${client}:input${mix + n}`],
    ]),
  );
  // One at a time, three tries each: 4n jack_connect processes at once time out on a loaded machine.
  for (const c of cords) {
    let r = await runTool('jack_connect', c, env, 10_000);
    for (let i = 0; i < 2 && r.code !== 0; i++) r = await runTool('jack_connect', c, env, 10_000);
    if (r.code !== 0)
      throw new Error(`jack_connect ${c.join(' ')}: ${r.timedOut ? 'timed out' : r.stderr}`);
  }
}

/** Every descendant of a process (pgrep -P, recursively), itself included. */
export async function processTree(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const r = await runTool('pgrep', ['-P', String(out[i])], process.env, 3000);
    out.push(...r.stdout.split('\n').filter(Boolean).map(Number));
  }
  return out;
}

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** CPU ticks (utime+stime, and cutime+cstime of reaped children) of one process. */
export function ticks(pid: number): number {
  const f = read(`/proc/${pid}/stat`).split(') ')[1]?.split(' ') ?? [];
  return Number(f[11] ?? 0) + Number(f[12] ?? 0) + Number(f[13] ?? 0) + Number(f[14] ?? 0);
}

/** write(2)-family calls so far (/proc/<pid>/io syscw). */
export const writeCalls = (pid: number): number =>
  Number(/^syscw:\s*(\d+)/m.exec(read(`/proc/${pid}/io`))?.[1] ?? 0);

/** Context switches so far, summed over every thread: how often the process wakes. */
export function wakeups(pid: number): number {
  let n = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const t of tasks) {
    const s = read(`/proc/${pid}/task/${t}/status`);
    for (const m of s.matchAll(/^(?:non)?voluntary_ctxt_switches:\s*(\d+)/gm)) n += Number(m[1]);
  }
  return n;
}

/** A snapshot of counters over a set of processes, for a delta over a window. */
export interface Counters {
  ticks: number;
  writes: number;
  wakeups: number;
}
export const counters = (pids: number[]): Counters => ({
  ticks: pids.reduce((a, p) => a + ticks(p), 0),
  writes: pids.reduce((a, p) => a + writeCalls(p), 0),
  wakeups: pids.reduce((a, p) => a + wakeups(p), 0),
});

/**
 * jackd's xrun reports, by who was late: `JackEngine::XRun: client = <name> was not finished`
 * names a client that had not finished its cycle; other xrun lines are the server's own
 * (e.g. `JackTimedDriver::Process XRun = 37 usec`: the dummy driver's thread woke late).
 */
export class XrunLog {
  readonly lines: string[] = [];
  feed = (l: string) => {
    if (/xrun/i.test(l)) this.lines.push(l);
  };
  mark = () => this.lines.length;
  since(mark: number): { total: number; byClient: Map<string, number> } {
    const byClient = new Map<string, number>();
    const ls = this.lines.slice(mark);
    for (const l of ls) {
      const who = /client = (.+?) was not finished/.exec(l)?.[1] ?? '(server)';
      byClient.set(who, (byClient.get(who) ?? 0) + 1);
    }
    return { total: ls.length, byClient };
  }
}

/** What a reader sees of a finished file: samples per channel by soxi, and bytes on disk. */
export async function fileSeen(file: string): Promise<{ frames: number; bytes: number }> {
  const r = await runTool('soxi', ['-s', file], process.env, 10_000);
  let bytes: number;
  try {
    bytes = statSync(file).size;
  } catch {
    bytes = 0;
  }
  return { frames: r.code === 0 ? Number(r.stdout.trim()) : NaN, bytes };
}
