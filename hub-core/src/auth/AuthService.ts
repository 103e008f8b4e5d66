import type { Clock } from '../clock.js';
import { isoFromMs } from '../clock.js';
import type { SessionRow, SessionsRepo } from '../db/sessions.js';
import type { UserRow, UsersRepo } from '../db/users.js';
import { Conflict, Forbidden, Overloaded, RateLimited, Unauthorized } from '../errors.js';
import { SafeEmitter } from '../events.js';
import type { AuthResponse, RegisterBody, SessionInfo, User } from '../../../protocol/api.js';
import type { PasswordHasher } from './passwords.js';
import type { RateLimitRule } from './rateLimit.js';
import { InFlight, SlidingWindowLimiter } from './rateLimit.js';
import { WsTickets } from './tickets.js';
import { TOKEN_SHAPE, hashToken, newSessionId, newSessionToken } from './tokens.js';

export interface AuthLimits {
  /** Login attempts per client IP. Default 30 per 10 minutes. */
  loginPerIp: RateLimitRule;
  /**
   * Failed logins per username from one client IP. Default 10 per 10 minutes. Keyed by both,
   * so a stranger elsewhere can't lock the account's owner out.
   */
  loginFailuresPerUserIp: RateLimitRule;
  /** Logins of one username from one IP being checked at once. Default 2. */
  loginInFlightPerUserIp: number;
  /** Registrations per client IP. Default 10 per hour. */
  registerPerIp: RateLimitRule;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  loginPerIp: { limit: 30, windowMs: 10 * 60_000 },
  loginFailuresPerUserIp: { limit: 10, windowMs: 10 * 60_000 },
  loginInFlightPerUserIp: 2,
  registerPerIp: { limit: 10, windowMs: 60 * 60_000 },
};

export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

export interface Authenticated {
  user: UserRow;
  session: SessionRow;
}

/** Sessions that stopped being valid; their WebSockets must close. */
export interface SessionsEnded {
  userId: number;
  /** The ended sessions, or every session of the user. */
  sessionIds: readonly string[] | 'all';
  /** Said to the client as the WebSocket close reason. */
  reason: 'signed out' | 'session revoked' | 'account removed';
}

export type AuthEvents = { 'sessions-ended': [SessionsEnded] };

// The same words for an unknown user and a wrong password: the answer reveals nothing.
const BAD_LOGIN = 'Invalid username or password';
// Registration can't hide that a name is taken, so it says so in the same words as for any
// unavailable name, costs the same bcrypt time either way, and is rate-limited per IP.
const NAME_UNAVAILABLE = 'This username is not available, choose another';

// A cost-12 hash of a random string nobody knows: compared against for unknown usernames.
const TIMING_HASH = '$2b$12$sgboPNEGdcKrd/eH4do6teDMBSiLafDzSScaYSTn7BABP9dmiC0r6';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    created_at: isoFromMs(row.created_at),
  };
}

export class AuthService extends SafeEmitter<AuthEvents> {
  private readonly loginIp: SlidingWindowLimiter;
  private readonly loginFailures: SlidingWindowLimiter;
  private readonly loginInFlight: InFlight;
  private readonly registerIp: SlidingWindowLimiter;
  private readonly tickets: WsTickets;

  constructor(
    private readonly users: UsersRepo,
    private readonly sessions: SessionsRepo,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number,
    overrides: Partial<AuthLimits> = {},
  ) {
    super();
    const limits = { ...DEFAULT_AUTH_LIMITS, ...overrides };
    this.loginIp = new SlidingWindowLimiter(limits.loginPerIp, clock);
    this.loginFailures = new SlidingWindowLimiter(limits.loginFailuresPerUserIp, clock);
    this.loginInFlight = new InFlight(limits.loginInFlightPerUserIp);
    this.registerIp = new SlidingWindowLimiter(limits.registerPerIp, clock);
    this.tickets = new WsTickets(clock);
  }

  async register(body: RegisterBody, client: ClientInfo): Promise<AuthResponse> {
    this.limit(this.registerIp, client.ip);
    this.registerIp.hit(client.ip);
    const hash = await this.hasher.hash(body.password, `ip:${client.ip}`);
    const row = this.users.insert(body.username, body.email ?? null, hash, this.clock());
    if (!row) throw new Conflict(NAME_UNAVAILABLE);
    return this.openSession(row, client);
  }

  async login(username: string, password: string, client: ClientInfo): Promise<AuthResponse> {
    const row = await this.checkPassword(username, password, client);
    if (!row) throw new Unauthorized(BAD_LOGIN);
    return this.openSession(row, client);
  }

  /** The user and session behind a bearer token, or Unauthorized. */
  authenticate(token: string | undefined): Authenticated {
    if (!token || !TOKEN_SHAPE.test(token)) throw new Unauthorized();
    return this.bySessionHash(hashToken(token));
  }

  /** A single-use ticket (about 30 s) that opens one WebSocket as this session. */
  wsTicket(auth: Authenticated): { ticket: string; expires_at: string } {
    const { ticket, expiresAt } = this.tickets.issue(auth.session.id, auth.session.token_hash);
    return { ticket, expires_at: isoFromMs(expiresAt) };
  }

