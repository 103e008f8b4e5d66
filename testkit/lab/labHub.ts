// The headless hub and its players inside the NAT lab: the hub runs in a lab namespace as its
// own process (cli.ts, the way a server runs it), players talk to it with curl from theirs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Health } from '../../protocol/api.js';
import {
  delay,
  isRunning,
  runTool,
  spawnChild,
  stopChild,
  type Child,
} from '../../hub-core/src/index.js';
import { alive } from '../jack.js';
import { NatLab, type LabNode } from './natLab.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** A player's voice chat, run in a lab namespace: `node --import tsx VOICE_AGENT ...` (voiceAgent.ts). */
export const VOICE_AGENT = join(import.meta.dirname, 'voiceAgent.ts');

export interface LabHub {
  child: Child;
  port: number;
  dataDir: string;
  /** curl's --pinnedpubkey value for the hub's certificate. */
  pin: string;
  lines: string[];
  /** Stops it with SIGTERM (a graceful shutdown) and waits for its exit by PID. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9, and waits for its exit. */
  crash(): Promise<void>;
}

/** base64 SHA-256 of a certificate's public key, as curl's --pinnedpubkey takes it. */
export function spkiPin(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${createHash('sha256').update(der).digest('base64')}`;
}

/** Starts `cli.ts` inside a lab node; resolves once it listens (its first stdout lines). */
export async function startLabHub(
  lab: NatLab,
  node: LabNode,
  o: { dataDir: string; port: number; env?: Record<string, string> },
): Promise<LabHub> {
  const lines: string[] = [];
  let ready: (port: number) => void = () => {};
  const listening = new Promise<number>((r) => (ready = r));
  const child = spawnChild(
    'ip',
    [
      'netns',
      'exec',
      lab.ns(node),
      process.execPath,
      '--import',
      'tsx',
      join(ROOT, 'hub-core', 'src', 'cli.ts'),
    ],
    {
      ...process.env,
      HUB_HOST: '0.0.0.0',
      HUB_PORT: String(o.port),
      BACKLINE_DATA_DIR: o.dataDir,
      LOG_LEVEL: 'warn',
      JACK_NO_START_SERVER: '1',
      ...o.env,
    },
    (l) => {
      lines.push(l);
      const m = /^Backline hub listening on https:\/\/[^:]+:(\d+)/.exec(l);
      if (m) ready(Number(m[1]));
    },
  );
  const port = await Promise.race([
    listening,
    child.exited.then(() => {
      throw new Error(`hub exited while starting: ${lines.slice(-5).join(' | ')}`);
    }),
    delay(60_000).then(() => {
      throw new Error(`hub did not start within 60 s: ${lines.slice(-5).join(' | ')}`);
    }),
  ]);
  const pin = spkiPin(readFileSync(join(o.dataDir, 'certs', 'hub-cert.pem'), 'utf8'));
  return {
    child,
    port,
    dataDir: o.dataDir,
    pin,
    lines,
    stop: async () => {
      await stopChild(child, 20_000);
      return child.exited;
    },
    crash: async () => {
      if (isRunning(child)) child.proc.kill('SIGKILL');
      await child.exited;
    },
  };
}

export interface CurlAnswer {
  status: number;
  body: unknown;
  text: string;
}

/** One HTTPS request with curl from inside a lab node, pinned to the hub's key. */
export async function curl(
  lab: NatLab,
  node: LabNode,
  url: string,
  o: { pin: string; method?: string; body?: unknown; token?: string },
): Promise<CurlAnswer> {
  const args = ['-sS', '-k', '--pinnedpubkey', o.pin, '-m', '20', '-X', o.method ?? 'GET'];
  args.push('-w', '\n%{http_code}');
  if (o.token) args.push('-H', `authorization: Bearer ${o.token}`);
  if (o.body !== undefined)
    args.push('-H', 'content-type: application/json', '--data-binary', JSON.stringify(o.body));
  args.push(url);
  const r = await lab.exec(node, 'curl', args, 30_000);
  if (r.code !== 0) throw new Error(`curl ${url} from ${node}: ${r.stderr.trim()} (${r.code})`);
  const cut = r.stdout.lastIndexOf('\n');
  const text = r.stdout.slice(0, cut);
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: Number(r.stdout.slice(cut + 1)), body, text };
}

/** The same, asserting a 2xx answer. */
export async function curlOk<T>(
  lab: NatLab,
  node: LabNode,
  url: string,
  o: Parameters<typeof curl>[3],
): Promise<T> {
  const r = await curl(lab, node, url, o);
  if (r.status < 200 || r.status >= 300)
    throw new Error(`${o.method ?? 'GET'} ${url} from ${node}: ${r.status} ${r.text}`);
  return r.body as T;
}

/** The hub's /health, asked on its own machine over loopback. */
export function health(lab: NatLab, node: LabNode, hub: LabHub): Promise<Health> {
  return curlOk<Health>(lab, node, `https://127.0.0.1:${hub.port}/health`, { pin: hub.pin });
}

