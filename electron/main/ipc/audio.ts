import type { DesktopServices } from '../services.js';
import { requirePinned } from './guards.js';
import type { ChannelsOf, Handlers } from './types.js';

/** The local JACK server and the jacktrip client. */
export function audioHandlers(
  s: DesktopServices,
): Handlers<ChannelsOf<'jack'> | ChannelsOf<'jacktrip'>> {
  return {
    'jack.status': () => s.jack.status(),
    'jack.start': async ({ device }) => {
      const status = await s.jack.start(device);
      s.push.emit('jack.status', status);
      return status;
    },
    'jacktrip.connect': ({ origin, room_id, connection, preset }) => {
      requirePinned(s.trust, origin);
      return s.jacktrip.connect({ roomId: room_id, connection, preset });
    },
    'jacktrip.disconnect': () => s.jacktrip.disconnect(),
    'jacktrip.status': () => s.jacktrip.status,
  };
}
