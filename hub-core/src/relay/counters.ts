// The counters' names are part of the hub's API: protocol/relay/counters.ts holds them.
import {
  RELAY_COUNTERS,
  ROOM_VOICE_COUNTERS,
  type RelayCounters,
  type RoomVoiceCounters,
} from '../../../protocol/relay.js';

export type { RelayCounters, RoomVoiceCounters };

export const emptyCounters = (): RelayCounters =>
  Object.fromEntries([...RELAY_COUNTERS, 'sessions'].map((name) => [name, 0])) as RelayCounters;

export const emptyRoomCounters = (): RoomVoiceCounters =>
  Object.fromEntries(ROOM_VOICE_COUNTERS.map((name) => [name, 0])) as RoomVoiceCounters;

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

type RoomCounterName = Exclude<keyof RoomVoiceCounters, 'sessions'>;

/** The relay's counters: its totals, and each room's share of the packets its sessions send. */
export class VoiceCounters {
  readonly total: RelayCounters = emptyCounters();
  private readonly rooms = new RoomStats();

  /** Counts one in the relay's totals. */
  count(name: Exclude<keyof RelayCounters, 'sessions'>): void {
    this.total[name]++;
  }

  /** Counts `n` (default one) in the relay's totals and in the room's. */
  countIn(roomId: string, name: RoomCounterName, n = 1): void {
    this.total[name] += n;
    this.rooms.of(roomId)[name] += n;
  }

  /** Counts one in the room's counters only (its total was counted before the room was known). */
  countRoomOnly(roomId: string, name: RoomCounterName): void {
    this.rooms.of(roomId)[name]++;
  }

  forgetRoom(roomId: string): void {
    this.rooms.forget(roomId);
  }

  snapshot(sessions: number): RelayCounters {
    return { ...this.total, sessions };
  }

  roomSnapshot(roomOfEachSession: Iterable<string>): Record<string, RoomVoiceCounters> {
    return this.rooms.snapshot(roomOfEachSession);
  }
}
