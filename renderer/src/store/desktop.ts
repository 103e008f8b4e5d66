import { createStore } from 'zustand/vanilla';
import type {
  BufferPreset,
  HostStatus,
  JackStatus,
  JackTripStatus,
  OpenResult,
  PinnedHub,
  RecentRoom,
  VoiceStatus,
} from '../../../protocol/ipc.js';
import type { Route } from '../../../protocol/rules.js';
import { formatError } from '../lib/errors.js';
import type { DesktopBridge } from '../lib/platform.js';
import { managed, type ManagedStore } from '../lib/store.js';
import type { SessionStore } from './session.js';

/** What the desktop app's main process reports: hosting, trust, JACK, jacktrip and voice. */
export interface DesktopState {
  host: HostStatus;
  hubs: PinnedHub[];
  recentRooms: RecentRoom[];
  /**
   * The last link decision the person has to see: a first-use question, a pinned hub whose
   * certificate a link says has changed, or a refusal.
   */
  pending: OpenResult | null;
  opening: boolean;
  jack: JackStatus | null;
  jacktrip: JackTripStatus | null;
  voice: VoiceStatus | null;
  preset: BufferPreset;
  error: string | null;
  toggleHost: () => Promise<void>;
  setUpnp: (enabled: boolean) => Promise<void>;
  openLink: (link: string) => Promise<void>;
  trustPending: () => Promise<void>;
  /** The person chose to trust a pinned hub's new certificate: re-pin; they sign in again. */
  repinPending: () => Promise<void>;
  dismissPending: () => void;
  refreshJack: () => Promise<void>;
  startJack: (device: string) => Promise<void>;
  setPreset: (p: BufferPreset) => void;
}

export type DesktopStore = ManagedStore<DesktopState>;

export interface DesktopDeps {
  /** The desktop app's main process; none in a browser, where this store stays idle. */
  bridge: DesktopBridge | undefined;
  session: SessionStore;
  navigate: (route: Route) => void;
}

/**
 * The desktop app's side of things, as main reports it. Started, it follows main's status
 * pushes and opened links; stopped, it stops following them.
 */
export function createDesktopStore(deps: DesktopDeps): DesktopStore {
  const { session, navigate } = deps;
  const bridge = () => {
    if (!deps.bridge) throw new Error('not in the desktop app');
    return deps.bridge;
  };
  let offs: (() => void)[] = [];

  const store = createStore<DesktopState>()((set, get) => {
    const trusted = async (r: OpenResult): Promise<void> => {
      if (r.status !== 'trusted') {
        // A link the OS opened while a hub's screens show: its question, warning or error is
        // on the join screen, so that comes forward (a trusted link switches hubs too).
        session.getState().leaveHub();
        set({ pending: r, opening: false });
        return;
      }
      set({ pending: null, opening: false });
      await session.getState().open(r.hub.origin);
      if (r.room_id) navigate({ name: 'room', roomId: r.room_id });
      const list = await bridge().invoke('hubs.list');
      set({ hubs: list.hubs, recentRooms: list.recent_rooms });
    };

    return {
      host: { state: 'stopped', upnp: true },
      hubs: [],
      recentRooms: [],
      pending: null,
      opening: false,
      jack: null,
      jacktrip: null,
      voice: null,
      preset: 'normal',
      error: null,

      async toggleHost() {
        const b = bridge();
        set({ error: null });
        try {
          const running = get().host.state === 'running';
          const s = await b.invoke(running ? 'host.stop' : 'host.start');
          set({ host: s });
          // The host's own app joins its hub like any player, over loopback, pinned.
          if (s.state === 'running' && s.local_url && s.fingerprint)
            await get().openLink(`${s.local_url}/#fp=${s.fingerprint}`);
        } catch (err) {
          set({ error: formatError(err) });
        }
      },

      async setUpnp(enabled) {
        set({ error: null });
        try {
          set({ host: await bridge().invoke('host.setUpnp', { enabled }) });
        } catch (err) {
          set({ error: formatError(err) });
        }
      },

      async openLink(link) {
        set({ opening: true, pending: null, error: null });
        try {
          await trusted(await bridge().invoke('hubs.open', { link }));
        } catch (err) {
          set({ opening: false, error: formatError(err) });
        }
      },

      async trustPending() {
        const p = get().pending;
        if (p?.status !== 'needs-trust') return;
        set({ opening: true });
        try {
          const r = await bridge().invoke('hubs.trust', {
            origin: p.origin,
            fingerprint: p.fingerprint,
          });
          await trusted(r.status === 'trusted' && p.room_id ? { ...r, room_id: p.room_id } : r);
        } catch (err) {
          set({ opening: false, error: formatError(err) });
        }
      },

      async repinPending() {
        const p = get().pending;
        if (p?.status !== 'pin-changed') return;
        session.getState().leaveHub();
        set({ opening: true });
        try {
          const r = await bridge().invoke('hubs.repin', {
            origin: p.origin,
            fingerprint: p.presented,
            replaces: p.pinned,
          });
          await trusted(r.status === 'trusted' && p.room_id ? { ...r, room_id: p.room_id } : r);
        } catch (err) {
          set({ opening: false, error: formatError(err) });
        }
      },

      dismissPending() {
        set({ pending: null });
      },

      async refreshJack() {
        set({ jack: await bridge().invoke('jack.status') });
      },

      async startJack(device) {
        set({ error: null });
        try {
          set({ jack: await bridge().invoke('jack.start', { device }) });
        } catch (err) {
          set({ error: formatError(err) });
        }
      },

      setPreset(p) {
        set({ preset: p });
      },
    };
  });

  return managed(store, {
    start() {
      const b = deps.bridge;
      if (!b) return;
      offs = [
        b.on('host.status', (s) => store.setState({ host: s })),
        b.on('jack.status', (s) => store.setState({ jack: s })),
        b.on('jacktrip.status', (s) => store.setState({ jacktrip: s })),
        b.on('voice.status', (s) => store.setState({ voice: s })),
        b.on('link.open', ({ link }) => void store.getState().openLink(link)),
      ];
      void Promise.all([
        b.invoke('host.status'),
        b.invoke('hubs.list'),
        b.invoke('jack.status'),
        b.invoke('jacktrip.status'),
        b.invoke('voice.status'),
      ]).then(([host, list, jack, jacktrip, voice]) => {
        if (offs.length)
          store.setState({
            host,
            hubs: list.hubs,
            recentRooms: list.recent_rooms,
            jack,
            jacktrip,
            voice,
          });
      });
    },
    stop() {
      offs.forEach((off) => off());
      offs = [];
    },
  });
}
