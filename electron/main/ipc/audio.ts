import type { Desktop } from '../desktop.js';

/** The local JACK server and the jacktrip client. */
export function audioHandlers(d: Desktop): void {
  d.router.handle('jack.status', () => d.jack.status());
  d.router.handle('jack.start', async ({ device }) => {
    const s = await d.jack.start(device);
    d.push.emit('jack.status', s);
    return s;
  });
  d.router.handle('jacktrip.connect', ({ origin, room_id, connection, preset }) => {
    if (!d.trust.pinned(origin)) throw new Error(`${origin} is not a trusted hub`);
    return d.jacktrip.connect({ roomId: room_id, connection, preset });
  });
  d.router.handle('jacktrip.disconnect', () => d.jacktrip.disconnect());
  d.router.handle('jacktrip.status', () => d.jacktrip.status);
}
