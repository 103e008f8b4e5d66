// Placing a recording's segments, on real WAV files written here: a roll-over's overlap found
// by its audio (to the frame, with a channel wired into one recorder a moment late), silence
// falling back to the measured times, a restart's gap, and the project files naming each part
// at its place.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../../testkit/fixtures.js';
import { overlapByContent, placeSegments } from './place.js';
import { audacityList, filesNamedIn, partFileName, reaperProject } from './project.js';
import { repairWav } from './wav.js';

const RATE = 48_000;
const dir = tempDir('backline-place-');
after(() => dir.remove());
const path = (f: string) => join(dir.path, f);

/** A 24-bit WAV of `channels` channels; sample(frame, channel) in -1..1. */
function writeWav(
  file: string,
  frames: number,
  channels: number,
  sample: (f: number, c: number) => number,
): void {
  const align = channels * 3;
  const b = Buffer.alloc(44 + frames * align);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + frames * align, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(RATE, 24);
  b.writeUInt32LE(RATE * align, 28);
  b.writeUInt16LE(align, 32);
  b.writeUInt16LE(24, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(frames * align, 40);
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < channels; c++)
      b.writeIntLE(Math.round(sample(f, c) * 0x7fffff), 44 + f * align + c * 3, 3);
  writeFileSync(path(file), b);
}

/** A noisy signal (no period), the same for the same absolute frame. */
const signal = (abs: number) => Math.sin(abs * 0.05) * 0.3 + Math.sin(abs * abs * 1e-7) * 0.2;

describe('placing segments', () => {
  it('finds a roll-over overlap by its audio, to the frame, with a late-wired channel', () => {
    // prev holds frames 0..47999 of the stream; next starts at frame 40000 (8000 overlap),
    // and its channel 3 (the mix) is wired 1000 frames late.
    writeWav('a.wav', 48_000, 4, (f, c) => (c === 0 || c === 2 ? signal(f) : 0));
    writeWav('b.wav', 30_000, 4, (f, c) =>
      c === 0 || (c === 2 && f >= 1000) ? signal(40_000 + f) : 0,
    );
    assert.equal(overlapByContent(path('a.wav'), path('b.wav'), undefined), 8000);
    assert.equal(overlapByContent(path('a.wav'), path('b.wav'), 7990), 8000);
    const placed = placeSegments(path, [
      { seg: { file: 'a.wav', after: 'start', t0: 1000 }, info: repairWav(path('a.wav')) },
      { seg: { file: 'b.wav', after: 'rollover', t0: 1833 }, info: repairWav(path('b.wav')) },
    ]);
    assert.deepEqual(
      placed.map((p) => [p.start, p.skip, p.frames, p.placedBy]),
      [
        [0, 0, 48_000, 'first'],
        [48_000, 8000, 22_000, 'content'],
      ],
    );
  });

  it('places silence by the measured times, and a restart after its gap', () => {
    writeWav('s1.wav', 48_000, 2, () => 0);
    writeWav('s2.wav', 48_000, 2, () => 0);
    writeWav('s3.wav', 24_000, 2, () => 0);
    assert.equal(overlapByContent(path('s1.wav'), path('s2.wav'), undefined), undefined);
    const placed = placeSegments(path, [
      { seg: { file: 's1.wav', after: 'start', t0: 10_000 }, info: repairWav(path('s1.wav')) },
      // Began 0.75 s into s1's 1 s: 0.25 s overlap.
      { seg: { file: 's2.wav', after: 'rollover', t0: 10_750 }, info: repairWav(path('s2.wav')) },
      // 3 s after the recording's start, after s2 ended at 1.75 s: a 1.25 s gap.
      { seg: { file: 's3.wav', after: 'restart', t0: 13_000 }, info: repairWav(path('s3.wav')) },
    ]);
    assert.deepEqual(
      placed.map((p) => [p.start, p.skip, p.frames, p.placedBy]),
      [
        [0, 0, 48_000, 'first'],
        [48_000, 12_000, 36_000, 'clock'],
        [144_000, 0, 24_000, 'clock'],
      ],
    );
  });

  it('names every part in the .rpp and .lof at its place', () => {
    const tracks = ['alice', 'mix'].map((name) => ({
      name,
      items: [
        { file: partFileName(name, 1), position: 0, length: 1 },
        { file: partFileName(name, 2), position: 3.5, length: 2 },
      ],
    }));
    const rpp = reaperProject(tracks, RATE);
    const lof = audacityList(tracks);
    const files = ['alice.wav', 'alice (part 2).wav', 'mix.wav', 'mix (part 2).wav'];
    assert.deepEqual(filesNamedIn(rpp), files);
    assert.deepEqual(filesNamedIn(lof), files);
    assert.match(rpp, /POSITION 3\.500000\s+LENGTH 2\.000000\s+NAME "alice \(part 2\)\.wav"/);
    assert.match(lof, /file "mix \(part 2\)\.wav" offset 3\.500000/);
    assert.equal((rpp.match(/<TRACK/g) ?? []).length, 2);
  });
});
