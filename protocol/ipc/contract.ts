// The IPC contract between the renderer and the desktop app's main process, declared once.
// `Invoke`: renderer → main, answers a Promise. `Push`: main → renderer events. Main parses
// every argument with these schemas (electron/main/ipc/router.ts); preload exposes exactly
// these channels (electron/preload/index.ts); the renderer's `window.backline` is typed from
// them (bridge.ts). Voice frames are not here: they use a MessagePort (voicePort.ts).
// Environment-neutral: imports only zod and the hub API's schemas.
import { z } from 'zod';
import { ReachStatus } from '../api/reach.js';
import { RecordingId } from '../api/recording.js';
import { JackTripConnection, RoomId } from '../api/rooms.js';
import type { InvokeChannel, PushChannel } from './channels.js';

/** An https:// (or, for a hub run with --insecure-http, http://) origin: scheme, host, port. */
export const HubOrigin = z
  .string()
  .max(300)
  .regex(/^https?:\/\/[^/?#\s]+$/, 'not a hub origin like https://host:8000');

/** SHA-256 certificate fingerprint as Node and the hub print it: 32 hex bytes with colons. */
export const Fingerprint = z
  .string()
  .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'not a SHA-256 fingerprint (AA:BB:...)');

export const HostState = z.enum(['stopped', 'starting', 'running', 'stopping', 'failed']);
export const HostStatus = z.object({
  state: HostState,
  /** The URL the host's own app uses (loopback). */
  local_url: z.string().optional(),
  /** What to send friends: backline://<lan address>:<port>/?fp=<fingerprint>. */
  share_link: z.string().optional(),
  /** The same as an https:// link, for a browser (the fingerprint rides in the fragment). */
  web_link: z.string().optional(),
  lan_address: z.string().optional(),
  port: z.number().int().optional(),
  fingerprint: Fingerprint.optional(),
  /** Why the hub failed to start or stopped on its own. */
  error: z.string().optional(),
  /** "Open my router's ports automatically" (on by default, remembered); absent means on. */
  upnp: z.boolean().optional(),
  /** Can friends on the internet reach the hub: the router's answer, while running. */
  reach: ReachStatus.optional(),
  /**
   * For friends on the internet: backline://<public address>:<external port>/?fp=...; present
   * only while `reach` says they can use it.
   */
  internet_link: z.string().optional(),
  internet_web_link: z.string().optional(),
});
export type HostStatus = z.infer<typeof HostStatus>;

export const PinnedHub = z.object({
  origin: HubOrigin,
  fingerprint: Fingerprint,
  first_seen: z.iso.datetime(),
  last_used: z.iso.datetime(),
});
export type PinnedHub = z.infer<typeof PinnedHub>;

export const RecentRoom = z.object({
  origin: HubOrigin,
  room_id: RoomId,
  room_name: z.string().max(200),
  joined_at: z.iso.datetime(),
});
export type RecentRoom = z.infer<typeof RecentRoom>;

/**
 * The answer to opening a link: trusted, needs a first-use decision, a pinned hub whose
 * certificate a link says has changed (needs an explicit re-pin), or refused.
 */
export const OpenResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal('trusted'), hub: PinnedHub, room_id: RoomId.optional() }),
  z.object({
    status: z.literal('needs-trust'),
    origin: HubOrigin,
    fingerprint: Fingerprint,
    room_id: RoomId.optional(),
  }),
  z.object({
    status: z.literal('pin-changed'),
    origin: HubOrigin,
    /** The fingerprint this hub is pinned to. */
    pinned: Fingerprint,
    /** The fingerprint the link vouches for, which the hub presents now. */
    presented: Fingerprint,
    room_id: RoomId.optional(),
    message: z.string(),
  }),
  z.object({
    status: z.literal('mismatch'),
    origin: HubOrigin,
    expected: Fingerprint,
    actual: Fingerprint,
    message: z.string(),
  }),
  z.object({ status: z.literal('unreachable'), origin: HubOrigin, message: z.string() }),
  z.object({ status: z.literal('invalid'), message: z.string() }),
]);
export type OpenResult = z.infer<typeof OpenResult>;

