import type { Clock } from '../clock.js';
import { isoFromMs } from '../clock.js';
import type { SessionRow, SessionsRepo } from '../db/sessions.js';
import type { UserRow, UsersRepo } from '../db/users.js';
import { Conflict, RateLimited, Unauthorized } from '../errors.js';
import type { AuthResponse, RegisterBody, SessionInfo, User } from '../protocol/auth.js';
import type { PasswordHasher } from './passwords.js';
import type { RateLimitRule } from './rateLimit.js';
import { SlidingWindowLimiter } from './rateLimit.js';
import { TOKEN_SHAPE, hashToken, newSessionId, newSessionToken } from './tokens.js';

export interface AuthLimits {
  /** Login attempts per client IP. Default 30 per 10 minutes. */
  loginPerIp: RateLimitRule;
  /** Failed logins per username. Default 10 per 10 minutes. */
  loginFailuresPerUser: RateLimitRule;
  /** Registrations per client IP. Default 10 per hour. */
  registerPerIp: RateLimitRule;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  loginPerIp: { limit: 30, windowMs: 10 * 60_000 },
  loginFailuresPerUser: { limit: 10, windowMs: 10 * 60_000 },
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

export class AuthService {
  private readonly loginIp: SlidingWindowLimiter;
  private readonly loginUser: SlidingWindowLimiter;
  private readonly registerIp: SlidingWindowLimiter;

  constructor(
    private readonly users: UsersRepo,
    private readonly sessions: SessionsRepo,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number,
    limits: AuthLimits = DEFAULT_AUTH_LIMITS,
  ) {
    this.loginIp = new SlidingWindowLimiter(limits.loginPerIp, clock);
    this.loginUser = new SlidingWindowLimiter(limits.loginFailuresPerUser, clock);
    this.registerIp = new SlidingWindowLimiter(limits.registerPerIp, clock);
  }

  async register(body: RegisterBody, client: ClientInfo): Promise<AuthResponse> {
    this.limit(this.registerIp, client.ip);
    this.registerIp.hit(client.ip);
    const hash = await this.hasher.hash(body.password);
    const row = this.users.insert(body.username, body.email ?? null, hash, this.clock());
    if (!row) throw new Conflict(NAME_UNAVAILABLE);
    return this.openSession(row, client);
  }

  async login(username: string, password: string, client: ClientInfo): Promise<AuthResponse> {
    const userKey = username.toLowerCase();
    this.limit(this.loginIp, client.ip);
    this.limit(this.loginUser, userKey);
    this.loginIp.hit(client.ip);
    const row = this.users.byUsername(username);
    // Unknown users still pay for one bcrypt comparison, so timing doesn't tell them apart.
    const ok = await this.hasher.verify(password, row?.password_hash ?? TIMING_HASH);
    if (!row || !ok) {
      this.loginUser.hit(userKey);
      throw new Unauthorized(BAD_LOGIN);
    }
    this.loginUser.reset(userKey);
    return this.openSession(row, client);
  }

  /** The user and session behind a bearer token, or Unauthorized. */
  authenticate(token: string | undefined): Authenticated {
    if (!token || !TOKEN_SHAPE.test(token)) throw new Unauthorized();
    const session = this.sessions.byTokenHash(hashToken(token));
    const now = this.clock();
    if (!session || session.expires_at <= now)
      throw new Unauthorized('Session expired or signed out');
    const user = this.users.byId(session.user_id);
    if (!user) throw new Unauthorized();
    // Write at most once a minute per session: reads stay cheap.
    if (now - session.last_used_at > 60_000) this.sessions.touch(session.id, now);
    return { user, session };
  }

  logout(auth: Authenticated): void {
    this.sessions.delete(auth.session.id, auth.user.id);
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
    return this.sessions.delete(id, auth.user.id);
  }

  /** Drops expired sessions; the hub calls this periodically. */
  sweep(): number {
    return this.sessions.deleteExpired(this.clock());
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
