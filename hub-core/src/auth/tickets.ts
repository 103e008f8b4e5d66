import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { RateLimited } from '../errors.js';

/** How long a WebSocket ticket can be redeemed. */
export const TICKET_TTL_MS = 30_000;

/** Unredeemed tickets one session may hold; a client asks for one per connection attempt. */
const MAX_PER_SESSION = 20;

/** Accepts exactly the shape `issue` produces (24 random bytes, base64url). */
export const TICKET_SHAPE = /^[A-Za-z0-9_-]{32}$/;

interface Ticket {
  sessionId: string;
  /** The session's token hash: redeeming looks the session up again, so a revoked one fails. */
  tokenHash: Buffer;
  expiresAt: number;
}

/**
 * Short-lived, single-use tickets for opening a WebSocket. Browsers can't put headers on a
 * WebSocket, and a URL ends up in logs and histories; a ticket there is worth nothing once
 * used or 30 s old, where a session token would be worth 30 days. Kept in memory only: a hub
 * restart voids them, and clients ask for a new one on every connection attempt anyway.
 */
export class WsTickets {
  // Insertion order is expiry order (one fixed TTL), so pruning stops at the first live one.
  private readonly tickets = new Map<string, Ticket>();
  private readonly perSession = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = TICKET_TTL_MS,
  ) {}

  issue(sessionId: string, tokenHash: Buffer): { ticket: string; expiresAt: number } {
    this.prune();
    const held = this.perSession.get(sessionId) ?? 0;
    if (held >= MAX_PER_SESSION)
      throw new RateLimited(
        Math.ceil(this.ttlMs / 1000),
        'Too many unused WebSocket tickets, try again later',
      );
    const ticket = randomBytes(24).toString('base64url');
    const expiresAt = this.clock() + this.ttlMs;
    this.tickets.set(ticket, { sessionId, tokenHash, expiresAt });
    this.perSession.set(sessionId, held + 1);
    return { ticket, expiresAt };
  }

  /** The session token hash behind a live ticket, which is used up; undefined otherwise. */
  redeem(ticket: string): Buffer | undefined {
    if (!TICKET_SHAPE.test(ticket)) return undefined;
    const t = this.tickets.get(ticket);
    if (!t) return undefined;
    this.forget(ticket, t);
    return t.expiresAt > this.clock() ? t.tokenHash : undefined;
  }

  get size(): number {
    return this.tickets.size;
  }

  private prune(): void {
    const now = this.clock();
    for (const [k, t] of this.tickets) {
      if (t.expiresAt > now) break;
      this.forget(k, t);
    }
  }

  private forget(key: string, t: Ticket): void {
    this.tickets.delete(key);
    const n = (this.perSession.get(t.sessionId) ?? 1) - 1;
    if (n > 0) this.perSession.set(t.sessionId, n);
    else this.perSession.delete(t.sessionId);
  }
}
