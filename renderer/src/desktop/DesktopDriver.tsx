import { useEffect } from 'react';
import { desktopBridge } from '../app/platform.js';
import { useDesktop } from '../store/desktop.js';
import { useRoom } from '../store/room.js';
import { useSession } from '../store/session.js';
import { useVoice } from '../store/voice.js';

/**
 * The desktop app's side effects of being in a room: once the player has a join answer, their
 * app starts jacktrip and joins voice; when the room ends or they leave, both stop. Renders
 * nothing, and lives above the screens, so opening the patchbay doesn't drop the audio.
 */
export function DesktopDriver() {
  const join = useRoom((s) => s.join);
  const ended = useRoom((s) => s.view?.ended ?? false);
  const origin = useSession((s) => s.origin);
  const jackRunning = useDesktop((s) => s.jack?.running ?? false);
  const init = useDesktop((s) => s.init);

  useEffect(() => init(), [init]);

  const live = !!join && !ended && !!origin;
  useEffect(() => {
    const bridge = desktopBridge();
    if (!bridge || !live || !join || !origin) return;
    void bridge.invoke('rooms.remember', {
      origin,
      room_id: join.room_id,
      room_name: join.room_name,
    });
    void useVoice.getState().start(origin, join.room_id);
    return () => {
      void useVoice.getState().stop();
    };
  }, [live, join, origin]);

  useEffect(() => {
    if (!live || !jackRunning) return;
    void connectAudio();
    return () => {
      void desktopBridge()?.invoke('jacktrip.disconnect');
    };
  }, [live, jackRunning, join]);

  // Notifications: a player joined, the room is about to expire.
  const members = useRoom((s) => s.view?.members);
  const banner = useRoom((s) => s.view?.banner);
  const me = useSession((s) => s.user?.id);
  useEffect(() => {
    if (banner?.tone === 'warn')
      void desktopBridge()?.invoke('app.notify', {
        title: 'Backline',
        body: banner.text.slice(0, 300),
      });
  }, [banner]);
  useEffect(() => {
    if (!members || !live || !join) return;
    const connected = members.filter((m) => m.connected && m.user_id !== me);
    // The first snapshot of a room is who was already there: only later arrivals notify.
    if (seen.room !== join.room_id) {
      seen.room = join.room_id;
      seen.ids = new Set(connected.map((m) => m.user_id));
      return;
    }
    for (const m of connected) {
      if (seen.ids.has(m.user_id)) continue;
      seen.ids.add(m.user_id);
      void desktopBridge()?.invoke('app.notify', {
        title: 'Backline',
        body: `${m.username} joined the jam`.slice(0, 300),
      });
    }
  }, [members, me, live, join]);
  return null;
}

const seen: { room: string | null; ids: Set<number> } = { room: null, ids: new Set() };

/** (Re)starts the local jacktrip with the current join answer and buffer preset. */
export async function connectAudio(): Promise<void> {
  const bridge = desktopBridge();
  const join = useRoom.getState().join;
  const origin = useSession.getState().origin;
  if (!bridge || !join || !origin) return;
  await bridge.invoke('jacktrip.connect', {
    origin,
    room_id: join.room_id,
    connection: join.jacktrip,
    preset: useDesktop.getState().preset,
  });
}
