import { create } from 'zustand';
import type { CreateRoomBody, RoomSummary } from '../../../protocol/api.js';
import { ApiError } from '../transport/index.js';
import { describeError, useSession } from './session.js';

interface RoomsState {
  rooms: RoomSummary[];
  /** Date.now() of the last answer: time left counts down from it. */
  fetchedAt: number;
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
  create: (body: Partial<CreateRoomBody> & { name: string }) => Promise<string | null>;
}

export function apiOrThrow() {
  const api = useSession.getState().api;
  if (!api) throw new Error('Not signed in');
  return api;
}

/** A 401 means the session is gone: the whole app goes back to the connect screen. */
export function handleAuthLoss(err: unknown): void {
  if (err instanceof ApiError && err.status === 401) useSession.getState().expired();
}

export const useRooms = create<RoomsState>()((set) => ({
  rooms: [],
  fetchedAt: 0,
  loading: false,
  error: null,

  async refresh() {
    set({ loading: true });
    try {
      const rooms = await apiOrThrow().rooms();
      set({ rooms, fetchedAt: Date.now(), loading: false, error: null });
    } catch (err) {
      handleAuthLoss(err);
      set({ loading: false, error: describeError(err) });
    }
  },

  async create(body) {
    try {
      const room = await apiOrThrow().createRoom(body);
      set((s) => ({ rooms: [room, ...s.rooms.filter((r) => r.id !== room.id)], error: null }));
      return room.id;
    } catch (err) {
      handleAuthLoss(err);
      set({ error: describeError(err) });
      return null;
    }
  },
}));

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
