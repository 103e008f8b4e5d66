import type { DesktopServices } from '../services.js';
import type { ChannelsOf, Handlers } from './types.js';

/** Host a jam: start, stop and read the embedded hub. */
export function hostHandlers(s: DesktopServices): Handlers<ChannelsOf<'host'>> {
  return {
    'host.start': () => s.hostedHub.start(),
    'host.stop': () => s.hostedHub.stop(),
    'host.status': () => s.hostedHub.status,
    'host.setUpnp': ({ enabled }) => s.hostedHub.setUpnp(enabled),
  };
}
