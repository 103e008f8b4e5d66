/** One step of a teardown: a function, or anything with `close()`. */
export type Teardown = () => unknown;

export interface Closable {
  close(): unknown;
}

/**
 * A stack of things to stop, in the style of `AsyncDisposableStack` (and VS Code's
 * DisposableStore): register each part as it is made (`use`, `defer`), and `dispose()` stops
 * them in reverse order. Every step runs even when one throws; the errors are collected, handed
 * to `onError` as they happen, and reported together at the end (an `AggregateError`).
 * `dispose()` is safe to call twice: the second call returns the same promise.
 */
export class TeardownStack {
  private steps: { label: string; fn: Teardown }[] = [];
  private disposing: Promise<void> | undefined;

  constructor(private readonly onError: (err: unknown, label: string) => void = () => {}) {}

  /** Runs `fn` at disposal (after everything registered later). */
  defer(fn: Teardown, label = 'step'): void {
    if (this.disposing) throw new Error(`teardown stack already disposed (adding "${label}")`);
    this.steps.push({ label, fn });
  }

  /** Registers `resource.close()` and returns the resource. */
  use<R extends Closable>(resource: R, label = resource.constructor.name): R {
    this.defer(() => resource.close(), label);
    return resource;
  }

  /** Number of steps waiting. */
  get size(): number {
    return this.steps.length;
  }

  get disposed(): boolean {
    return this.disposing !== undefined;
  }

  /**
   * A new stack with every step of this one; this one ends up empty and disposed. A
   * constructor moves its parts out once it has succeeded, and disposes the rest on failure.
   */
  move(): TeardownStack {
    if (this.disposing) throw new Error('teardown stack already disposed');
    const next = new TeardownStack(this.onError);
    next.steps = this.steps;
    this.steps = [];
    this.disposing = Promise.resolve();
    return next;
  }

  /** Runs every step, last registered first; rejects with an AggregateError if any failed. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      const errors: unknown[] = [];
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        try {
          await step.fn();
        } catch (err) {
          errors.push(err);
          try {
            this.onError(err, step.label);
          } catch {
            // a reporter that throws changes nothing: the error is collected above
          }
        }
      }
      if (errors.length > 0)
        throw new AggregateError(errors, `${errors.length} teardown step(s) failed`);
    })();
    return this.disposing;
  }
}
