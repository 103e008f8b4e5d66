/**
 * Voice token ids (`jti`) already used for a handshake, kept until the token expires: a token
 * opens one session, once, from one address. A copy replayed from elsewhere is refused; the
 * same handshake repeated from the session's own address (a duplicated or retried datagram)
 * is recognised, so the relay can answer it again instead of refusing its rightful owner.
 */
export class UsedTokens {
  private readonly used = new Map<string, { expiresAt: number; sessionId: number }>();

  constructor(private readonly wallClock: () => number = Date.now) {}

  /** The session a token id opened, if it was used already; 0 when used but refused. */
  sessionOf(jti: string): number | undefined {
    return this.used.get(jti)?.sessionId;
  }

  /** Marks a token id used (sessionId 0 until a session is made with it). */
  use(jti: string, expiresAt: number, sessionId = 0): void {
    this.used.set(jti, { expiresAt, sessionId });
  }

  /** Forgets ids whose tokens have expired: those are refused by their expiry anyway. */
  prune(): void {
    const now = this.wallClock();
    for (const [jti, u] of this.used) if (u.expiresAt <= now) this.used.delete(jti);
  }

  get size(): number {
    return this.used.size;
  }
}
