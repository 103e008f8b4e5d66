import { EventEmitter } from 'node:events';

/**
 * EventEmitter whose `safeEmit` never lets a throwing listener corrupt the emitter's state
 * (mediasoup's enhancedEvents). Errors from listeners are handed to `onListenerError`.
 */
export class SafeEmitter<T extends Record<keyof T, unknown[]>> extends EventEmitter<T> {
  onListenerError: (event: string, err: unknown) => void = (event, err) => {
    console.error(`listener for "${event}" threw:`, err);
  };

  safeEmit<K extends keyof T & string>(event: K, ...args: T[K]): boolean {
    try {
      // EventEmitter's generic signature is looser than our map; the call is type-safe by K.
      return (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.onListenerError(event, err);
      return true;
    }
  }
}
