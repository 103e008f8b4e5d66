/** Milliseconds since the epoch. Injected so tests can move time instead of sleeping. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export const isoFromMs = (ms: number): string => new Date(ms).toISOString();
