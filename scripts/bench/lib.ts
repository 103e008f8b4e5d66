// Shared pieces of `npm run bench`: a hub process, HTTPS requests, percentiles, results file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Agent } from 'node:https';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

export interface BenchEntry {
  name: string;
  value: number;
  unit: string;
  /** The target, as a comparison a reader can check at a glance, e.g. "<= 2000". */
  goal: string;
  /** The same entry's value from the previous bench-results.json, when there was one. */
  baseline?: number;
}

export class Results {
  readonly entries: BenchEntry[] = [];
  add(e: Omit<BenchEntry, 'baseline'>): void {
    this.entries.push(e);
    const v = Number.isInteger(e.value) ? String(e.value) : e.value.toFixed(2);
    console.log(`  ${e.name.padEnd(44)} ${v.padStart(10)} ${e.unit.padEnd(6)} goal ${e.goal}`);
  }
  /** Writes bench-results.json: this run's entries, each with the last run's value as baseline. */
  write(path = join(root, 'bench-results.json')): void {
    let previous: BenchEntry[] = [];
    if (existsSync(path)) {
      try {
        previous = JSON.parse(readFileSync(path, 'utf8')) as BenchEntry[];
      } catch {
        previous = [];
      }
    }
    const byName = new Map(previous.map((e) => [e.name, e]));
    // Keep entries of benchmarks that did not run this time, so a single-bench run adds to the file.
    const ran = new Set(this.entries.map((e) => e.name));
    const out: BenchEntry[] = [
      ...previous.filter((e) => !ran.has(e.name)),
      ...this.entries.map((e) => {
        const base = byName.get(e.name)?.value;
        return base === undefined ? e : { ...e, baseline: base };
      }),
    ];
    writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const sortNum = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
export const median = (xs: number[]): number => percentile(sortNum(xs), 50);

export interface HubProcess {
  url: string;
  ca: string;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `hub-core/src/cli.ts` as its own process under tsx (`npm run hub` runs it bundled), on a free port. */
export function spawnHub(
  env: Record<string, string>,
  dataDir?: string,
): Promise<HubProcess & { t0: number }> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'backline-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'hub-core/src/cli.ts'], {
    cwd: root,
    env: {
      ...process.env,
      HUB_HOST: '127.0.0.1',
      HUB_PORT: '0',
      LOG_LEVEL: 'warn',
      BACKLINE_DATA_DIR: dir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    if (!dataDir) rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (https:\/\/\S+)/.exec(out)?.[1];
      if (url && /fingerprint/.test(out)) {
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        const ca = readFileSync(join(dir, 'certs', 'hub-cert.pem'), 'utf8');
        resolve({ url, ca, dataDir: dir, child, stop, t0 });
      }
    });
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${err}`)));
  });
}

/** One HTTPS request; resolves with status and body text. */
export function req(
  url: string,
  agent: Agent,
  method = 'GET',
  body?: unknown,
  token?: string,
): Promise<{ status: number; text: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (payload) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const r = request(url, { method, agent, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    r.on('error', reject);
    r.end(payload);
  });
}

/** A hub API call that must succeed (2xx); resolves with the parsed JSON body. */
export async function hubApi(
  hub: { url: string },
  agent: Agent,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Record<string, unknown>> {
  const r = await req(`${hub.url}${path}`, agent, method, body, token);
  if (r.status < 200 || r.status >= 300)
    throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.text ? (JSON.parse(r.text) as Record<string, unknown>) : {};
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
