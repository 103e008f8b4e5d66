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
    /**
     * Why it stopped: 'host', 'room_ended', 'room_failed', 'max_length', 'disk_full', 'quota',
     * 'recorder_died'.
     */
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

/**
 * What `session.json` in a recording's zip holds. A recording is one or more parts (segments):
 * a new part starts after a restart of the room's audio engine, and before a capture file would
 * pass the WAV format's 4 GiB. Every player and the mix have one file per part.
 */
export interface RecordingSession {
  room: { id: string; name: string };
  /** `file` is the first part's file; `files` every part's, in order. */
  players: { username: string; file: string; files: string[] }[];
  mix: string;
  mix_files: string[];
  segments: {
    /** 1-based; part n's files are named `<player> (part n).wav` from 2 on. */
    part: number;
    /** What began it: the recording's start, a roll-over before 4 GiB, a restart of the room. */
    after: 'start' | 'rollover' | 'restart';
    /** Where it starts, in seconds since the recording's first frame. */
    start_seconds: number;
    length_seconds: number;
    /** How its start was found: first part, matching audio (to the frame), or measured time. */
    placed_by: 'first' | 'content' | 'clock';
  }[];
  started_at: string;
  /** From the first frame to the last part's end (gaps included). */
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
