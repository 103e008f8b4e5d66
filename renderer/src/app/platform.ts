/**
 * Where the renderer runs. In a browser, the hub that served the page is the only hub, and
 * its session cookie carries the login. In the desktop app (issue E) the preload exposes
 * `window.backline`; hosting, the local JackTrip client and voice arrive through it. Until
 * then the renderer offers only what works in a browser, and says so.
 */
export interface DesktopBridge {
  readonly kind: 'desktop';
}

export function desktopBridge(): DesktopBridge | undefined {
  const b = (globalThis as { backline?: unknown }).backline;
  return b && typeof b === 'object' ? (b as DesktopBridge) : undefined;
}

/** The hub this page belongs to, when served by one (http(s) pages only). */
export function servingHub(): string | undefined {
  const loc = globalThis.location as Location | undefined;
  return loc && (loc.protocol === 'https:' || loc.protocol === 'http:') ? loc.origin : undefined;
}
