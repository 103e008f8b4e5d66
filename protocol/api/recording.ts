import { z } from 'zod';

/** `POST /rooms/{id}/recording`: the host starts or stops recording the room. */
export const RecordingAction = z
  .object({ action: z.enum(['start', 'stop']) })
  .meta({ id: 'RecordingAction' });
export type RecordingAction = z.infer<typeof RecordingAction>;

export const RecordingId = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'not a recording id');

/** One recording: live while `state` is 'recording', then 'done' (its files can be downloaded). */
export const Recording = z
  .object({
    id: z.string(),
    room_id: z.string(),
    started_by: z.object({ user_id: z.number().int(), username: z.string() }),
    started_at: z.iso.datetime(),
    stopped_at: z.iso.datetime().nullable(),
    state: z.enum(['recording', 'done']),
    /** Why it stopped: 'host', 'room_ended', 'max_length', 'disk_full', 'quota', 'recorder_died'. */
    stop_reason: z.string().nullable(),
    elapsed_seconds: z.number(),
    size_bytes: z.number().int(),
    players: z.array(z.string()),
  })
  .meta({ id: 'Recording' });
export type Recording = z.infer<typeof Recording>;

/** `GET /rooms/{id}/recording`: the room's live recording, if any. */
export const RecordingStatus = z
  .object({ recording: Recording.nullable() })
  .meta({ id: 'RecordingStatus' });
export type RecordingStatus = z.infer<typeof RecordingStatus>;

export const RecordingList = z
  .object({ recordings: z.array(Recording) })
  .meta({ id: 'RecordingList' });
export type RecordingList = z.infer<typeof RecordingList>;

/** What `session.json` in a recording's zip holds. */
export interface RecordingSession {
  room: { id: string; name: string };
  players: { username: string; file: string }[];
  mix: string;
  started_at: string;
  length_seconds: number;
  sample_rate: number;
  bit_depth: number;
  period_frames: number;
  /** One JACK period, in milliseconds (the room server's buffering latency). */
  period_ms: number;
  stop_reason: string | null;
}

/** The WebSocket message every subscriber of a room gets when its recording starts or stops. */
export interface RecordingMessage {
  type: 'recording';
  room_id: string;
  state: 'recording' | 'stopped';
  /** Who started it (the consent notice names them). */
  started_by: string;
  recording_id: string;
  message: string;
}
