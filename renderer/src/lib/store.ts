import type { StoreApi } from 'zustand/vanilla';

/**
 * A store with an explicit lifetime: built by its factory (store/*.ts) with what it depends
 * on, started once by the composition (app/stores.ts), and stopped there, which releases
 * everything it holds (sockets, listeners, timers). Nothing lives at module level.
 */
export interface ManagedStore<S> extends StoreApi<S> {
  start(): void;
  stop(): void;
}

export function managed<S>(
  store: StoreApi<S>,
  lifetime: { start(): void; stop(): void },
): ManagedStore<S> {
  return Object.assign(store, lifetime);
}
