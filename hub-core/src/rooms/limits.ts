// The limits that keep one account from taking a hub's rooms or guessing their passphrases.
import { SlidingWindowLimiter } from '../auth/rateLimit.js';
import type { Clock } from '../clock.js';
import { Conflict, RateLimited } from '../errors.js';

export interface PassphraseLimits {
  /** Wrong passphrases per room and user in the window. */
  perUser: number;
  /** Wrong passphrases per client IP in the window, across users and rooms. */
  perIp: number;
  windowMs: number;
  /** Checks running at once per room and user, and per client IP. */
  inFlightPerUser: number;
  inFlightPerIp: number;
}

export const DEFAULT_PASSPHRASE_LIMITS: PassphraseLimits = {
  perUser: 5,
  perIp: 20,
  windowMs: 10 * 60_000,
  inFlightPerUser: 1,
  inFlightPerIp: 4,
};

export interface RoomLimits {
  /** Rooms one user may create per 10 minutes. */
  creationsPerUser: number;
  /** Open rooms one user may host at once: each can hold one of the machine's few JACK slots. */
  openPerUser: number;
  passphrase: PassphraseLimits;
}

export const DEFAULT_ROOM_LIMITS: RoomLimits = {
  creationsPerUser: 10,
  openPerUser: 3,
  passphrase: DEFAULT_PASSPHRASE_LIMITS,
};

/** Room creation: a sliding window per user, and a cap on the open rooms one user hosts. */
export class CreationGuard {
  private readonly window: SlidingWindowLimiter;

  constructor(
    private readonly limits: RoomLimits,
    clock: Clock,
  ) {
    this.window = new SlidingWindowLimiter(
      { limit: limits.creationsPerUser, windowMs: 10 * 60_000 },
      clock,
    );
  }

  /**
   * Counts a creation by `userId`, who hosts `open` rooms now; throws RateLimited or the cap's
   * Conflict. Call it before the slow passphrase hash, so a burst cannot queue bcrypt work past
   * the limit.
   */
  begin(userId: number, open: number): void {
    const key = String(userId);
    const wait = this.window.retryAfter(key);
    if (wait > 0) throw new RateLimited(wait, 'Too many new rooms, try again later');
    if (open >= this.limits.openPerUser) throw this.full();
    this.window.hit(key);
  }

  get openPerUser(): number {
    return this.limits.openPerUser;
  }

  full(): Conflict {
    const n = this.limits.openPerUser;
    return new Conflict(
      `You already host ${n} open room${n === 1 ? '' : 's'}: close one before creating another`,
    );
  }
}

/** One passphrase check under way; settle it exactly once. */
export interface Attempt {
  /** A wrong passphrase stays counted; a right one, or a check that could not run, is refunded. */
  settle(result: 'wrong' | 'right' | 'unchecked'): void;
}

/**
 * Limits passphrase guessing. An attempt is counted when it starts, before the slow bcrypt
 * check, so a burst of parallel guesses meets the limit as a sequence would; attempts in
 * flight are capped too, so a burst cannot queue more bcrypt work than the limit allows.
 */
export class PassphraseGuard {
  private readonly hits = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limits: PassphraseLimits,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  /**
   * Runs `verify` (the bcrypt comparison) as one attempt by `userId` on `roomId` from `ip`:
   * true when the passphrase was right. Throws RateLimited, without verifying, past a limit.
   */
  async check(
    roomId: string,
    userId: number,
    ip: string,
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    const attempt = this.begin(roomId, userId, ip);
    let result: 'wrong' | 'right' | 'unchecked' = 'unchecked';
    try {
      result = (await verify()) ? 'right' : 'wrong';
    } finally {
      attempt.settle(result);
    }
    return result === 'right';
  }

  /** Starts an attempt by `userId` on `roomId` from `ip`, or throws RateLimited. */
  begin(roomId: string, userId: number, ip: string): Attempt {
    const l = this.limits;
    const user = `u:${roomId}:${userId}`;
    const addr = `ip:${ip}`;
    const now = this.clock();
    const userWait = this.retryAfter(user, l.perUser, now);
    if (userWait > 0)
      throw new RateLimited(userWait, 'Too many wrong passphrases, try again later');
    const ipWait = this.retryAfter(addr, l.perIp, now);
    if (ipWait > 0)
      throw new RateLimited(
        ipWait,
        'Too many wrong passphrases from your address, try again later',
      );
    if (
      (this.inFlight.get(user) ?? 0) >= l.inFlightPerUser ||
      (this.inFlight.get(addr) ?? 0) >= l.inFlightPerIp
    )
      throw new RateLimited(1, 'A passphrase check is already running, try again in a moment');
    for (const k of [user, addr]) {
      this.record(k, now);
      this.inFlight.set(k, (this.inFlight.get(k) ?? 0) + 1);
    }
    let settled = false;
    return {
      settle: (result) => {
        if (settled) return;
        settled = true;
        for (const k of [user, addr]) {
          const n = (this.inFlight.get(k) ?? 1) - 1;
          if (n > 0) this.inFlight.set(k, n);
          else this.inFlight.delete(k);
          if (result !== 'wrong') this.refund(k, now);
        }
      },
    };
  }

  private retryAfter(key: string, limit: number, now: number): number {
    const list = this.live(key, now);
    if (list.length < limit) return 0;
    const oldest = list[list.length - limit]!;
    return Math.max(1, Math.ceil((oldest + this.limits.windowMs - now) / 1000));
  }

  private record(key: string, at: number): void {
    const list = this.live(key, at);
    list.push(at);
    // Least recently hit first, so the stalest key is the one evicted.
    this.hits.delete(key);
    this.hits.set(key, list);
    if (this.hits.size > this.maxKeys) {
      const first = this.hits.keys().next().value;
      if (first !== undefined) this.hits.delete(first);
    }
  }

  private refund(key: string, at: number): void {
    const list = this.hits.get(key);
    const i = list?.lastIndexOf(at) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    if (list?.length === 0) this.hits.delete(key);
  }

  private live(key: string, now: number): number[] {
    const list = this.hits.get(key);
    if (!list) return [];
    const cutoff = now - this.limits.windowMs;
    let i = 0;
    while (i < list.length && list[i]! <= cutoff) i++;
    if (i > 0) list.splice(0, i);
    if (list.length === 0) this.hits.delete(key);
    return list;
  }
}