  /** The user and session a WebSocket ticket was issued to; the ticket is used up. */
  redeemTicket(ticket: string): Authenticated {
    const hash = this.tickets.redeem(ticket);
    if (!hash)
      throw new Unauthorized('WebSocket ticket unknown, used or expired: ask for a new one');
    return this.bySessionHash(hash);
  }

  logout(auth: Authenticated): void {
    if (this.sessions.delete(auth.session.id, auth.user.id))
      this.ended(auth.user.id, [auth.session.id], 'signed out');
  }

  listSessions(auth: Authenticated): SessionInfo[] {
    return this.sessions.listActive(auth.user.id, this.clock()).map((s) => ({
      id: s.id,
      created_at: isoFromMs(s.created_at),
      last_used_at: isoFromMs(s.last_used_at),
      expires_at: isoFromMs(s.expires_at),
      user_agent: s.user_agent,
      ip: s.ip,
      current: s.id === auth.session.id,
    }));
  }

  /** Revokes one of the caller's own sessions. False when there is no such session of theirs. */
  revokeSession(auth: Authenticated, id: string): boolean {
    if (!this.sessions.delete(id, auth.user.id)) return false;
    this.ended(auth.user.id, [id], 'session revoked');
    return true;
  }

  /**
   * Deletes the caller's account once they re-enter its password (same limits as a login).
   * `cleanup` runs first, while the account still exists (the hub closes the rooms it hosts
   * and leaves the others); the database then drops its sessions, rooms, memberships, bans and
   * chat with it, and every socket of the account closes.
   */
  async removeAccount(
    auth: Authenticated,
    password: string,
    client: ClientInfo,
    cleanup: (user: UserRow) => Promise<void>,
  ): Promise<void> {
    const row = await this.checkPassword(auth.user.username, password, client);
    if (row?.id !== auth.user.id) throw new Forbidden('The password is wrong');
    await cleanup(row);
    this.users.delete(row.id);
    this.ended(row.id, 'all', 'account removed');
  }

  /** Drops expired sessions; the hub calls this periodically. */
  sweep(): number {
    return this.sessions.deleteExpired(this.clock());
  }

  /**
   * The row behind a username and password, or undefined. The attempt is counted before the
   * slow bcrypt check and only a few may be checked at once per username and IP, so parallel
   * requests can't all slip under the limit while the first ones are still being checked.
   */
  private async checkPassword(
    username: string,
    password: string,
    client: ClientInfo,
  ): Promise<UserRow | undefined> {
    const pair = `${username.toLowerCase()}\n${client.ip}`;
    this.limit(this.loginIp, client.ip);
    this.limit(this.loginFailures, pair);
    if (!this.loginInFlight.tryAcquire(pair))
      throw new RateLimited(1, 'This login is already being checked, try again in a moment');
    this.loginIp.hit(client.ip);
    this.loginFailures.hit(pair);
    try {
      const row = this.users.byUsername(username);
      // Unknown users still pay for one bcrypt comparison, so timing doesn't tell them apart.
      // The hasher's fair share is per account: a band behind one NAT logs in side by side.
      const ok = await this.hasher.verify(
        password,
        row?.password_hash ?? TIMING_HASH,
        `login:${username.toLowerCase()}`,
      );
      if (!row || !ok) return undefined;
      this.loginFailures.reset(pair);
      return row;
    } catch (err) {
      // The hasher was too busy to check: the attempt never happened.
      if (err instanceof Overloaded) {
        this.loginIp.unhit(client.ip);
        this.loginFailures.unhit(pair);
      }
      throw err;
    } finally {
      this.loginInFlight.release(pair);
    }
  }

  private bySessionHash(hash: Buffer): Authenticated {
    const session = this.sessions.byTokenHash(hash);
    const now = this.clock();
    if (!session || session.expires_at <= now)
      throw new Unauthorized('Session expired or signed out');
    const user = this.users.byId(session.user_id);
    if (!user) throw new Unauthorized();
    // Write at most once a minute per session: reads stay cheap.
    if (now - session.last_used_at > 60_000) this.sessions.touch(session.id, now);
    return { user, session };
  }

  private ended(
    userId: number,
    sessionIds: SessionsEnded['sessionIds'],
    reason: SessionsEnded['reason'],
  ): void {
    this.safeEmit('sessions-ended', { userId, sessionIds, reason });
  }

  private limit(limiter: SlidingWindowLimiter, key: string): void {
    const wait = limiter.retryAfter(key);
    if (wait > 0) throw new RateLimited(wait);
  }

  private openSession(row: UserRow, client: ClientInfo): AuthResponse {
    const { token, hash } = newSessionToken();
    const now = this.clock();
    const expires = now + this.sessionTtlMs;
    const id = newSessionId();
    this.sessions.insert({
      id,
      user_id: row.id,
      token_hash: hash,
      created_at: now,
      expires_at: expires,
      user_agent: client.userAgent?.slice(0, 256) ?? null,
      ip: client.ip,
    });
    return {
      token,
      token_type: 'bearer',
      expires_at: isoFromMs(expires),
      session_id: id,
      user_id: String(row.id),
      user: toUser(row),
    };
  }
}
