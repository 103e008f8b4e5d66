import type { WebSocket } from 'ws';
import type { AuthService, Authenticated, SessionsEnded } from '../auth/AuthService.js';
import type { Clock } from '../clock.js';

/** Close code for a socket whose session ended (signed out, revoked, expired, account removed). */
export const CLOSE_SESSION_ENDED = 4401;
/** Close code for a socket over the per-user limit. */
export const CLOSE_TOO_MANY = 4429;

interface Entry {
  ws: WebSocket;
  userId: number;
  sessionId: string;
  expiresAt: number;
}

/**
 * Every authenticated WebSocket of the hub (/ws, /ws/patchbay, /ws/voice), by user and
 * session. A socket lives no longer than its session: it closes (4401) on logout, on a
 * revoke, when the account is removed, and when the session expires (checked every second).
 * A user holds at most `maxPerUser` sockets; the next one is closed at once (4429).
 */
export class SocketRegistry {
  private readonly byUser = new Map<number, Set<Entry>>();
  private readonly timer: NodeJS.Timeout;
  private readonly onEnded = (e: SessionsEnded) => this.end(e);
  private closed = false;

  constructor(
    private readonly auth: AuthService,
    private readonly clock: Clock,
    private readonly maxPerUser: number,
    checkEveryMs = 1000,
  ) {
    auth.on('sessions-ended', this.onEnded);
    this.timer = setInterval(() => this.expire(), checkEveryMs);
    this.timer.unref();
  }

  /** Tracks an open socket, or closes it when its user is at the limit. False when refused. */
  admit(ws: WebSocket, a: Authenticated): boolean {
    let mine = this.byUser.get(a.user.id);
    if ((mine?.size ?? 0) >= this.maxPerUser) {
      ws.close(CLOSE_TOO_MANY, `too many connections (at most ${this.maxPerUser} per user)`);
      return false;
    }
    if (!mine) this.byUser.set(a.user.id, (mine = new Set()));
    const entry: Entry = {
      ws,
      userId: a.user.id,
      sessionId: a.session.id,
      expiresAt: a.session.expires_at,
    };
    mine.add(entry);
    ws.once('close', () => this.forget(entry));
    return true;
  }

  get size(): number {
    let n = 0;
    for (const s of this.byUser.values()) n += s.size;
    return n;
  }

  /** Stops the expiry check; the sockets themselves close with the HTTP server. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.auth.off('sessions-ended', this.onEnded);
  }

  private end(e: SessionsEnded): void {
    for (const entry of [...(this.byUser.get(e.userId) ?? [])]) {
      if (e.sessionIds === 'all' || e.sessionIds.includes(entry.sessionId))
        this.shut(entry, e.reason);
    }
  }

  private expire(): void {
    const now = this.clock();
    for (const set of [...this.byUser.values()])
      for (const entry of [...set]) if (entry.expiresAt <= now) this.shut(entry, 'session expired');
  }

  /** Forgotten first: a closing socket no longer counts, and is not closed twice. */
  private shut(entry: Entry, reason: string): void {
    this.forget(entry);
    entry.ws.close(CLOSE_SESSION_ENDED, reason);
  }

  private forget(entry: Entry): void {
    const set = this.byUser.get(entry.userId);
    if (!set?.delete(entry)) return;
    if (set.size === 0) this.byUser.delete(entry.userId);
  }
}
