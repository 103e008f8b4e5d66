import type { Desktop } from '../desktop.js';

/** Host a jam: start, stop and read the embedded hub. */
export function hostHandlers(d: Desktop): void {
  d.router.handle('host.start', () => d.hostedHub.start());
  d.router.handle('host.stop', () => d.hostedHub.stop());
  d.router.handle('host.status', () => d.hostedHub.status);
  d.router.handle('host.setUpnp', ({ enabled }) => d.hostedHub.setUpnp(enabled));
}
