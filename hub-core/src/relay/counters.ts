/** The relay's hub-wide counters (GET /health under `relay`, GET /metrics). */
export const COUNTERS = [
  'received',
  'forwarded',
  'handshakes_ok',
  'handshakes_refused',
  'dropped_oversized',
  'dropped_malformed',
  'dropped_unauthenticated',
  'dropped_spoofed',
  'dropped_replayed',
  'dropped_rate_limited',
  'dropped_muted',
  'dropped_not_joined',
  'sessions_timed_out',
] as const;
export type RelayCounters = Record<(typeof COUNTERS)[number], number> & { sessions: number };

export const emptyCounters = (): RelayCounters =>
  Object.fromEntries([...COUNTERS.map((c) => [c, 0]), ['sessions', 0]]) as RelayCounters;

/** What the room's host sees (GET /rooms/{id}/voice-stats): packets of that room's sessions. */
export interface RoomVoiceCounters {
  received: number;
  forwarded: number;
  dropped_replayed: number;
  dropped_rate_limited: number;
  dropped_muted: number;
  dropped_not_joined: number;
  sessions: number;
}

export const emptyRoomCounters = (): RoomVoiceCounters => ({
  received: 0,
  forwarded: 0,
  dropped_replayed: 0,
  dropped_rate_limited: 0,
  dropped_muted: 0,
  dropped_not_joined: 0,
  sessions: 0,
});

/** Each room's voice counters, for GET /rooms/{id}/voice-stats. */
export class RoomStats {
  private readonly byRoom = new Map<string, RoomVoiceCounters>();

  of(roomId: string): RoomVoiceCounters {
    let c = this.byRoom.get(roomId);
    if (!c) this.byRoom.set(roomId, (c = emptyRoomCounters()));
    return c;
  }

  forget(roomId: string): void {
    this.byRoom.delete(roomId);
  }

  /** The rooms that have (or had) voice sessions, with `roomOfEachSession` counted live. */
  snapshot(roomOfEachSession: Iterable<string>): Record<string, RoomVoiceCounters> {
    const out: Record<string, RoomVoiceCounters> = {};
    for (const [id, c] of this.byRoom) out[id] = { ...c, sessions: 0 };
    for (const roomId of roomOfEachSession) (out[roomId] ??= emptyRoomCounters()).sessions++;
    return out;
  }
}
