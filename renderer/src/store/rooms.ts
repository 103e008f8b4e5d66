import { createStore } from 'zustand/vanilla';
import type { CreateRoomBody, RoomSummary } from '../../../protocol/api.js';
import { formatError } from '../lib/errors.js';
import { managed, type ManagedStore } from '../lib/store.js';
import type { SessionStore } from './session.js';

export interface RoomsState {
  rooms: RoomSummary[];
  /** Date.now() of the last answer: time left counts down from it. */
  fetchedAt: number;
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
  create: (body: Partial<CreateRoomBody> & { name: string }) => Promise<string | null>;
}

export type RoomsStore = ManagedStore<RoomsState>;

/** The signed-in hub's API; a 401 on it ends the session by itself (the HTTP client's latch). */
export function apiOf(session: SessionStore) {
  const api = session.getState().api;
  if (!api) throw new Error('Not signed in');
  return api;
}

/** The hub's room list. Stopped, answers still on their way are dropped. */
export function createRoomsStore(deps: { session: SessionStore }): RoomsStore {
  const { session } = deps;
  let running = false;

  const store = createStore<RoomsState>()((set) => {
    const settle = (patch: Partial<RoomsState> | ((s: RoomsState) => Partial<RoomsState>)) => {
      if (running) set(patch);
    };
    return {
      rooms: [],
      fetchedAt: 0,
      loading: false,
      error: null,

      async refresh() {
        set({ loading: true });
        try {
          const rooms = await apiOf(session).rooms();
          settle({ rooms, fetchedAt: Date.now(), loading: false, error: null });
        } catch (err) {
          settle({ loading: false, error: formatError(err) });
        }
      },

      async create(body) {
        try {
          const room = await apiOf(session).createRoom(body);
          settle((s) => ({
            rooms: [room, ...s.rooms.filter((r) => r.id !== room.id)],
            error: null,
          }));
          return room.id;
        } catch (err) {
          settle({ error: formatError(err) });
          return null;
        }
      },
    };
  });

  return managed(store, {
    start() {
      running = true;
    },
    stop() {
      running = false;
      store.setState({ rooms: [], fetchedAt: 0, loading: false, error: null });
    },
  });
}

/** Seconds left on a room, counted down locally from the last list answer. */
export function timeLeft(room: RoomSummary, fetchedAt: number, now: number): number {
  return Math.max(0, room.time_left_seconds - Math.floor((now - fetchedAt) / 1000));
}

export function formatDuration(seconds: number): string {
  if (seconds <= 0) return 'ended';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min`;
  return `${seconds} s`;
}
