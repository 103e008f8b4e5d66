// When to try again after something crashed: one policy for the hub's rooms, the desktop app's
// jacktrip client and its hosted hub. Pure bookkeeping, no timers and no Node: the caller owns
// the timer, and the clock is passed in.

export interface RestartPolicyOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** The delay doubles (by `factor`) after every failed try, up to this. */
  maxMs: number;
  /** Growth of the delay per try. Default 2. */
  factor?: number;
  /** Retries before giving up. */
  maxTries: number;
  /** Running this long after a (re)start earns a clean slate: the next crash is try 1 again. */
  stableMs: number;
}

/** A room's processes: 250 ms doubling to 8 s, 6 tries, reset after a minute of stable running. */
export const ROOM_RESTARTS: Readonly<RestartPolicyOptions> = Object.freeze({
  initialMs: 250,
  maxMs: 8000,
  factor: 2,
  maxTries: 6,
  stableMs: 60_000,
});

/** The delay before try `n` (1-based) under `options`. */
export function backoffDelay(options: RestartPolicyOptions, n: number): number {
  const raw = options.initialMs * (options.factor ?? 2) ** Math.max(0, n - 1);
  return Math.min(options.maxMs, raw);
}

/**
 * The state of one restartable thing under a {@link RestartPolicyOptions}: call `started()`
 * when it runs, `failed()` when it crashed or a retry failed, and wait the delay `failed()`
 * returns before the next try (`undefined`: give up).
 */
export class RestartPolicy {
  private count = 0;
  private runningSince: number | undefined;

  constructor(
    readonly options: Readonly<RestartPolicyOptions> = ROOM_RESTARTS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Retries used since the last clean slate. */
  get tries(): number {
    return this.count;
  }

  /** It runs (first start or a successful retry). */
  started(): void {
    this.runningSince = this.now();
  }

  /**
   * It crashed, or a retry failed: the delay before the next try, or undefined when the tries
   * are used up. A crash after `stableMs` of running starts counting from 1 again.
   */
  failed(): number | undefined {
    if (this.runningSince !== undefined && this.now() - this.runningSince >= this.options.stableMs)
      this.count = 0;
    this.runningSince = undefined;
    this.count++;
    if (this.count > this.options.maxTries) return undefined;
    return backoffDelay(this.options, this.count);
  }

  /** Forgets every try (a deliberate stop and start). */
  reset(): void {
    this.count = 0;
    this.runningSince = undefined;
  }
}
