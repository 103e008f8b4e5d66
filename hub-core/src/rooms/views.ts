// How rooms are shown to clients: pure functions of the stored rows and the live JACK graph.
import { isoFromMs } from '../clock.js';
import type { MemberRow, RoomRow } from '../db/rooms.js';
import { clientIsPlayer, type PatchMode } from '../../../protocol/rules.js';
import { jacktripClientArgs } from '../jacktrip/argv.js';
import { playerClients } from '../patchbay/jackGraph.js';
import type {
  JackGraph,
  JackTripConnection,
  JoinAnswer,
  Member,
  RoomSummary,
} from '../../../protocol/api.js';
import { seedJoinFields } from './seedJoin.js';

/** The JackTrip queue (-q) suggested to clients; the hub's default. */
export const QUEUE = 4;

/** What a joining player needs to connect: jacktrip's details, and the seed's fields (seedJoin.ts). */
export function joinAnswer(parts: {
  room: RoomRow;
  host: string;
  tcpPort: number;
  username: string;
  password: string;
}): JoinAnswer {
  const { room, host, tcpPort, username, password } = parts;
  const jacktrip: JackTripConnection = {
    host,
    port: tcpPort,
    username,
    password,
    remote_name: username,
    queue: QUEUE,
    args: jacktripClientArgs({
      host,
      port: tcpPort,
      remoteName: username,
      queue: QUEUE,
      username,
      password,
    }),
  };
  return {
    room_id: room.id,
    room_name: room.name,
    ...seedJoinFields(jacktrip),
    jacktrip,
    expires_at: isoFromMs(room.expires_at),
    patch_mode: room.patch_mode as PatchMode,
  };
}

/** "example.org:8000" → "example.org"; "[::1]:8000" → "::1". */
export function hostOnly(h: string | undefined): string | undefined {
  if (!h) return undefined;
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(h) ?? /^([^:]+)(?::\d+)?$/.exec(h);
  return m?.[1];
}

/** Members with `connected` from the room's JACK graph (none without a running engine). */
export function memberList(
  room: RoomRow,
  rows: readonly MemberRow[],
  graph: JackGraph | undefined,
): Member[] {
  const live = graph ? playerClients(graph) : [];
  return rows.map((m) => ({
    user_id: m.user_id,
    username: m.username,
    host: m.user_id === room.creator_id,
    connected: live.some((c) => clientIsPlayer(c, m.username)),
    joined_at: isoFromMs(m.joined_at),
  }));
}

export function roomSummary(parts: {
  room: RoomRow;
  members: readonly Member[];
  hostName: string | undefined;
  live: boolean;
  now: number;
}): RoomSummary {
  const r = parts.room;
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    host: { user_id: r.creator_id, username: parts.hostName ?? 'unknown' },
    private: r.passphrase_hash !== null,
    locked: r.locked === 1,
    participant_count: parts.members.length,
    connected_count: parts.members.filter((m) => m.connected).length,
    max_participants: r.max_participants,
    patch_mode: r.patch_mode as PatchMode,
    live: parts.live,
    created_at: isoFromMs(r.created_at),
    expires_at: isoFromMs(r.expires_at),
    time_left_seconds: Math.max(0, Math.round((r.expires_at - parts.now) / 1000)),
  };
}
