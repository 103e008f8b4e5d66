// Shared helpers for tests: a real hub on a temp data dir, a movable clock, HTTPS requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  loadConfig,
  type HubConfig,
  Hub,
  type HubOptions,
  createLogger,
} from '../hub-core/src/index.js';

export function tempDir(prefix = 'backline-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface ManualClock {
  (): number;
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

export interface TestHub {
  hub: Hub;
  dir: string;
  clock: ManualClock;
  /** Every log line the hub wrote, as text (level trace). */
  logs: () => string;
  close: () => Promise<void>;
}

/** A real hub (SQLite file, TLS cert, bcrypt workers) in a fresh temp dir; not listening. */
export async function startHub(
  opts: Omit<Partial<HubOptions>, 'config'> & {
    config?: Partial<HubConfig>;
    env?: Record<string, string>;
  } = {},
): Promise<TestHub> {
  const dir = tempDir();
  const clock = manualClock();
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const config: HubConfig = {
    ...loadConfig({
      BACKLINE_DATA_DIR: dir.path,
      HUB_HOST: '127.0.0.1',
      HUB_PORT: '0',
      ...opts.env,
    }),
    ...opts.config,
  };
  const hub = await Hub.create({
    passwordThreads: 1,
    ...opts,
    config,
    clock,
    logger: createLogger('trace', sink),
  });
  return {
    hub,
    dir: dir.path,
    clock,
    logs: () => chunks.join(''),
    close: async () => {
      await hub.close();
      dir.remove();
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

/** One HTTPS request over a real socket, pinned to the hub's own certificate. */
export function httpsJson(
  url: string,
  opts: {
    method?: string;
    body?: unknown;
    rawBody?: string;
    token?: string;
    ca: string;
    headers?: Record<string, string>;
  },
): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const payload =
      opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...opts.headers };
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const req = httpsRequest(
      url,
      { method: opts.method ?? 'GET', headers, ca: opts.ca, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A JackTrip pool base no other test file is likely to use at the same time. */
export const randomJackTripBase = () => 20000 + Math.floor(Math.random() * 400) * 50;

export interface JamHub extends TestHub {
  url: string;
  ca: string;
  tokens: Record<string, string>;
  ids: Record<string, number>;
  /** A request as `user` (their bearer token). */
  api(user: string, method: string, path: string, body?: unknown): Promise<JsonResponse>;
  /** The same, asserting a 2xx answer; resolves with its body. */
  ok<T>(user: string, method: string, path: string, body?: unknown): Promise<T>;
}

/** A listening hub on its own JackTrip pool, with `users` registered (password "<name>-password"). */
export async function startJamHub(
  users: readonly string[],
  opts: Parameters<typeof startHub>[0] = {},
): Promise<JamHub> {
  const t = await startHub({
    ...opts,
    env: {
      JACKTRIP_BASE_PORT: String(randomJackTripBase()),
      JACKTRIP_PORT_RANGE: '50',
      ...opts.env,
    },
  });
  const url = await t.hub.listen();
  const ca = t.hub.certificate!.certPem;
  const tokens: Record<string, string> = {};
  const ids: Record<string, number> = {};
  const api = (user: string, method: string, path: string, body?: unknown) =>
    httpsJson(`${url}${path}`, { method, body, token: tokens[user], ca });
  for (const name of users) {
    const r = await api(name, 'POST', '/auth/register', {
      username: name,
      password: `${name}-password`,
    });
    if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${r.text}`);
    const body = r.body as { token: string; user_id: string };
    tokens[name] = body.token;
    ids[name] = Number(body.user_id);
  }
  const ok = async <T>(user: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await api(user, method, path, body);
    if (res.status < 200 || res.status >= 300)
      throw new Error(`${method} ${path} -> ${res.status} ${res.text}`);
    return res.body as T;
  };
  return { ...t, url, ca, tokens, ids, api, ok };
}
