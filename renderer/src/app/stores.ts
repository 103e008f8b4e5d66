import type { Platform } from '../lib/platform.js';
import { navigate } from '../lib/router.js';
import type { Stores } from '../store/context.js';
import { createDesktopStore } from '../store/desktop.js';
import { createRoomStore } from '../store/room.js';
import { createRoomsStore } from '../store/rooms.js';
import { createSessionStore } from '../store/session.js';
import { createVoiceStore } from '../store/voice.js';

/** The app's stores, composed in one place: each gets what it depends on, nothing global. */
export interface AppStores extends Stores {
  /** Starts every store, each after those it depends on. */
  start(): void;
  /** Stops them in the reverse order. */
  stop(): void;
}

export function createStores(platform: Platform): AppStores {
  const session = createSessionStore({ platform });
  const rooms = createRoomsStore({ session });
  const room = createRoomStore({ session });
  const voice = createVoiceStore({ platform, hub: () => session.getState().client });
  const desktop = createDesktopStore({ bridge: platform.desktop, session, navigate });
  const order = [session, rooms, room, voice, desktop];
  return {
    session,
    rooms,
    room,
    voice,
    desktop,
    start() {
      for (const s of order) s.start();
    },
    stop() {
      for (const s of [...order].reverse()) s.stop();
    },
  };
}
