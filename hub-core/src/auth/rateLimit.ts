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
