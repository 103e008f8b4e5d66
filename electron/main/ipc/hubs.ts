import { confirmTrust, openLink, repin } from '../trust.js';
import type { DesktopServices } from '../services.js';
import { isPinned, requirePinned } from './guards.js';
import type { ChannelsOf, Handlers } from './types.js';

/** Joining by link: pinning, trust on first use, remembered hubs and rooms, bearer tokens. */
export function hubsHandlers(
  s: DesktopServices,
): Handlers<ChannelsOf<'hubs'> | ChannelsOf<'session'> | ChannelsOf<'rooms'>> {
  return {
    'hubs.open': ({ link }) => openLink(s.trust, link, s.probe),
    'hubs.trust': ({ origin, fingerprint }) => confirmTrust(s.trust, origin, fingerprint, s.probe),
    // The saved token trusted the old pin: it goes before the new pin is written.
    'hubs.repin': (req) => repin(s.trust, req, (origin) => s.secrets.set(origin, null), s.probe),
    'hubs.forget': ({ origin }) => {
      s.trust.forget(origin);
      s.secrets.set(origin, null);
      return { ok: true as const };
    },
    'hubs.list': () => ({ hubs: s.trust.hubs(), recent_rooms: s.trust.recentRooms() }),
    'session.get': ({ origin }) => ({
      // Only a pinned hub gets its token back: a page can't fish for tokens of other origins.
      token: isPinned(s.trust, origin) ? s.secrets.get(origin) : null,
    }),
    'session.set': ({ origin, token }) => {
      requirePinned(s.trust, origin);
      s.secrets.set(origin, token);
      return { ok: true as const };
    },
    'rooms.remember': ({ origin, room_id, room_name }) => {
      requirePinned(s.trust, origin);
      s.trust.rememberRoom(origin, room_id, room_name);
      return { ok: true as const };
    },
  };
}
