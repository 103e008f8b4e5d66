import { create } from 'zustand';
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
import { desktopBridge } from '../app/platform.js';
import { navigate } from '../app/router.js';
import { useSession } from './session.js';

/** What the desktop app's main process reports: hosting, trust, JACK, jacktrip and voice. */
interface DesktopState {
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
  init: () => () => void;
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

const bridge = () => {
  const b = desktopBridge();
  if (!b) throw new Error('not in the desktop app');
  return b;
};

/** What a failed call says: desktopApi throws an IpcError whose message is for the person. */
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Back to the start screen, as "Switch hub" does. Its socket closes too: it would otherwise
 * keep reconnecting to that address with the token in its URL, whoever answers there later.
 */
function leaveHub(): void {
  const s = useSession.getState();
  if (!s.origin) return;
  s.socket?.close();
  useSession.setState({
    phase: 'signed-out',
    origin: null,
    client: null,
    api: null,
    socket: null,
    user: null,
  });
}

async function trusted(r: OpenResult, set: (p: Partial<DesktopState>) => void): Promise<void> {
  if (r.status !== 'trusted') {
    // A link the OS opened while a hub's screens show: its question, warning or error is on
    // the join screen, so that comes forward (a trusted link switches hubs too).
    leaveHub();
    set({ pending: r, opening: false });
    return;
  }
  set({ pending: null, opening: false });
  await useSession.getState().openHub(r.hub.origin);
  if (r.room_id) navigate({ name: 'room', roomId: r.room_id });
  const list = await bridge().invoke('hubs.list');
  set({ hubs: list.hubs, recentRooms: list.recent_rooms });
}

export const useDesktop = create<DesktopState>()((set, get) => ({
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

  init() {
    const b = bridge();
    const offs = [
      b.on('host.status', (s) => set({ host: s })),
      b.on('jack.status', (s) => set({ jack: s })),
      b.on('jacktrip.status', (s) => set({ jacktrip: s })),
      b.on('voice.status', (s) => set({ voice: s })),
      b.on('link.open', ({ link }) => void get().openLink(link)),
    ];
    void Promise.all([
      b.invoke('host.status'),
      b.invoke('hubs.list'),
      b.invoke('jack.status'),
      b.invoke('jacktrip.status'),
      b.invoke('voice.status'),
    ]).then(([host, list, jack, jacktrip, voice]) =>
      set({ host, hubs: list.hubs, recentRooms: list.recent_rooms, jack, jacktrip, voice }),
    );
    return () => offs.forEach((off) => off());
  },

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
      set({ error: message(err) });
    }
  },

  async setUpnp(enabled) {
    set({ error: null });
    try {
      set({ host: await bridge().invoke('host.setUpnp', { enabled }) });
    } catch (err) {
      set({ error: message(err) });
    }
  },

  async openLink(link) {
    set({ opening: true, pending: null, error: null });
    try {
      await trusted(await bridge().invoke('hubs.open', { link }), set);
    } catch (err) {
      set({ opening: false, error: message(err) });
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
      await trusted(r.status === 'trusted' && p.room_id ? { ...r, room_id: p.room_id } : r, set);
    } catch (err) {
      set({ opening: false, error: message(err) });
    }
  },

  async repinPending() {
    const p = get().pending;
    if (p?.status !== 'pin-changed') return;
    leaveHub();
    set({ opening: true });
    try {
      const r = await bridge().invoke('hubs.repin', {
        origin: p.origin,
        fingerprint: p.presented,
        replaces: p.pinned,
      });
      await trusted(r.status === 'trusted' && p.room_id ? { ...r, room_id: p.room_id } : r, set);
    } catch (err) {
      set({ opening: false, error: message(err) });
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
      set({ error: message(err) });
    }
  },

  setPreset(p) {
    set({ preset: p });
  },
}));

export { message as bridgeErrorMessage };
