// Turns a capture into the result the players download: one file per member named after
// them, the mix, a Reaper project and an Audacity list naming exactly those files, session.json,
// and manifest.json (each file's size and CRC, so the zip is described without reading it).
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingSession } from '../../../protocol/api.js';
import { MIX_FILE, audacityList, reaperProject, sessionJson, trackFileName } from './project.js';
import { Recorder } from './Recorder.js';
import { extractChannels, repairWav } from './wav.js';
import { describeFile, type ZipEntry } from './zip.js';

export const CAPTURE_FILE = 'capture.wav';
export const SLOTS_FILE = 'slots.json';
const MANIFEST = 'manifest.json';

/** What the hub knows while recording, kept beside the capture (a crashed hub finishes from it). */
export interface SlotsFile {
  room: { id: string; name: string };
  started_at: string;
  period: number;
  /** Member tracks reserved in the capture. */
  slots: number;
  /** username → slot, in the order they were given. */
  players: Record<string, number>;
}

export async function writeSlots(dir: string, s: SlotsFile): Promise<void> {
  await writeFile(join(dir, SLOTS_FILE), JSON.stringify(s));
}

/** Finishes a recording directory; answers its length in seconds and its size on disk. */
export async function finishRecording(
  dir: string,
  stopReason: string | null,
): Promise<{ seconds: number; bytes: number }> {
  const slots = JSON.parse(await readFile(join(dir, SLOTS_FILE), 'utf8')) as SlotsFile;
  const capture = join(dir, CAPTURE_FILE);
  if (!existsSync(capture)) return readManifestTotals(dir);
  const info = repairWav(capture);
  const seconds = info.frames / info.sampleRate;
  const used = new Set<string>();
  const players: RecordingSession['players'] = [];
  for (const [username, slot] of Object.entries(slots.players)) {
    let file = trackFileName(username);
    while (used.has(file) || file === MIX_FILE) file = file.replace(/\.wav$/, '_.wav');
    used.add(file);
    players.push({ username, file });
    await extractChannels(capture, join(dir, file), Recorder.channelsOf(slot));
  }
  await extractChannels(capture, join(dir, MIX_FILE), Recorder.channelsOf(slots.slots));
  const tracks = [...players.map((p) => p.file), MIX_FILE];
  const session: RecordingSession = {
    room: slots.room,
    players,
    mix: MIX_FILE,
    started_at: slots.started_at,
    length_seconds: seconds,
    sample_rate: info.sampleRate,
    bit_depth: 24,
    period_frames: slots.period,
    period_ms: (slots.period / info.sampleRate) * 1000,
    stop_reason: stopReason,
  };
  await writeFile(join(dir, 'session.rpp'), reaperProject(tracks, seconds, info.sampleRate));
  await writeFile(join(dir, 'session.lof'), audacityList(tracks));
  await writeFile(join(dir, 'session.json'), sessionJson(session));
  const names = [...tracks, 'session.rpp', 'session.lof', 'session.json'];
  const entries = await Promise.all(names.map((n) => describeFile(n, join(dir, n))));
  await writeFile(join(dir, MANIFEST), JSON.stringify(entries));
  await rm(capture);
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