export const JackStatus = z.object({
  running: z.boolean(),
  /** The JACK server the app's jacktrip uses (JACK_DEFAULT_SERVER), `default` if unset. */
  server: z.string(),
  /** Sound cards the one-click start can use (ALSA `hw:` names); `dummy` is always there. */
  devices: z.array(z.object({ id: z.string(), label: z.string() })),
  /** True when this app started the server (and will stop it on quit). */
  owned: z.boolean(),
  message: z.string(),
});
export type JackStatus = z.infer<typeof JackStatus>;

export const BufferPreset = z.enum(['tight', 'normal', 'safe']);
export type BufferPreset = z.infer<typeof BufferPreset>;

export const JackTripState = z.enum([
  'idle',
  'connecting',
  'connected',
  'reconnecting',
  'failed',
  'stopped',
]);
export const JackTripStatus = z.object({
  state: JackTripState,
  /** A person-readable line: what is happening, or why it failed. */
  message: z.string(),
  room_id: z.string().optional(),
  preset: BufferPreset,
  /** jacktrip -q, in packets. */
  queue: z.number().int(),
  /** The local JACK server's period in frames, when known. */
  period: z.number().int().optional(),
  /** Round trip to the hub in ms (voice relay heartbeats), when known. */
  rtt_ms: z.number().optional(),
  attempt: z.number().int(),
  /** When the next reconnect attempt starts (epoch ms). */
  retry_at: z.number().optional(),
  local_port: z.number().int().optional(),
  /** The local JACK client name jacktrip registered (`-J`). */
  jack_client: z.string().optional(),
});
export type JackTripStatus = z.infer<typeof JackTripStatus>;

export const VoiceState = z.enum(['off', 'joining', 'live', 'failed']);
export const VoiceStatus = z.object({
  state: VoiceState,
  message: z.string(),
  room_id: z.string().optional(),
  user_id: z.number().int().optional(),
  muted: z.boolean(),
  /** The host muted this player on the relay. */
  server_muted: z.boolean(),
  rtt_ms: z.number().optional(),
  frames_sent: z.number().int(),
  frames_received: z.number().int(),
});
export type VoiceStatus = z.infer<typeof VoiceStatus>;

/** What the page asks main to save: a finished recording of a pinned hub. */
export const SaveRecordingRequest = z.object({
  hub: HubOrigin,
  recordingId: RecordingId,
  /** For the file name the save dialog suggests: the room's name and the recording's start. */
  room_name: z.string().max(200).optional(),
  started_at: z.iso.datetime().optional(),
});
export type SaveRecordingRequest = z.infer<typeof SaveRecordingRequest>;

/** The end of a save: the zip is complete at `path`, or the person cancelled the dialog. */
export const SaveRecordingResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal('saved'), path: z.string(), bytes: z.number().int().nonnegative() }),
  z.object({ status: z.literal('cancelled') }),
]);
export type SaveRecordingResult = z.infer<typeof SaveRecordingResult>;

