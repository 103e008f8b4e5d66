import type { Desktop } from '../desktop.js';

/** The voice channel: join and leave, frames out, mute, and the host's server mute. */
export function voiceHandlers(d: Desktop): void {
  d.router.handle('voice.join', ({ origin, room_id }) => d.voice.join(origin, room_id));
  d.router.handle('voice.leave', () => d.voice.leave());
  d.router.handle('voice.status', () => d.voice.status);
  d.router.handle('voice.send', ({ data, timestamp }) => ({ sent: d.voice.send(data, timestamp) }));
  d.router.handle('voice.mute', ({ muted }) => d.voice.mute(muted));
  d.router.handle('voice.serverMute', async ({ user_id, muted }) => {
    await d.voice.serverMute(user_id, muted);
    return { ok: true as const };
  });
}
