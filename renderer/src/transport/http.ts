import type { WsTicket } from '../../../protocol/api.js';
import type { HubAuth } from '../lib/platform.js';

export type { HubAuth };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Normalises what a person types ("localhost:8000", "https://h:8000/") to an origin. */
export function normaliseHubUrl(input: string): string {
  const raw = input.trim();
  if (!raw) throw new ApiError(0, 'bad_url', 'Enter the hub’s address, like https://host:8000');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ApiError(0, 'bad_url', `“${raw}” is not a hub address`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ApiError(0, 'bad_url', 'A hub address starts with https://');
  return url.origin;
}

export interface HubClientOptions {
  /**
   * Called once, on the first 401 answer: the session this client carries has ended (signed
   * out elsewhere, revoked, expired). The request still rejects with its ApiError.
   */
  onUnauthorized?: () => void;
}

/**
 * The one way the renderer talks to a hub over HTTPS. In a browser served by the hub, the
 * session rides in the hub's HttpOnly cookie and scripts never hold the token; in the desktop
 * app, main hands over a bearer token through IPC and it goes in a header.
 */
export class HubClient {
  private unauthorized = false;

  constructor(
    readonly origin: string,
    private readonly auth: HubAuth,
    private readonly options: HubClientOptions = {},
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.auth.kind === 'bearer') headers.authorization = `Bearer ${this.auth.token}`;
    let res: Response;
    try {
      res = await fetch(this.origin + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'unreachable', `Can’t reach the hub at ${this.origin}`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      if (res.status === 401 && !this.unauthorized) {
        this.unauthorized = true;
        this.options.onUnauthorized?.();
      }
      const err = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const retry = Number(res.headers.get('retry-after'));
      throw new ApiError(
        res.status,
        typeof err?.code === 'string' ? err.code : `http_${res.status}`,
        typeof err?.message === 'string' ? err.message : `The hub answered ${res.status}`,
        Number.isFinite(retry) && retry > 0 ? retry : undefined,
      );
    }
    if (json === undefined) throw new ApiError(res.status, 'bad_answer', 'The hub sent no JSON');
    return json as T;
  }

  /**
   * wss:// URL of a WebSocket path with a fresh single-use ticket (POST /auth/ws-ticket, about
   * 30 s): a browser can't put a header on a WebSocket, and a session token must never ride in
   * a URL. Call it for every connection attempt.
   */
  async socketUrl(path: string): Promise<string> {
    const { ticket } = await this.request<WsTicket>('POST', '/auth/ws-ticket');
    const url = new URL(path, this.origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('ticket', ticket);
    return url.toString();
  }
}
