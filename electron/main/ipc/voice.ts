import type { DesktopServices } from '../services.js';
import type { ChannelsOf, Handlers } from './types.js';

/**
 * The voice channel: join and leave, mute, and the host's server mute. Frames travel over the
 * session's MessagePort, opened on join (voicePort.ts), not over these calls.
 */
export function voiceHandlers(s: DesktopServices): Handlers<ChannelsOf<'voice'>> {
  return {
    'voice.join': ({ origin, room_id }) => {
      // The port goes out first, so the page holds it when the join answers.
      s.voicePort.open();
      return s.voice.join(origin, room_id);
    },
    'voice.leave': () => {
      s.voicePort.close();
      return s.voice.leave();
    },
    'voice.status': () => s.voice.status,
    'voice.mute': ({ muted }) => s.voice.mute(muted),
    'voice.serverMute': async ({ user_id, muted }) => {
      await s.voice.serverMute(user_id, muted);
      return { ok: true as const };
    },
  };
}
