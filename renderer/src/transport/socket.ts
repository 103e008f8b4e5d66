import type { WsClientMessage, WsServerMessage } from '../../../protocol/api.js';
import { ApiError } from './http.js';

export type SocketStatus = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'unauthorized';

/** Parses one hub message; anything that isn't a JSON object with a string `type` is dropped. */
export function parseServerMessage(text: unknown): WsServerMessage | undefined {
  if (typeof text !== 'string' || text.length > 4 * 1024 * 1024) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!json || typeof json !== 'object' || typeof (json as { type?: unknown }).type !== 'string')
    return undefined;
  return json as WsServerMessage;
}

/**
 * The hub's /ws channel, kept open: it reconnects with backoff (0.5 s doubling to 10 s) and
 * re-subscribes to every room it was following, so a hub restart or a network blip heals
 * itself. Every attempt opens with a fresh URL from `url` (a single-use ticket). A 4401 close
 * or a 401 for the ticket (the session ended) stops it.
 */
export class HubSocket {
  private ws: WebSocket | undefined;
  private readonly rooms = new Set<string>();
  private readonly listeners = new Set<(m: WsServerMessage) => void>();
  private readonly statusListeners = new Set<(s: SocketStatus) => void>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  status: SocketStatus = 'connecting';

  constructor(private readonly url: () => Promise<string>) {
    void this.open();
  }

  onMessage(fn: (m: WsServerMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onStatus(fn: (s: SocketStatus) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  subscribe(roomId: string): void {
    this.rooms.add(roomId);
    this.send({ type: 'subscribe', room_id: roomId });
  }

  unsubscribe(roomId: string): void {
    if (this.rooms.delete(roomId)) this.send({ type: 'unsubscribe', room_id: roomId });
  }

  /** Sends when open; otherwise false (the caller shows it). */
  send(msg: WsClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'bye');
    this.setStatus('closed');
  }

  private setStatus(s: SocketStatus): void {
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }

  private retry(): void {
    this.setStatus('reconnecting');
    const delay = Math.min(10_000, 500 * 2 ** this.attempt++);
    this.timer = setTimeout(() => void this.open(), delay);
  }

  private async open(): Promise<void> {
    let url: string;
    try {
      url = await this.url();
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof ApiError && err.status === 401) return this.setStatus('unauthorized');
      return this.retry();
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setStatus('open');
      for (const id of this.rooms) this.send({ type: 'subscribe', room_id: id });
    };
    ws.onmessage = (ev) => {
      const msg = parseServerMessage(ev.data);
      if (!msg) return;
      for (const fn of this.listeners) fn(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws || this.stopped) return;
      if (ev.code === 4401) return this.setStatus('unauthorized');
      this.retry();
    };
  }
}
