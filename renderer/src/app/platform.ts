import { desktopApi, type BacklineBridge, type DesktopApi } from '../../../protocol/ipcClient.js';

/**
 * Where the renderer runs. In a browser, the hub that served the page is the only hub, and
 * its session cookie carries the login. In the desktop app the preload exposes
 * `window.backline`, which desktopApi (protocol/ipc/bridge.ts) wraps: hosting, pinned hubs,
 * the bearer token, the local JackTrip client and voice arrive through it; failed calls throw
 * an IpcError with a code, and voice frames use the session's MessagePort.
 */
export type DesktopBridge = DesktopApi;

let wrapped: { preload: object; api: DesktopApi } | undefined;

export function desktopBridge(): DesktopBridge | undefined {
  const b = (globalThis as { backline?: unknown }).backline;
  if (!b || typeof b !== 'object' || (b as { kind?: unknown }).kind !== 'desktop') return undefined;
  // One wrapper per preload object: it listens for the voice port on the window.
  if (wrapped?.preload !== b)
    wrapped = {
      preload: b,
      api: desktopApi(b as BacklineBridge, globalThis),
    };
  return wrapped.api;
}

/** The hub this page belongs to, when a hub served it (not the desktop app's own page). */
export function servingHub(): string | undefined {
  if (desktopBridge()) return undefined;
  const loc = globalThis.location as Location | undefined;
  return loc && (loc.protocol === 'https:' || loc.protocol === 'http:') ? loc.origin : undefined;
}
