import { confirmTrust, openLink, repin, type PeerCertificate } from '../trust.js';
import type { Desktop } from '../desktop.js';

/** Joining by link: pinning, trust on first use, remembered hubs and rooms, bearer tokens. */
export function hubsHandlers(
  d: Desktop,
  probe: (origin: string) => Promise<PeerCertificate>,
): void {
  d.router.handle('hubs.open', ({ link }) => openLink(d.trust, link, probe));
  d.router.handle('hubs.trust', ({ origin, fingerprint }) =>
    confirmTrust(d.trust, origin, fingerprint, probe),
  );
  // The saved token trusted the old pin: it goes before the new pin is written.
  d.router.handle('hubs.repin', (req) =>
    repin(d.trust, req, (origin) => d.secrets.set(origin, null), probe),
  );
  d.router.handle('hubs.forget', ({ origin }) => {
    d.trust.forget(origin);
    d.secrets.set(origin, null);
    return { ok: true as const };
  });
  d.router.handle('hubs.list', () => ({
    hubs: d.trust.hubs(),
    recent_rooms: d.trust.recentRooms(),
  }));
  d.router.handle('session.get', ({ origin }) => ({
    // Only a pinned hub gets its token back: a page can't fish for tokens of other origins.
    token: d.trust.pinned(origin) ? d.secrets.get(origin) : null,
  }));
  d.router.handle('session.set', ({ origin, token }) => {
    if (!d.trust.pinned(origin)) throw new Error(`${origin} is not a trusted hub`);
    d.secrets.set(origin, token);
    return { ok: true as const };
  });
  d.router.handle('rooms.remember', ({ origin, room_id, room_name }) => {
    if (!d.trust.pinned(origin)) throw new Error(`${origin} is not a trusted hub`);
    d.trust.rememberRoom(origin, room_id, room_name);
    return { ok: true as const };
  });
}
