// What the hub keeps beside a running recording's capture (slots.json): who is on which
// channels, and the capture's segments. A hub that died mid-recording finishes from it.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The capture of a recording made before segments (one file). */
export const CAPTURE_FILE = 'capture.wav';
/** The capture file of segment `n` (1-based). */
export const segmentFile = (n: number) => `capture-${n}.wav`;
export const SLOTS_FILE = 'slots.json';

/** One segment of a capture. */
export interface SegmentEntry {
  file: string;
  /** What started it: the recording's start, a roll-over before 4 GiB, or the room's restart. */
  after: 'start' | 'rollover' | 'restart';
  /** performance.now() (ms) of its first frame, as measured while recording. */
  t0?: number;
}

/** What the hub knows while recording, kept beside the capture (a crashed hub finishes from it). */
export interface SlotsFile {
  room: { id: string; name: string };
  started_at: string;
  period: number;
  /** Member tracks reserved in the capture. */
  slots: number;
  /** username → slot, in the order they were given. */
  players: Record<string, number>;
  /** The capture's segments, in order (absent: the one file CAPTURE_FILE). */
  segments?: SegmentEntry[];
}

let writes = 0;
/** Writes the slots file whole (a new file renamed over the old: never half written). */
export async function writeSlots(dir: string, s: SlotsFile): Promise<void> {
  const tmp = join(dir, `${SLOTS_FILE}.${process.pid}.${++writes}`);
  await writeFile(tmp, JSON.stringify(s));
  await rename(tmp, join(dir, SLOTS_FILE));
}
