import { SafeEmitter } from '../events.js';

/** Every resource's events: `died` once it stopped by itself after a successful start. */
export type ResourceEvents = { died: [Error] };

/** Any resource, whatever its events. */
export interface AnyResource {
  readonly pids: number[];
  readonly closing: boolean;
  close(): Promise<void>;
}

/**
 * Something with a lifetime that owns processes or threads (a JACK server, a jacktrip hub, a
 * room, the voice relay). The pattern, written once:
 *
 * - it is made by an async static `create` that resolves once it is ready, built with
 *   {@link Resource.launch}: a failed start rejects `create` and leaves nothing running;
 * - `died` is emitted at most once, and only after a successful start: an exit during the
 *   start is the start's failure, never a `died`;
 * - `close()` stops it, is safe to call twice (the second call returns the same promise), and
 *   after it nothing it owns runs; a process exiting because of `close()` is not a death;
 * - `pids` lists the processes it owns (for /health, tests and logs).
 */
export abstract class Resource<
  T extends ResourceEvents & Record<keyof T, unknown[]> = ResourceEvents,
> extends SafeEmitter<T> {
  private closePromise: Promise<void> | undefined;
  private started = false;
  private death: Error | undefined;

  /** The processes it owns (positive PIDs only). */
  abstract get pids(): number[];

  /** Stops what it owns; called once, by `close()`. */
  protected abstract dispose(): Promise<void>;

  /** True once `close()` was called (it may still be stopping). */
  get closing(): boolean {
    return this.closePromise !== undefined;
  }

  /** True once it stopped by itself (after `died`, or during its start). */
  get dead(): boolean {
    return this.death !== undefined;
  }

  close(): Promise<void> {
    if (!this.closePromise) {
      try {
        this.closePromise = this.dispose();
      } catch (err) {
        this.closePromise = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return this.closePromise;
  }

  /**
   * Reports that it stopped by itself. Ignored while closing and after the first death. During
   * the start it is only remembered: {@link Resource.launch} turns it into the start's failure.
   */
  protected die(err: Error): void {
    if (this.closing || this.death) return;
    this.death = err;
    if (this.started) (this.safeEmit as (e: 'died', err: Error) => boolean)('died', err);
  }

  /**
   * The body of a `create`: runs `ready` on a freshly built resource. When `ready` throws, or
   * the resource died meanwhile, the resource is closed and the start rejects; otherwise the
   * resource counts as started from now on, and a later death is a `died`.
   */
  protected static async launch<R extends AnyResource>(
    resource: R,
    ready: (resource: R) => Promise<void>,
  ): Promise<R> {
    const self = resource as unknown as Resource;
    try {
      await ready(resource);
      if (self.death) throw self.death;
    } catch (err) {
      await self.close().catch(() => undefined);
      throw err;
    }
    self.started = true;
    return resource;
  }
}
