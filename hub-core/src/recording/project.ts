// The files that open a recording in a DAW: a Reaper project (.rpp) and an Audacity list
// (.lof), both naming the track files by their bare names so that they open in place once the
// zip is unpacked, and session.json with the figures of the session.
import type { RecordingSession } from '../../../protocol/api.js';

/** A player's track file name: their username, kept to safe characters. */
export function trackFileName(username: string): string {
  return `${username.replace(/[^A-Za-z0-9._-]/g, '_')}.wav`;
}

export const MIX_FILE = 'mix.wav';

const rppString = (s: string) => `"${s.replace(/"/g, "'")}"`;

/** A Reaper project: one track per file, every item at position 0 and the full length. */
export function reaperProject(files: readonly string[], seconds: number, rate: number): string {
  const tracks = files.map(
    (f) => `  <TRACK
    NAME ${rppString(f.replace(/\.wav$/, ''))}
    <ITEM
      POSITION 0
      LENGTH ${seconds.toFixed(6)}
      NAME ${rppString(f)}
      <SOURCE WAVE
        FILE ${rppString(f)}
      >
    >
  >`,
  );
  return `<REAPER_PROJECT 0.1 "6.0" 0
  SAMPLERATE ${rate} 0 0
${tracks.join('\n')}
>
`;
}

/** An Audacity list of files: each opened as its own track, all at offset 0. */
export function audacityList(files: readonly string[]): string {
  return files.map((f) => `file "${f}" offset 0\n`).join('');
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
