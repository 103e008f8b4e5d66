// Real JACK parts for tests: client-side servers, jacktrip clients, a tone, a recorder, sox.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import {
  jacktripClientArgs,
  delay,
  isRunning,
  runTool,
  stopChild,
  type Child,
  hasPrivateShm,
  JackServer,
  namespaceScope,
  sharedScope,
  type JackIsolation,
  type JackScope,
} from '../hub-core/src/index.js';

export const uniq = () => randomBytes(3).toString('hex');

/** A JACK server: its name on this machine's JACK, or a scope (a server in a namespace). */
export type JackTarget = string | JackScope;
const scopeOf = (server: JackTarget): JackScope =>
  typeof server === 'string' ? sharedScope(server) : server;

/** Every process a test started, stopped (and waited for) by `stopAll`. */
export class Procs {
  private readonly children: Child[] = [];
  private readonly servers: JackServer[] = [];

  /** A client-side JACK server; `isolation` other than `none` runs it in a namespace of its own. */
  async server(
    label: string,
    period = 128,
    isolation: JackIsolation = 'none',
  ): Promise<JackServer> {
    const s = await JackServer.create({ name: `bltt-${label}-${uniq()}`, period, isolation });
    this.servers.push(s);
    return s;
  }

  /** A JACK program on `server`: a server's name on this machine's JACK, or a room's scope. */
  spawn(
    bin: string,
    args: string[],
    server: JackTarget,
    onLine: (l: string) => void = () => {},
  ): Child {
    const c = scopeOf(server).spawn(bin, args, onLine);
    this.children.push(c);
    return c;
  }

  /** Clients first, JACK servers last. */
  async stopAll(): Promise<void> {
    await Promise.all(this.children.splice(0).map((c) => stopChild(c, 2000)));
    await Promise.all(this.servers.splice(0).map((s) => s.close()));
  }
}

let nextLocalPort = 30000 + Math.floor(Math.random() * 10000);
/** A fresh local UDP port for every client start (a reused one is killed by the hub's stale worker). */
export const freshPort = () => (nextLocalPort += 3);

export interface JtClient {
  child: Child;
  jackName: string;
  lines: string[];
  /** Resolves with 'connected' or the first ERROR line. */
  outcome: Promise<string>;
}

/** Starts `jacktrip -C` on a client-side JACK server, as a player's app would. */
export function startJackTripClient(
  procs: Procs,
  server: JackTarget,
  options: {
    host: string;
    port: number;
    remoteName: string;
    username?: string;
    password?: string;
    /** Runs jacktrip under this (e.g. `ip netns exec <ns>`, a player behind a NAT). */
    prefix?: string[];
  },
): JtClient {
  const jackName = `jt_${options.remoteName}_${uniq()}`;
  const lines: string[] = [];
  let settle: (s: string) => void = () => {};
  const outcome = new Promise<string>((r) => (settle = r));
  const args = jacktripClientArgs({
    ...options,
    clientName: jackName,
    localPort: freshPort(),
    noAutoConnect: true,
  });
  const [bin, ...pre] = [...(options.prefix ?? []), 'jacktrip'];
  const child = procs.spawn(bin, [...pre, ...args], server, (l) => {
    lines.push(l);
    if (l.includes('Received Connection from Peer!')) settle('connected');
    else if (/^ERROR: \S/.test(l.trim())) settle(l.trim());
  });
  void child.exited.then(() => settle(`exited: ${lines.slice(-3).join(' | ')}`));
  // A client stuck in "Waiting for Peer..." must fail the test, not hang it.
  setTimeout(
    () => settle(`no connection within 20 s: ${lines.slice(-3).join(' | ')}`),
    20_000,
  ).unref();
  return { child, jackName, lines, outcome };
}

/** jack_simple_client: 240 Hz on output1 and 720 Hz on output2, peak 0.2. */
export async function startTone(procs: Procs, server: JackTarget): Promise<Child> {
  const c = procs.spawn('jack_simple_client', [], server);
  for (let i = 0; i < 100; i++) {
    const r = await scopeOf(server).run('jack_lsp', [], 3000);
    if (r.stdout.includes('jack_simple_client:output1')) return c;
    if (!isRunning(c)) break;
    await delay(50);
  }
  throw new Error('tone source did not start');
}

export async function jackConnect(server: JackTarget, a: string, b: string): Promise<void> {
  const r = await scopeOf(server).run('jack_connect', [a, b], 5000);
  if (r.code !== 0) throw new Error(`jack_connect ${a} ${b}: ${r.stderr}`);
}

export async function waitForPort(
  server: JackTarget,
  port: string,
  timeoutMs = 10_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  const jack = scopeOf(server);
  while (Date.now() < end) {
    const r = await jack.run('jack_lsp', [], 3000);
    if (r.stdout.split('\n').includes(port)) return;
    await delay(50);
  }
  throw new Error(`port ${port} did not appear on ${jack.server}`);
}

/** Records `ports` on `server` for `seconds` into a 16-bit WAV with jack_rec. */
export async function record(
  server: JackTarget,
  file: string,
  seconds: number,
  ports: string[],
): Promise<void> {
  const r = await scopeOf(server).run(
    'jack_rec',
    ['-f', file, '-d', String(seconds), '-b', '16', ...ports],
    (seconds + 10) * 1000,
  );
  if (r.code !== 0) throw new Error(`jack_rec failed: ${r.stderr.slice(0, 300)}`);
}

export interface WavStat {
  rms: number;
  max: number;
  freq: number;
}

/**
 * RMS and peak of one channel (first 0.25 s trimmed), from sox, and its frequency: the peak of
 * its spectrum. Not sox's "rough frequency", which counts zero crossings: a dropout or a
 * glitch on a loaded machine adds crossings, and a clean 240 Hz tone with a few gaps read as
 * 303 Hz.
 */
