// The files that open a recording in a DAW: a Reaper project (.rpp) and an Audacity list
// (.lof), both naming the track files by their bare names so that they open in place once the
// zip is unpacked, each part at its place on the timeline, and session.json with the figures
// of the session.
import type { RecordingSession } from '../../../protocol/api.js';

/** A player's track name: their username, kept to safe characters. */
export function trackBaseName(username: string): string {
  return username.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A player's track file for segment 1: `<name>.wav`. */
export function trackFileName(username: string): string {
  return partFileName(trackBaseName(username), 1);
}

/** The file of a track's part `n`: `alice.wav`, then `alice (part 2).wav`, ... */
export function partFileName(base: string, n: number): string {
  return n === 1 ? `${base}.wav` : `${base} (part ${n}).wav`;
}

export const MIX_NAME = 'mix';
export const MIX_FILE = partFileName(MIX_NAME, 1);

/** A track of the project: its parts, each placed in seconds since the recording started. */
export interface ProjectTrack {
  name: string;
  items: { file: string; position: number; length: number }[];
}

const rppString = (s: string) => `"${s.replace(/"/g, "'")}"`;

/** A Reaper project: one track per player and the mix, each part an item at its place. */
export function reaperProject(tracks: readonly ProjectTrack[], rate: number): string {
  const out = tracks.map(
    (t) => `  <TRACK
    NAME ${rppString(t.name)}
${t.items
  .map(
    (i) => `    <ITEM
      POSITION ${i.position.toFixed(6)}
      LENGTH ${i.length.toFixed(6)}
      NAME ${rppString(i.file)}
      <SOURCE WAVE
        FILE ${rppString(i.file)}
      >
    >`,
  )
  .join('\n')}
  >`,
  );
  return `<REAPER_PROJECT 0.1 "6.0" 0
  SAMPLERATE ${rate} 0 0
${out.join('\n')}
>
`;
}

/** An Audacity list of files: each part opened as its own track, at its offset in seconds. */
export function audacityList(tracks: readonly ProjectTrack[]): string {
  return tracks
    .flatMap((t) => t.items.map((i) => `file "${i.file}" offset ${i.position.toFixed(6)}\n`))
    .join('');
}

/** The files a .rpp or .lof names, in order (tests and tools read them back). */
export function filesNamedIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:FILE|file) "([^"]+)"/g)) out.push(m[1]!);
  return out;
}

export function sessionJson(s: RecordingSession): string {
  return JSON.stringify(s, null, 2) + '\n';
}
