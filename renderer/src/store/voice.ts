import { createStore } from 'zustand/vanilla';
import { formatError } from '../lib/errors.js';
import type { Platform } from '../lib/platform.js';
import type { VoiceHub, VoiceLinkStatus } from '../lib/voice.js';
import { managed, type ManagedStore } from '../lib/store.js';
import { VoiceEngine, type VoiceLevels } from '../voice/engine.js';

export interface VoiceState {
  active: boolean;
  roomId: string | null;
  muted: boolean;
  deafened: boolean;
  /** Push-to-talk key (KeyboardEvent.code), or null for an open microphone. */
  pttKey: string | null;
  pttHeld: boolean;
  volumes: Record<number, number>;
  /** user id → muted (self-mute or by the host), as the relay reports it. */
  remoteMuted: Record<number, { muted: boolean; byHost: boolean }>;
  levels: VoiceLevels;
  error: string | null;
  /** The session's state where the link reports it itself (a browser); the desktop app's is
   * main's (desktop store). */
  status: VoiceLinkStatus | null;
  /** Joins a room's voice: the relay through the platform's link, the microphone, the speakers. */
  join: (origin: string, roomId: string) => Promise<void>;
  leave: () => Promise<void>;
  setMuted: (m: boolean) => Promise<void>;
  setDeafened: (d: boolean) => void;
  setPttKey: (code: string | null) => Promise<void>;
  setVolume: (userId: number, v: number) => void;
  serverMute: (userId: number, muted: boolean) => Promise<void>;
}

export type VoiceStore = ManagedStore<VoiceState>;

const PTT_KEY_STORAGE = 'backline.pttKey';

const storedPtt = (): string | null => {
  try {
    return globalThis.localStorage?.getItem(PTT_KEY_STORAGE) ?? null;
  } catch {
    return null;
  }
};

/**
 * Voice in a room, over the platform's voice link (the desktop app: main's UDP relay client; a
 * browser: the hub's /ws/voice for the signed-in hub that `hub` returns). Stopped, it leaves
 * the room's voice and releases the microphone, the key listeners and the level timer.
 */
export function createVoiceStore(deps: {
  platform: Platform;
  hub?: () => VoiceHub | null;
}): VoiceStore {
  const link = deps.platform.voiceLink(deps.hub ?? (() => null));
  let engine: VoiceEngine | undefined;
  let offs: (() => void)[] = [];
  let levelTimer: ReturnType<typeof setInterval> | undefined;

  const store = createStore<VoiceState>()((set, get) => {
    /** Frames leave only when unmuted and (with push-to-talk) while the key is held. */
    const apply = async () => {
      const { muted, pttKey, pttHeld, active } = get();
      const sending = !muted && (pttKey === null || pttHeld);
      engine?.setSending(sending);
      if (active) await link.setMuted(!sending);
    };
    const isTyping = (e: KeyboardEvent) =>
      e.target instanceof HTMLElement &&
      (e.target.tagName === 'INPUT' ||
        e.target.tagName === 'TEXTAREA' ||
        e.target.isContentEditable);
    const onKey = (e: KeyboardEvent) => {
      const { pttKey, pttHeld } = get();
      if (!pttKey || e.code !== pttKey || isTyping(e)) return;
      const held = e.type === 'keydown';
      if (held === pttHeld) return;
      set({ pttHeld: held });
      void apply();
    };

    return {
      active: false,
      roomId: null,
      muted: false,
      deafened: false,
      pttKey: storedPtt(),
      pttHeld: false,
      volumes: {},
      remoteMuted: {},
      levels: { input: 0, speakers: {}, framesDecoded: {} },
      error: null,
      status: null,

      async join(origin, roomId) {
        if (get().active && get().roomId === roomId) return;
        await get().leave();
        set({ active: true, roomId, error: null });
        const e = (engine = new VoiceEngine(link));
        e.setDeafened(get().deafened);
        for (const [id, v] of Object.entries(get().volumes)) e.setVolume(Number(id), v);
        offs = [
          link.listen({
            frame: (f) => engine?.receive(f.speaker, f.data, f.timestamp),
            mute: (m) =>
              set((s) => ({
                remoteMuted: {
                  ...s.remoteMuted,
                  [m.user_id]: { muted: m.muted, byHost: m.by_host },
                },
              })),
            toggleMute: () => void get().setMuted(!get().muted),
            status: (status) => set({ status }),
          }),
        ];
        globalThis.addEventListener?.('keydown', onKey);
        globalThis.addEventListener?.('keyup', onKey);
        levelTimer = setInterval(() => {
          if (engine) set({ levels: engine.levels() });
        }, 100);
        try {
          try {
            await link.join(origin, roomId);
          } catch (err) {
            // In a browser the player turns voice on by hand: a failed join is off again, with
            // the reason. The desktop app keeps its session; main reports the state.
            if (!deps.platform.connectsAudio) await get().leave();
            throw err;
          }
          await e.startCapture();
          await apply();
        } catch (err) {
          set({ error: formatError(err) });
        }
      },

      async leave() {
        offs.forEach((off) => off());
        offs = [];
        globalThis.removeEventListener?.('keydown', onKey);
        globalThis.removeEventListener?.('keyup', onKey);
        clearInterval(levelTimer);
        levelTimer = undefined;
        const e = engine;
        engine = undefined;
        const wasActive = get().active;
        set({ active: false, roomId: null, remoteMuted: {}, status: null });
        await e?.close();
        if (wasActive) await link.leave().catch(() => {});
      },

      async setMuted(muted) {
        set({ muted });
        await apply();
      },

      setDeafened(deafened) {
        set({ deafened });
        engine?.setDeafened(deafened);
      },

      async setPttKey(code) {
        try {
          if (code) globalThis.localStorage?.setItem(PTT_KEY_STORAGE, code);
          else globalThis.localStorage?.removeItem(PTT_KEY_STORAGE);
        } catch {
          // Storage off: the choice lasts for this session only.
        }
        set({ pttKey: code, pttHeld: false });
        await apply();
      },

      setVolume(userId, v) {
        set((s) => ({ volumes: { ...s.volumes, [userId]: v } }));
        engine?.setVolume(userId, v);
      },

      async serverMute(userId, muted) {
        try {
          await link.serverMute(userId, muted);
        } catch (err) {
          set({ error: formatError(err) });
        }
      },
    };
  });

  return managed(store, {
    start() {},
    stop() {
      void store.getState().leave();
    },
  });
}
