import type { Desktop } from '../desktop.js';

/** Host a jam: start, stop and read the embedded hub. */
export function hostHandlers(d: Desktop): void {
  d.router.handle('host.start', () => d.hubHost.start());
  d.router.handle('host.stop', () => d.hubHost.stop());
  d.router.handle('host.status', () => d.hubHost.status);
  d.router.handle('host.setUpnp', ({ enabled }) => d.hubHost.setUpnp(enabled));
}
