// What happens to a room, as one tagged union. Each event carries the sentence players read; the
// helpers below say what an event means for the room, so that every listener (the sockets, the
// patchbay, the relay's access list) asks the same question of the same place.
import type { RoomState, WsServerMessage } from '../../../protocol/api.js';
import type { PatchMode } from '../../../protocol/rules.js';

export type RoomEvent =
  | { kind: 'locked'; message: string }
  | { kind: 'unlocked'; message: string }
  /** The room closes soon. */
  | { kind: 'expiring'; message: string; expiresAt: string }
  /** The host closed the room, or the hub is shutting down. */
  | { kind: 'closed'; message: string }
  /** The room reached the end of its time. */
  | { kind: 'expired'; message: string }
  /** One player was removed (banned: for good); only they are told. */
  | { kind: 'kicked'; message: string; userId: number }
  | { kind: 'banned'; message: string; userId: number }
  /** The room's processes came back: players reconnect with the same details. */
  | { kind: 'restarted'; message: string }
  | { kind: 'patch_mode'; message: string; patchMode: PatchMode }
  /** The room's processes could not be brought back; they are stopped. */
  | { kind: 'failed'; message: string }
  /** A jacktrip connection named after no member (-K) was stopped; the message names it. */
  | { kind: 'refused_name'; message: string };

// The wire's `state` names every kind, and nothing else.
type SameNames<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameNames: SameNames<RoomEvent['kind'], RoomState> = true;
void sameNames;

/** The room is over for good (closed or expired): nothing of it is kept. */
export function endsRoom(e: RoomEvent): boolean {
  return e.kind === 'closed' || e.kind === 'expired';
}

/** Every player is sent away: the room ended, or its processes failed for good. */
export function sendsPlayersAway(e: RoomEvent): boolean {
  return endsRoom(e) || e.kind === 'failed';
}

/** The player the event is for alone (kicked, banned); undefined when it is for the room. */
export function targetOf(e: RoomEvent): number | undefined {
  return e.kind === 'kicked' || e.kind === 'banned' ? e.userId : undefined;
}

/** The room's wiring starts from a clean slate: it ended, or its patch mode changed. */
export function resetsWiring(e: RoomEvent): boolean {
  return endsRoom(e) || e.kind === 'patch_mode';
}

/** The `room_state` message players get (the wire format of protocol/api.ts). */
export function roomStateMessage(
  roomId: string,
  e: RoomEvent,
): Extract<WsServerMessage, { type: 'room_state' }> {
  return {
    type: 'room_state',
    room_id: roomId,
    state: e.kind,
    message: e.message,
    expires_at: e.kind === 'expiring' ? e.expiresAt : undefined,
    patch_mode: e.kind === 'patch_mode' ? e.patchMode : undefined,
  };
}
