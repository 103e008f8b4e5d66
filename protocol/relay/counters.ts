// The voice relay's counters, by name: the hub counts them in its relay worker and reports them
// in GET /health (`relay`), GET /metrics and, per room, GET /rooms/{id}/voice-stats.

/** Hub-wide counters of packets and handshakes; `sessions` (live now) is reported beside them. */
export const RELAY_COUNTERS = [
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
export type RelayCounters = Record<(typeof RELAY_COUNTERS)[number] | 'sessions', number>;

/** What a room's host sees: the packets of that room's sessions, and its live sessions. */
export const ROOM_VOICE_COUNTERS = [
  'received',
  'forwarded',
  'dropped_replayed',
  'dropped_rate_limited',
  'dropped_muted',
  'dropped_not_joined',
  'sessions',
] as const satisfies readonly (keyof RelayCounters)[];
export type RoomVoiceCounters = Record<(typeof ROOM_VOICE_COUNTERS)[number], number>;
