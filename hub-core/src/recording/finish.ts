// Turns a capture into the result the players download: one file per member and segment named
// after them, the mix, a Reaper project and an Audacity list naming exactly those files at their
// places, session.json, and manifest.json (each file's size and CRC, so the zip is described
// without reading it).
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingSession } from '../../../protocol/api.js';
import { placeSegments } from './place.js';
import {
  MIX_NAME,
  audacityList,
  partFileName,
  reaperProject,
  sessionJson,
  trackBaseName,
  type ProjectTrack,
} from './project.js';
import { Recorder } from './Recorder.js';
import { CAPTURE_FILE, SLOTS_FILE, type SegmentEntry, type SlotsFile } from './slots.js';
import { extractChannels, repairWav, type WavInfo } from './wav.js';
import { describeFile, type ZipEntry } from './zip.js';

const MANIFEST = 'manifest.json';

/** Finishes a recording directory; answers its length in seconds and its size on disk. */
export async function finishRecording(
  dir: string,
  stopReason: string | null,
): Promise<{ seconds: number; bytes: number }> {
  const slots = JSON.parse(await readFile(join(dir, SLOTS_FILE), 'utf8')) as SlotsFile;
  const segs = (slots.segments ?? [{ file: CAPTURE_FILE, after: 'start' }]).filter((s) =>
    existsSync(join(dir, s.file)),
  );
  if (segs.length === 0) return readManifestTotals(dir);
  const read: { seg: SegmentEntry; info: WavInfo }[] = [];
  for (const seg of segs) {
    try {
      read.push({ seg, info: repairWav(join(dir, seg.file)) });
    } catch {
      // A recorder that died before writing its header left nothing to keep.
    }
  }
  const withFrames = read.filter((r) => r.info.frames > 0);
  const placed = placeSegments(
    (f) => join(dir, f),
    withFrames.length ? withFrames : read.slice(0, 1),
  );
  const rate = read[0]?.info.sampleRate ?? 48_000;

  const used = new Set<string>([MIX_NAME]);
  const tracks: (ProjectTrack & { slotChannels: number[]; username?: string })[] = [];
  for (const [username, slot] of Object.entries(slots.players)) {
    let base = trackBaseName(username);
    while (used.has(base)) base += '_';
    used.add(base);
    tracks.push({ name: base, username, items: [], slotChannels: Recorder.channelsOf(slot) });
  }
  tracks.push({ name: MIX_NAME, items: [], slotChannels: Recorder.channelsOf(slots.slots) });
  for (const [i, p] of placed.entries()) {
    for (const t of tracks) {
      const file = partFileName(t.name, i + 1);
      await extractChannels(join(dir, p.file), join(dir, file), t.slotChannels, p.skip, p.frames);
      t.items.push({ file, position: p.start / rate, length: p.frames / rate });
    }
  }
  const last = placed.at(-1);
  const seconds = last ? (last.start + last.frames) / rate : 0;
  const mix = tracks.at(-1)!;
  const session: RecordingSession = {
    room: slots.room,
    players: tracks
      .filter((t) => t.username !== undefined)
      .map((t) => ({
        username: t.username!,
        file: t.items[0]?.file ?? partFileName(t.name, 1),
        files: t.items.map((x) => x.file),
      })),
    mix: mix.items[0]?.file ?? partFileName(MIX_NAME, 1),
    mix_files: mix.items.map((x) => x.file),
    segments: placed.map((p, i) => ({
      part: i + 1,
      after: p.after,
      start_seconds: p.start / rate,
      length_seconds: p.frames / rate,
      placed_by: p.placedBy,
    })),
    started_at: slots.started_at,
    length_seconds: seconds,
    sample_rate: rate,
    bit_depth: 24,
    period_frames: slots.period,
    period_ms: (slots.period / rate) * 1000,
    stop_reason: stopReason,
  };
  await writeFile(join(dir, 'session.rpp'), reaperProject(tracks, rate));
  await writeFile(join(dir, 'session.lof'), audacityList(tracks));
  await writeFile(join(dir, 'session.json'), sessionJson(session));
  const names = [
    ...tracks.flatMap((t) => t.items.map((x) => x.file)),
    'session.rpp',
    'session.lof',
    'session.json',
  ];
  const entries = await Promise.all(names.map((n) => describeFile(n, join(dir, n))));
  await writeFile(join(dir, MANIFEST), JSON.stringify(entries));
  for (const s of segs) await rm(join(dir, s.file), { force: true });
  return { seconds, bytes: entries.reduce((n, e) => n + e.size, 0) };
}

async function readManifestTotals(dir: string): Promise<{ seconds: number; bytes: number }> {
  const entries = await readManifest(dir);
  const session = JSON.parse(await readFile(join(dir, 'session.json'), 'utf8')) as RecordingSession;
  return { seconds: session.length_seconds, bytes: entries.reduce((n, e) => n + e.size, 0) };
}

/** The zip's entries of a finished recording, with their paths on disk. */
export async function readManifest(dir: string): Promise<ZipEntry[]> {
  const entries = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as ZipEntry[];
  return entries.map((e) => ({ ...e, path: join(dir, e.name) }));
}
