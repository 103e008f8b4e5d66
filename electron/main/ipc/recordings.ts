import type { DesktopServices } from '../services.js';
import { requirePinned } from './guards.js';
import type { ChannelsOf, Handlers } from './types.js';

/** Saving a hub's recording with the save dialog (the download runs in main, over the pin). */
export function recordingsHandlers(s: DesktopServices): Handlers<ChannelsOf<'recordings'>> {
  return {
    'recordings.save': (req) => {
      requirePinned(s.trust, req.hub);
      return s.recordings.save(req);
    },
  };
}
