import type { BacklineBridge } from '../../../protocol/ipc.js';

/**
 * Where the renderer runs. In a browser, the hub that served the page is the only hub, and
 * its session cookie carries the login. In the desktop app the preload exposes
 * `window.backline` (typed from protocol/ipc.ts): hosting, pinned hubs, the bearer token,
 * the local JackTrip client and voice arrive through it.
 */
export type DesktopBridge = BacklineBridge;

export function desktopBridge(): DesktopBridge | undefined {
  const b = (globalThis as { backline?: unknown }).backline;
  return b && typeof b === 'object' && (b as { kind?: unknown }).kind === 'desktop'
    ? (b as DesktopBridge)
    : undefined;
}

/** The hub this page belongs to, when a hub served it (not the desktop app's own page). */
export function servingHub(): string | undefined {
  if (desktopBridge()) return undefined;
  const loc = globalThis.location as Location | undefined;
  return loc && (loc.protocol === 'https:' || loc.protocol === 'http:') ? loc.origin : undefined;
}
