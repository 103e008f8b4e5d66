import { useCallback, useEffect, useRef } from 'react';
import { PlatformPeg, type DesktopBridge } from '../lib/platform.js';
import { useDesktop, useRoom, useSession, useStores } from '../store/context.js';

/**
 * The desktop app's side effects of being in a room: once the player has a join answer, their
 * app starts jacktrip and joins voice; when the room ends or they leave, both stop. Renders
 * nothing, and lives above the screens, so opening the patchbay doesn't drop the audio.
 */
export function DesktopDriver({ bridge }: { bridge: DesktopBridge }) {
  const stores = useStores();
  const join = useRoom((s) => s.join);
  const ended = useRoom((s) => s.view?.ended ?? false);
  const origin = useSession((s) => s.origin);
  const jackRunning = useDesktop((s) => s.jack?.running ?? false);
  const connectAudio = useConnectAudio();

  const live = !!join && !ended && !!origin;
  useEffect(() => {
    if (!live || !join || !origin) return;
    void bridge.invoke('rooms.remember', {
      origin,
      room_id: join.room_id,
      room_name: join.room_name,
    });
    const voice = stores.voice.getState();
    void voice.join(origin, join.room_id);
    return () => {
      void voice.leave();
    };
  }, [bridge, stores, live, join, origin]);

  useEffect(() => {
    if (!live || !jackRunning) return;
    void connectAudio();
    return () => {
      void bridge.invoke('jacktrip.disconnect');
    };
  }, [bridge, connectAudio, live, jackRunning, join]);

  // Notifications: a player joined, the room is about to expire.
  const members = useRoom((s) => s.view?.members);
  const banner = useRoom((s) => s.view?.banner);
  const me = useSession((s) => s.user?.id);
  const seen = useRef<{ room: string | null; ids: Set<number> }>({ room: null, ids: new Set() });
  useEffect(() => {
    if (banner?.tone === 'warn') PlatformPeg.get().notify(banner.text);
  }, [banner]);
  useEffect(() => {
    if (!members || !live || !join) return;
    const connected = members.filter((m) => m.connected && m.user_id !== me);
    // The first snapshot of a room is who was already there: only later arrivals notify.
    if (seen.current.room !== join.room_id) {
      seen.current = { room: join.room_id, ids: new Set(connected.map((m) => m.user_id)) };
      return;
    }
    for (const m of connected) {
      if (seen.current.ids.has(m.user_id)) continue;
      seen.current.ids.add(m.user_id);
      PlatformPeg.get().notify(`${m.username} joined the jam`);
    }
  }, [members, me, live, join]);
  return null;
}

/** (Re)starts the local jacktrip with the current join answer and buffer preset. */
export function useConnectAudio(): () => Promise<void> {
  const stores = useStores();
  return useCallback(async () => {
    const bridge = PlatformPeg.get().desktop;
    const join = stores.room.getState().join;
    const origin = stores.session.getState().origin;
    if (!bridge || !join || !origin) return;
    await bridge.invoke('jacktrip.connect', {
      origin,
      room_id: join.room_id,
      connection: join.jacktrip,
      preset: stores.desktop.getState().preset,
    });
  }, [stores]);
}
