// "Host a jam": runs the embedded hub as its own process and reports its state and share link.
// The process is started through a `HubForker`: Electron's utilityProcess in the app
// (electron/main/shell/app.ts), child_process.fork everywhere else (`nodeForker`).
import { fork } from 'node:child_process';
import {
  chmodSync,
  createWriteStream,
  mkdirSync,
  readFileSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RestartPolicy, SafeEmitter, type RestartPolicyOptions } from '../../hub-core/src/index.js';
import { isReachable, ReachStatus } from '../../protocol/api.js';
import type { HostStatus } from '../../protocol/ipc.js';
import type { HubToParent } from './hubEntry.js';
import { shareLinks } from './links.js';

export interface HubProcess {
  readonly pid: number | undefined;
  postMessage(m: unknown): void;
  onMessage(cb: (m: unknown) => void): void;
  /** Output lines (the hub's JSON log). */
  onOutput(cb: (chunk: string) => void): void;
  onExit(cb: (code: number | null) => void): void;
  kill(): void;
}

export type HubForker = (entry: string, env: Record<string, string>) => HubProcess;

/** The hub entry next to this module: .ts under tsx, .js once bundled. */
export const HUB_ENTRY = fileURLToPath(
  new URL(`./hubEntry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

/** child_process.fork: the hub in a Node process (tests, the harness, `npm start` without Electron). */
export const nodeForker: HubForker = (entry, env) => {
  const child = fork(entry, [], {
    env,
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return {
    pid: child.pid,
    postMessage: (m) => {
      if (child.connected) child.send(m as object);
    },
    onMessage: (cb) => child.on('message', cb),
    onOutput: (cb) => {
      child.stdout?.on('data', (d: Buffer) => cb(d.toString()));
      child.stderr?.on('data', (d: Buffer) => cb(d.toString()));
    },
    onExit: (cb) => child.once('exit', (code) => cb(code)),
    kill: () => child.kill('SIGKILL'),
  };
};

/** The machine's LAN IPv4 address (private ranges first), or loopback when there is none. */
export function lanAddress(
  ifaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): string {
  const all = Object.values(ifaces)
    .flat()
    .filter((i): i is NonNullable<typeof i> => !!i && i.family === 'IPv4' && !i.internal)
    .map((i) => i.address);
  const isPrivate = (a: string) =>
    /^10\./.test(a) || /^192\.168\./.test(a) || /^172\.(1[6-9]|2\d|3[01])\./.test(a);
  return all.find(isPrivate) ?? all[0] ?? '127.0.0.1';
}

export interface HostedHubOptions {
  forker: HubForker;
  /** The hub's data folder (hub.db, certs/); under the app's userData. */
  dataDir: string;
  /** Where the hub's log goes (appended). */
  logFile: string;
  /** Interface the hub listens on. Default 0.0.0.0 (friends on the LAN can reach it). */
  listenHost?: string;
  /** The address in the share link. Default: the LAN address. */
  advertiseHost?: string;
  /** First port to try. Default 8000; when it is taken, any free port. */
  port?: number;
  /** Extra hub settings (HUB_CORS_ORIGINS, JACKTRIP_BASE_PORT, ...). */
  env?: Record<string, string>;
  entry?: string;
  /** How long the hub may take to start and to stop. Default 30 s each. */
  timeoutMs?: number;
  /**
   * Where "Open my router's ports automatically" is remembered (JSON). Default: nowhere, on.
   * The hub maps only when it listens beyond loopback.
   */
  settingsFile?: string;
  /** Whether, and when, a hub that crashed after a good start comes back. Default HOSTED_HUB_RESTARTS. */
  restarts?: Readonly<RestartPolicyOptions>;
}

/**
 * A hosted hub that crashes is reported, not restarted behind the host's back: its rooms and
 * their players are gone with it, and the host decides (Host a jam again). The same policy as
 * the hub's rooms and the jacktrip client, with no tries.
 */
export const HOSTED_HUB_RESTARTS: Readonly<RestartPolicyOptions> = Object.freeze({
  initialMs: 1000,
  maxMs: 15_000,
  factor: 2,
  maxTries: 0,
  stableMs: 60_000,
});

const isLoopback = (h: string) => h === 'localhost' || h === '::1' || h.startsWith('127.');

/** The host's status with the internet links, which exist only while the router says they work. */
export function withReach(s: HostStatus, reach: ReachStatus | undefined): HostStatus {
  const rest = { ...s };
  delete rest.internet_link;
  delete rest.internet_web_link;
  if (!reach) return { ...rest, reach: undefined };
  if (!isReachable(reach) || !s.fingerprint || reach.public_port === null)
    return { ...rest, reach };
  const links = shareLinks(reach.public_address!, reach.public_port, s.fingerprint);
  return { ...rest, reach, internet_link: links.share_link, internet_web_link: links.web_link };
}

export type HostedHubEvents = { status: [HostStatus] };

/**
 * One embedded hub at a time. `start` resolves once the hub answers (or failed); `stop` tells
 * the players (the hub announces its shutdown), ends every room's processes and resolves
 * once the hub process has exited. Both are safe to call at any time and any number of times.
 */
export class HostedHub extends SafeEmitter<HostedHubEvents> {
  private upnp = true;
  private st: HostStatus = { state: 'stopped', upnp: true };
  private proc: HubProcess | undefined;
  private exited: Promise<number | null> | undefined;
  private starting: Promise<HostStatus> | undefined;
  private stopping: Promise<HostStatus> | undefined;
  private log: WriteStream | undefined;
  private tail: string[] = [];
  private readonly restarts: RestartPolicy;
  /** Ends the wait of a pending restart: a stop must not boot a new hub only to stop it. */
  private cancelRestart: (() => void) | undefined;

  constructor(private readonly options: HostedHubOptions) {
    super();
    this.restarts = new RestartPolicy(options.restarts ?? HOSTED_HUB_RESTARTS);
    if (options.settingsFile) {
      try {
        const saved = JSON.parse(readFileSync(options.settingsFile, 'utf8')) as { upnp?: unknown };
        if (typeof saved.upnp === 'boolean') this.upnp = saved.upnp;
      } catch {
        // no file yet, or a damaged one: the default (on)
      }
    }
    this.st = { state: 'stopped', upnp: this.upnp };
  }

  /** "Open my router's ports automatically": remembered, and applied at once while hosting. */
  setUpnp(enabled: boolean): HostStatus {
    this.upnp = enabled;
    if (this.options.settingsFile) {
      try {
        writeFileSync(this.options.settingsFile, JSON.stringify({ upnp: enabled }) + '\n');
      } catch {
        // not remembered across restarts; it still applies now
      }
    }
    this.proc?.postMessage({ type: 'upnp', enabled });
    return this.set({ ...this.st, upnp: enabled });
  }

  get status(): HostStatus {
    return this.st;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  start(): Promise<HostStatus> {
    if (this.st.state === 'running') return Promise.resolve(this.st);
    if (this.stopping) return this.stopping.then(() => this.start());
    if (!this.starting) this.restarts.reset();
    this.starting ??= this.launch(this.options.port ?? 8000)
      .then(async (s) => {
        // The usual port is taken: any free one (the link changes, so friends need the new one).
        if (s.state === 'failed' && s.error?.includes('EADDRINUSE') && this.options.port !== 0) {
          return this.launch(0);
        }
        return s;
      })
      .finally(() => (this.starting = undefined));
    return this.starting;
  }

  stop(): Promise<HostStatus> {
    this.cancelRestart?.();
    if (this.starting) return this.starting.then(() => this.stop());
    if (!this.proc) return Promise.resolve(this.st);
    this.stopping ??= (async () => {
      const proc = this.proc!;
      this.set(withReach({ ...this.st, state: 'stopping' }, undefined));
      proc.postMessage({ type: 'stop' });
      const timeout = this.options.timeoutMs ?? 30_000;
      const code = await Promise.race([
        this.exited!,
        sleep(timeout).then(() => 'timeout' as const),
      ]);
      if (code === 'timeout') {
        proc.kill();
        await this.exited;
      }
      this.proc = undefined;
      this.log?.end();
      this.log = undefined;
      // A hub that could not shut down cleanly says so (its rooms' processes still die with
      // it: they carry a parent-death signal).
      const error =
        code === 'timeout'
          ? `the hub did not stop within ${timeout / 1000} s and was killed`
          : code !== 0
            ? `the hub exited with code ${code} while stopping: ${this.tail.slice(-2).join(' ')}`
            : undefined;
      return this.set(
        error
          ? { state: 'stopped', upnp: this.upnp, error }
          : { state: 'stopped', upnp: this.upnp },
      );
    })().finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  private set(s: HostStatus): HostStatus {
    this.st = { ...s, upnp: this.upnp };
    this.safeEmit('status', s);
    return s;
  }

  private pendingReach: ReachStatus | undefined;

  /** The hub's reachability changed (the router answered, a lease failed, the address moved). */
  private onReach(proc: HubProcess, raw: unknown): void {
    const parsed = ReachStatus.safeParse(raw);
    if (!parsed.success || proc !== this.proc) return;
    this.pendingReach = parsed.data;
    if (this.st.state === 'running') this.set(withReach(this.st, parsed.data));
  }

  /** Tries the crashed hub again after `wait`, and again while the restart policy allows. */
  private async relaunch(port: number, wait: number): Promise<HostStatus> {
    // A timer that keeps the process alive: the restart is pending work (unless a stop comes).
    const cancelled = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), wait);
      this.cancelRestart = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    this.cancelRestart = undefined;
    if (cancelled) {
      this.set({ state: 'stopped', upnp: this.upnp });
      return this.st;
    }
    const s = await this.launch(port);
    if (s.state !== 'failed') return s;
    const next = this.restarts.failed();
    return next === undefined ? s : this.relaunch(port, next);
  }

  private async launch(port: number): Promise<HostStatus> {
    this.pendingReach = undefined;
    this.set({ state: 'starting', upnp: this.upnp });
    mkdirSync(this.options.dataDir, { recursive: true, mode: 0o700 });
    mkdirSync(join(this.options.logFile, '..'), { recursive: true, mode: 0o700 });
    this.log ??= ownerOnlyLog(this.options.logFile);
    this.tail = [];
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const listenHost = this.options.listenHost ?? '0.0.0.0';
    Object.assign(env, {
      HUB_HOST: listenHost,
      HUB_UPNP: String(this.upnp && !isLoopback(listenHost)),
      HUB_PORT: String(port),
      BACKLINE_DATA_DIR: this.options.dataDir,
      LOG_LEVEL: 'info',
      ...this.options.env,
    });
    const proc = this.options.forker(this.options.entry ?? HUB_ENTRY, env);
    this.proc = proc;
    this.exited = new Promise((r) => proc.onExit(r));
    proc.onOutput((chunk) => {
      this.log?.write(chunk);
      for (const line of chunk.split('\n')) if (line.trim()) this.tail.push(line.slice(0, 500));
      this.tail.splice(0, Math.max(0, this.tail.length - 20));
    });
    const first = new Promise<
      Exclude<HubToParent, { type: 'reach' }> | { type: 'exit'; code: number | null }
    >((resolve) => {
      proc.onMessage((m) => {
        const msg = m as HubToParent;
        if (msg && (msg.type === 'ready' || msg.type === 'failed')) resolve(msg);
        else if (msg?.type === 'reach') this.onReach(proc, msg.status);
      });
      void this.exited!.then((code) => resolve({ type: 'exit', code }));
    });
    const timeout = this.options.timeoutMs ?? 30_000;
    const answer = await Promise.race([first, sleep(timeout).then(() => undefined)]);
    if (answer?.type === 'ready') {
      if (!answer.fingerprint) {
        proc.kill();
        await this.exited;
        this.proc = undefined;
        return this.set({ state: 'failed', upnp: this.upnp, error: 'the hub started without TLS' });
      }
      const host = this.options.advertiseHost ?? lanAddress();
      this.restarts.started();
      // A crash after a good start: reported, or tried again on the same port if the restart
      // policy allows (by default it does not: HOSTED_HUB_RESTARTS).
      void this.exited.then((code) => {
        if (this.proc !== proc || this.stopping) return;
        this.proc = undefined;
        const error = `the hub stopped unexpectedly (exit ${code}): ${this.tail.slice(-2).join(' ')}`;
        const wait = this.restarts.failed();
        if (wait === undefined) {
          this.set({ state: 'failed', upnp: this.upnp, error });
          return;
        }
        this.set({ state: 'starting', upnp: this.upnp, error });
        this.starting = this.relaunch(answer.port, wait).finally(() => (this.starting = undefined));
      });
      // Reachability rides on the ready message; later changes come as their own messages.
      const initial = ReachStatus.safeParse(answer.reach);
      return this.set(
        withReach(
          {
            state: 'running',
            upnp: this.upnp,
            local_url: `https://127.0.0.1:${answer.port}`,
            lan_address: host,
            port: answer.port,
            fingerprint: answer.fingerprint,
            ...shareLinks(host, answer.port, answer.fingerprint),
          },
          this.pendingReach ?? (initial.success ? initial.data : undefined),
        ),
      );
    }
    if (!answer) proc.kill();
    await this.exited;
    this.proc = undefined;
    const why =
      answer === undefined
        ? `the hub did not start within ${timeout / 1000} s`
        : answer.type === 'failed'
          ? answer.message
          : `the hub exited (code ${answer.code}) while starting: ${this.tail.slice(-2).join(' ')}`;
    return this.set({ state: 'failed', upnp: this.upnp, error: why });
  }
}

const sleep = (ms: number) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    t.unref();
  });

/** The hub's log, appended, readable by its owner only (it names users, rooms and addresses). */
function ownerOnlyLog(file: string): WriteStream {
  try {
    chmodSync(file, 0o600); // a log written by an older version
  } catch {
    // Not there yet: created owner-only below.
  }
  return createWriteStream(file, { flags: 'a', mode: 0o600 });
}