export async function wavStat(file: string, channel = 1): Promise<WavStat> {
  const err = await new Promise<string>((resolve, reject) => {
    const p = spawn('sox', [file, '-n', 'trim', '0.25', 'remix', String(channel), 'stat'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let out = '';
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', () => resolve(out));
  });
  const num = (re: RegExp) => Number(re.exec(err)?.[1] ?? NaN);
  const rms = num(/RMS\s+amplitude:\s+([\d.]+)/);
  const max = num(/Maximum amplitude:\s+([-\d.]+)/);
  if (Number.isNaN(rms)) throw new Error(`sox stat failed: ${err.slice(0, 300)}`);
  return { rms, max, freq: await peakFrequency(file, channel) };
}

const SPECTRUM_RATE = 8000;

/** The strongest frequency (1 Hz steps, 40 to 2000 Hz) in up to 2 s of one channel. */
async function peakFrequency(file: string, channel: number): Promise<number> {
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const p = spawn(
      'sox',
      [
        file,
        '-t',
        'f32',
        '-',
        'trim',
        '0.25',
        '2',
        'remix',
        String(channel),
        'rate',
        String(SPECTRUM_RATE),
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const parts: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => parts.push(d));
    p.on('error', reject);
    p.on('close', () => resolve(Buffer.concat(parts)));
  });
  const x = new Float32Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 4));
  let best = 0;
  let bestPower = 0;
  for (let f = 40; f <= 2000; f++) {
    // Goertzel: the power of one DFT bin.
    const w = (2 * Math.PI * f) / SPECTRUM_RATE;
    const c = 2 * Math.cos(w);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < x.length; i++) {
      const s0 = x[i]! + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (power > bestPower) {
      bestPower = power;
      best = f;
    }
  }
  return best;
}

/** A tone: RMS well above noise and the peak of jack_simple_client (0.2). */
export const isTone = (s: WavStat) => s.rms > 0.05 && s.max > 0.15 && s.max < 0.25;
export const isSilent = (s: WavStat) => s.rms < 0.0001;

/** PIDs of a process's descendants (children, grandchildren, ...). */
export async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    const r = await runTool('pgrep', ['-P', String(p)], process.env, 3000);
    for (const c of r.stdout.split('\n').filter(Boolean).map(Number)) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * Is the process still running? A zombie is not: it has exited, and only waits for its parent
 * to read its status (on these machines PID 1 never does, so an orphan that exited, like
 * tsx's esbuild helper after the hub it served stopped, stays a zombie).
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ...", comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Clients of JACK tools (the hub's and this log's own), renamed (`lsp-01`) or not. */
const TOOLS = /^(lsp|jack_lsp|jack_connect|jack_disconnect|event-monitor|jthubpatcher)([-_]\d+)?$/;

/**
 * Every connection JACK makes on a server while it runs, by client, from its own jack_evmon:
 * unlike graph snapshots, it misses none, however briefly a connection lasted. jack_evmon
 * names no ports, so a port belongs to the last client that registered before it (jacktrip
 * spawns one worker at a time, each registering its client and then its ports; our tools
 * register no ports).
 */
export class ConnectionLog {
  /** [client, client] of every "connected" event, in order; `#id` for a port of unknown owner. */
  readonly connected: [string, string][] = [];
  private readonly owners = new Map<string, string>();
  private lastClient = '?';

  private constructor() {}

  /** Resolves once its jack_evmon demonstrably sees events (it reports one of its own making). */
  static async start(procs: Procs, server: JackTarget): Promise<ConnectionLog> {
    const log = new ConnectionLog();
    const jack = scopeOf(server);
    procs.spawn('jack_evmon', [], jack, (l) => log.onLine(l));
    const probe = ['system:capture_1', 'system:playback_1'];
    for (let i = 0; i < 100 && log.connected.length === 0; i++) {
      await jack.run('jack_connect', probe, 3000);
      await jack.run('jack_disconnect', probe, 3000);
      await delay(50);
    }
    if (log.connected.length === 0) throw new Error(`jack_evmon on ${jack.server} saw nothing`);
    return log;
  }

  involving(client: string): [string, string][] {
    return this.connected.filter(([a, b]) => a === client || b === client);
  }

  private onLine(l: string): void {
    let m = /^Client (.+) registered$/.exec(l);
    if (m && !TOOLS.test(m[1]!)) this.lastClient = m[1]!;
    m = /^Port (\d+) (registered|unregistered)$/.exec(l);
    if (m && m[2] === 'registered') this.owners.set(m[1]!, this.lastClient);
    else if (m) this.owners.delete(m[1]!);
    m = /^Ports (\d+) and (\d+) connected$/.exec(l);
    if (m) {
      const owner = (id: string) => this.owners.get(id) ?? `#${id}`;
      this.connected.push([owner(m[1]!), owner(m[2]!)]);
    }
  }
}

/**
 * The scope of a room's JACK server `server` (`backline-<port>`), run by a hub in this process
 * or another: the jackd of that name is found, and its namespace entered when it has one.
 */
export function roomScope(server: string): JackScope {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!/(^|\/)jackd$/.test(argv[0] ?? '') || argv[argv.indexOf('-n') + 1] !== server) continue;
    const pid = Number(d);
    if (!hasPrivateShm(pid)) return sharedScope(server);
    const user =
      readlinkSync(`/proc/${pid}/ns/user`) !== readlinkSync('/proc/self/ns/user')
        ? 'user'
        : 'mount';
    return namespaceScope(server, user, pid, () => alive(pid));
  }
  throw new Error(`no jackd named ${server} runs`);
}
