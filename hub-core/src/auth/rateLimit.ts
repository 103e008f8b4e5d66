import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';

export interface RateLimitRule {
  /** How many hits a key may make within the window. */
  limit: number;
  /** The window's length in milliseconds. */
  windowMs: number;
}

/**
 * Sliding-window counter per key (an IP, a username). Memory stays bounded: old hits are
 * dropped on access, and past `maxKeys` the stalest keys are evicted.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly rule: RateLimitRule,
    private readonly clock: Clock = systemClock,
    private readonly maxKeys = 100_000,
  ) {}

  /** Seconds until the key may try again, or 0 when it may try now. Does not count a hit. */
  retryAfter(key: string): number {
    const now = this.clock();
    const list = this.live(key, now);
    if (list.length < this.rule.limit) return 0;
    const oldest = list[list.length - this.rule.limit]!;
    return Math.max(1, Math.ceil((oldest + this.rule.windowMs - now) / 1000));
  }

  hit(key: string): void {
    const now = this.clock();
    const list = this.live(key, now);
    list.push(now);
    // Re-insert so Map order is least-recently-hit first, for eviction.
    this.hits.delete(key);
    this.hits.set(key, list);
    if (this.hits.size > this.maxKeys) {
      const first = this.hits.keys().next().value;
      if (first !== undefined) this.hits.delete(first);
    }
  }

  /** Takes back the latest hit (an attempt that was never checked, e.g. the hasher was busy). */
  unhit(key: string): void {
    const list = this.hits.get(key);
    list?.pop();
    if (list?.length === 0) this.hits.delete(key);
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  private live(key: string, now: number): number[] {
    const list = this.hits.get(key);
    if (!list) return [];
    const cutoff = now - this.rule.windowMs;
    let i = 0;
    while (i < list.length && list[i]! <= cutoff) i++;
    if (i > 0) list.splice(0, i);
    if (list.length === 0) this.hits.delete(key);
    return list;
  }
}

/**
 * How many operations per key are under way right now (logins being checked). A key at its
 * cap is refused at once: parallel requests can't pile up behind a slow check.
 */
export class InFlight {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** True when the key had room (and now holds one more); pair every true with `release`. */
  tryAcquire(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }
}