export interface UpnpEntry {
  protocol: 'TCP' | 'UDP';
  external: number;
  client: string;
  internal: number;
  description: string;
}

/** The router's mappings as `upnpc -l` lists them from a lab node. */
export async function upnpList(lab: NatLab, node: LabNode = 'h'): Promise<UpnpEntry[]> {
  // upnpc's own discovery can miss the router's answer on a busy machine: an empty list must
  // mean "no mappings", never "no answer", so a run that found no gateway is tried again.
  let r = await lab.exec(node, 'upnpc', ['-l'], 15_000);
  for (let i = 0; i < 4 && !r.stdout.includes('Found valid IGD'); i++)
    r = await lab.exec(node, 'upnpc', ['-l'], 15_000);
  if (!r.stdout.includes('Found valid IGD'))
    throw new Error(`upnpc -l found no gateway: ${(r.stdout + r.stderr).slice(-300)}`);
  const out: UpnpEntry[] = [];
  // " 0 TCP  8443->10.10.0.2:8443  'Backline ...' '' 1797"
  for (const m of r.stdout.matchAll(/^\s*\d+\s+(TCP|UDP)\s+(\d+)->([\d.]+):(\d+)\s+'([^']*)'/gm)) {
    out.push({
      protocol: m[1] as 'TCP' | 'UDP',
      external: Number(m[2]),
      client: m[3]!,
      internal: Number(m[4]),
      description: m[5]!,
    });
  }
  return out;
}

/** Waits until `fn` answers something truthy; fails after a generous upper bound. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await delay(200);
  }
}

/** Runs a short program in a lab node and returns its stdout; rejects on failure. */
export async function inNode(
  lab: NatLab,
  node: LabNode,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 60_000,
): Promise<string> {
  const r = await runTool('ip', ['netns', 'exec', lab.ns(node), cmd, ...args], env, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} in ${node}: ${r.stderr.slice(-500)} (${r.code})`);
  return r.stdout;
}

/**
 * One lab for a test file, with the hubs it starts: `before` builds it, `after` kills what is
 * left, removes the lab and checks every hub, namespace process and miniupnpd is gone by PID.
 */
export function useLab() {
  let lab: NatLab | undefined;
  const dirs: string[] = [];
  const hubs: LabHub[] = [];
  const pids: number[] = [];
  const get = () => {
    if (!lab) throw new Error('the lab is not up');
    return lab;
  };
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'backline-lab-hub-'));
    dirs.push(d);
    return d;
  };
  /** The headless hub with HUB_UPNP=true in a lab home. */
  const start = async (
    node: 'h' | 'c' | 'n',
    o: { dir?: string; port: number; env?: Record<string, string> },
  ) => {
    const hub = await startLabHub(get(), node, {
      dataDir: o.dir ?? dataDir(),
      port: o.port,
      env: { HUB_UPNP: 'true', ...o.env },
    });
    hubs.push(hub);
    pids.push(hub.child.pid);
    return hub;
  };
  /** Waits until the hub's /health shows one of `states`. */
  const reach = (node: 'h' | 'c' | 'n', hub: LabHub, states: string[]) =>
    until(`reachability ${states.join('/')}`, async () => {
      const h = await health(get(), node, hub);
      return states.includes(h.reachability.state) ? h : undefined;
    });
  /** The host router's mappings made by Backline hubs. */
  const ours = async () =>
    (await upnpList(get())).filter((m) => m.description.startsWith('Backline '));

  before(async () => {
    lab = await NatLab.create();
  });
  after(async () => {
    for (const h of hubs) await h.crash();
    if (!lab) return;
    const inside = await lab.pids();
    await lab.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const p of [...pids, ...inside, ...lab.miniupnpdPids])
      assert.equal(alive(p), false, `process ${p} left running`);
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!left.includes(lab.id), `lab namespaces left: ${left}`);
  });
  return { lab: get, dataDir, start, reach, ours };
}
