import { z } from 'zod';
import {
  DEFAULT_PATCH_MODE,
  PATCH_MODE_MEANING,
  PATCH_MODES,
  type PatchMode,
} from '../rules/patchMode.js';
import { ROOM_ID_PATTERN } from '../rules/routes.js';
import type { GraphDelta } from '../rules/graphDelta.js';
import type { JackGraph } from './patchbay.js';
import { PortName } from './patchbay.js';
import type { RecordingMessage } from './recording.js';

const utf8 = new TextEncoder();
// Printable text: no control characters (a name is shown in lists and logs), and no invisible
// format characters (Unicode Cf: bidirectional overrides such as U+202E, zero-width spaces and
// joiners, soft hyphens), which let one name pass for another.
const printable = /^[^\p{Cc}\p{Cf}]*$/u;
const printableMessage = (field: string) =>
  `${field} must not contain control characters or invisible formatting characters (such as U+202E)`;

export const RoomId = z.string().regex(ROOM_ID_PATTERN, 'room id is malformed');
export const RoomParams = z.object({ id: RoomId });

export const PatchModeValue = z
  .union(PATCH_MODES.map((mode) => z.literal(mode)))
  .describe(PATCH_MODES.map((mode) => `${mode}: ${PATCH_MODE_MEANING[mode]}`).join('; '));

export const CreateRoomBody = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'name is required')
      .max(64, 'name must be at most 64 characters')
      .regex(printable, printableMessage('name')),
    description: z.string().max(500).regex(printable, printableMessage('description')).optional(),
    passphrase: z
      .string()
      .min(4, 'passphrase must be at least 4 characters')
      .refine((p) => utf8.encode(p).length <= 72, {
        message: 'passphrase must be at most 72 bytes (UTF-8)',
      })
      .optional(),
    max_participants: z.number().int().min(2).max(16).default(4),
    duration_minutes: z.number().int().min(1).max(1440).default(180),
    patch_mode: PatchModeValue.default(DEFAULT_PATCH_MODE),
  })
  .meta({ id: 'CreateRoomBody' });
export type CreateRoomBody = z.infer<typeof CreateRoomBody>;

export const Member = z.object({
  user_id: z.number().int(),
  username: z.string(),
  host: z.boolean(),
  /** True while this member's jacktrip client is connected to the room's hub. */
  connected: z.boolean(),
  joined_at: z.iso.datetime(),
});
export type Member = z.infer<typeof Member>;

export const RoomSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    host: z.object({ user_id: z.number().int(), username: z.string() }),
    private: z.boolean(),
    locked: z.boolean(),
    participant_count: z.number().int(),
    connected_count: z.number().int(),
    max_participants: z.number().int(),
    patch_mode: PatchModeValue,
    live: z.boolean().describe("the room's JackTrip hub is running"),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    time_left_seconds: z.number().int(),
  })
  .meta({ id: 'RoomSummary' });
export type RoomSummary = z.infer<typeof RoomSummary>;

export const RoomDetail = RoomSummary.extend({
  members: z.array(Member),
  you: z.object({ member: z.boolean(), host: z.boolean() }),
}).meta({ id: 'RoomDetail' });
export type RoomDetail = z.infer<typeof RoomDetail>;

export const JoinBody = z
  .object({ passphrase: z.string().max(200).optional() })
  .meta({ id: 'JoinBody' });

export const JackTripConnection = z
  .object({
    host: z.string(),
    port: z.number().int().describe("the room hub's TCP handshake port (jacktrip -P)"),
    username: z.string(),
    password: z
      .string()
      .describe('short-lived: replaced on every join, removed on leave, kick or ban'),
    remote_name: z.string().describe('jacktrip -K: the name your ports get on the hub'),
    queue: z.number().int(),
    args: z
      .array(z.string())
      .describe('suggested jacktrip arguments (add -J, -B and your own options)'),
  })
  .meta({ id: 'JackTripConnection' });
export type JackTripConnection = z.infer<typeof JackTripConnection>;

/** The answer to a join: the seed's fields plus everything a client needs to connect. */
export const JoinAnswer = z
  .object({
    room_id: z.string(),
    room_name: z.string(),
    hub_host: z.string(),
    port: z.number().int(),
    jacktrip_port: z.number().int(),
    jacktrip_flags: z.array(z.string()),
    jacktrip: JackTripConnection,
    expires_at: z.iso.datetime(),
    patch_mode: PatchModeValue,
  })
  .meta({ id: 'JoinAnswer' });
export type JoinAnswer = z.infer<typeof JoinAnswer>;

export const UserRef = z.object({ user_id: z.number().int().positive() });
export const LockBody = z.object({ locked: z.boolean() });
export const PatchModeBody = z.object({ patch_mode: PatchModeValue });
export const OkAnswer = z.object({ status: z.literal('ok'), room_id: z.string() });

export const CHAT_MAX_CHARS = 1000;
export const ChatBody = z
  .object({ body: z.string().max(4 * CHAT_MAX_CHARS, 'message is too long') })
  .meta({ id: 'ChatBody' });
export const ChatMessage = z
  .object({
    id: z.number().int(),
    room_id: z.string(),
    user_id: z.number().int(),
    username: z.string(),
    body: z.string(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'ChatMessage' });
export type ChatMessage = z.infer<typeof ChatMessage>;
export const ChatQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export type RoomState =
  | 'locked'
  | 'unlocked'
  | 'expiring'
  | 'closed'
  | 'expired'
  | 'kicked'
  | 'banned'
  | 'restarted'
  | 'patch_mode'
  | 'failed'
  /** A jacktrip connection named after no member (-K) was stopped; the message names it. */
  | 'refused_name';

/** Messages a WebSocket client may send. */
export const WsClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), room_id: RoomId }),
  z.object({ type: z.literal('unsubscribe'), room_id: RoomId }),
  z.object({ type: z.literal('chat'), room_id: RoomId, body: z.string().max(4 * CHAT_MAX_CHARS) }),
  z.object({ type: z.literal('connect'), room_id: RoomId, source: PortName, dest: PortName }),
  z.object({ type: z.literal('disconnect'), room_id: RoomId, source: PortName, dest: PortName }),
  z.object({ type: z.literal('refresh'), room_id: RoomId }),
  z.object({ type: z.literal('ping') }),
]);
export type WsClientMessage = z.infer<typeof WsClientMessage>;

/** Messages the hub sends over the WebSocket. */
export type WsServerMessage =
  | { type: 'hello'; user: { id: number; username: string } }
  | { type: 'subscribed'; room_id: string }
  /**
   * The room's whole graph (on subscribe, on `refresh`): `seq` names this version of it. A
   * subscriber keeps it and applies the `graph_delta`s that follow.
   */
  | { type: 'graph'; room_id: string; data: JackGraph; seq: number }
  /**
   * A change to the graph whose version is `prev`, giving version `seq`. A subscriber whose
   * graph is not version `prev` missed a change: it asks for the whole graph (`refresh`).
   */
  | { type: 'graph_delta'; room_id: string; seq: number; prev: number; delta: GraphDelta }
  | { type: 'participants'; room_id: string; members: Member[] }
  | { type: 'chat'; room_id: string; message: ChatMessage }
  | { type: 'chat_history'; room_id: string; messages: ChatMessage[] }
  | {
      type: 'room_state';
      room_id: string;
      state: RoomState;
      message: string;
      expires_at?: string;
      patch_mode?: PatchMode;
    }
  | RecordingMessage
  | { type: 'error'; code: string; message: string; room_id?: string }
  | { type: 'pong' };