/** How far a save has come: bytes on disk of the zip's total (a resumed save starts above 0). */
export const SaveRecordingProgress = z.object({
  hub: HubOrigin,
  recordingId: RecordingId,
  received: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type SaveRecordingProgress = z.infer<typeof SaveRecordingProgress>;

const Ok = z.object({ ok: z.literal(true) });
const None = z.tuple([]);

/** Renderer → main calls: [arguments tuple, answer]. */
export const invokeSchemas = {
  'host.start': [None, HostStatus],
  'host.stop': [None, HostStatus],
  'host.status': [None, HostStatus],
  /** The "Open my router's ports automatically" switch; applies at once while hosting. */
  'host.setUpnp': [z.tuple([z.object({ enabled: z.boolean() })]), HostStatus],
  /** A pasted or opened link (backline://, https://, or a bare host:port). */
  'hubs.open': [z.tuple([z.object({ link: z.string().max(2000) })]), OpenResult],
  /** Trust on first use: pins the fingerprint the person confirmed, if it is still the hub's. */
  'hubs.trust': [z.tuple([z.object({ origin: HubOrigin, fingerprint: Fingerprint })]), OpenResult],
  /**
   * The person chose to replace a hub's pin (after `pin-changed`): pins `fingerprint` if the
   * hub presents it and is still pinned to `replaces`, and deletes the hub's saved token.
   */
  'hubs.repin': [
    z.tuple([z.object({ origin: HubOrigin, fingerprint: Fingerprint, replaces: Fingerprint })]),
    OpenResult,
  ],
  'hubs.forget': [z.tuple([z.object({ origin: HubOrigin })]), Ok],
  'hubs.list': [None, z.object({ hubs: z.array(PinnedHub), recent_rooms: z.array(RecentRoom) })],
  /** The bearer token main keeps for a hub (encrypted at rest where the OS allows). */
  'session.get': [
    z.tuple([z.object({ origin: HubOrigin })]),
    z.object({ token: z.string().nullable() }),
  ],
  'session.set': [
    z.tuple([z.object({ origin: HubOrigin, token: z.string().min(1).max(500).nullable() })]),
    Ok,
  ],
  'rooms.remember': [
    z.tuple([z.object({ origin: HubOrigin, room_id: RoomId, room_name: z.string().max(200) })]),
    Ok,
  ],
  'jack.status': [None, JackStatus],
  'jack.start': [z.tuple([z.object({ device: z.string().max(100) })]), JackStatus],
  'jacktrip.connect': [
    z.tuple([
      z.object({
        origin: HubOrigin,
        room_id: RoomId,
        connection: JackTripConnection,
        preset: BufferPreset,
      }),
    ]),
    JackTripStatus,
  ],
  'jacktrip.disconnect': [None, JackTripStatus],
  'jacktrip.status': [None, JackTripStatus],
  'voice.join': [z.tuple([z.object({ origin: HubOrigin, room_id: RoomId })]), VoiceStatus],
  'voice.leave': [None, VoiceStatus],
  'voice.status': [None, VoiceStatus],
  'voice.mute': [z.tuple([z.object({ muted: z.boolean() })]), VoiceStatus],
  /** Host only: mute or unmute a player for everyone. */
  'voice.serverMute': [
    z.tuple([z.object({ user_id: z.number().int().positive(), muted: z.boolean() })]),
    Ok,
  ],
  /**
   * Saves a finished recording as a zip: main asks where (the save dialog), downloads it from
   * the hub over the pinned connection with the saved token, and answers where it is.
   */
  'recordings.save': [z.tuple([SaveRecordingRequest]), SaveRecordingResult],
  'app.notify': [
    z.tuple([z.object({ title: z.string().min(1).max(100), body: z.string().max(300) })]),
    Ok,
  ],
  /** Opens an http(s) page in the system browser; anything else is refused. */
  'app.openExternal': [z.tuple([z.object({ url: z.string().max(2000) })]), Ok],
} as const satisfies { readonly [C in InvokeChannel]: readonly [z.ZodTuple, z.ZodType] };

/** Main → renderer events. */
export const pushSchemas = {
  'host.status': HostStatus,
  'jack.status': JackStatus,
  'jacktrip.status': JackTripStatus,
  'voice.status': VoiceStatus,
  'voice.mute': z.object({ user_id: z.number().int(), muted: z.boolean(), by_host: z.boolean() }),
  'recordings.progress': SaveRecordingProgress,
  /** A backline:// link the OS handed to the app (a second launch, or a click). */
  'link.open': z.object({ link: z.string() }),
  /** The tray's mute item. */
  'voice.toggleMute': z.object({}),
} as const satisfies { readonly [C in PushChannel]: z.ZodType };
export type InvokeArgs<C extends InvokeChannel> = z.infer<(typeof invokeSchemas)[C][0]>;
export type InvokeResult<C extends InvokeChannel> = z.infer<(typeof invokeSchemas)[C][1]>;
export type PushPayload<C extends PushChannel> = z.infer<(typeof pushSchemas)[C]>;
