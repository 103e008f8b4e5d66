// Where each segment of a recording goes on the timeline (frames since its first frame). A
// roll-over's segments overlap: the next file's frames that the previous one also holds are
// found by content (the same JACK cycles give the same samples) and skipped, so the two join
// to the frame. Where the content can't tell (silence), and after a restart of the room's
// audio (a gap), the times measured while recording place it.
import { statSync } from 'node:fs';
import type { SegmentEntry } from './slots.js';
import { readFrames, wavLayout, type WavInfo } from './wav.js';

export interface PlacedSegment {
  file: string;
  after: SegmentEntry['after'];
  /** Frames at the file's start already in the previous segment (a roll-over's overlap). */
  skip: number;
  /** Frames kept from the file. */
  frames: number;
  /** Where its first kept frame is, in frames since the recording's first frame. */
  start: number;
  /** How `start` was found: the first segment, matching audio, or the measured times. */
  placedBy: 'first' | 'content' | 'clock';
}

/** Frames of the previous file's end searched for in the next file. */
const PROBE_FRAMES = 2048;
/** How far into the next file the probe is searched for. */
const SEARCH_SECONDS = 10;
/** How far back from the previous file's end a probe that is not silent is looked for. */
const TAIL_SECONDS = 0.4;

/** Places segments (those with frames) one after another. */
export function placeSegments(
  dir: (file: string) => string,
  segs: readonly { seg: SegmentEntry; info: WavInfo }[],
): PlacedSegment[] {
  const out: PlacedSegment[] = [];
  const first = segs[0];
  for (const { seg, info } of segs) {
    const prev = out.at(-1);
    if (!prev || !first) {
      out.push({
        file: seg.file,
        after: seg.after,
        skip: 0,
        frames: info.frames,
        start: 0,
        placedBy: 'first',
      });
      continue;
    }
    const rate = info.sampleRate;
    const prevEnd = prev.start + prev.frames;
    const prevSeg = segs.find((s) => s.seg.file === prev.file)!;
    // The clock: when this file's first frame came, after the recording's first frame.
    const clock =
      seg.t0 !== undefined && first.seg.t0 !== undefined
        ? Math.round(((seg.t0 - first.seg.t0) / 1000) * rate)
        : undefined;
    let skip: number | undefined;
    if (seg.after === 'rollover') {
      const estimate =
        seg.t0 !== undefined && prevSeg.seg.t0 !== undefined
          ? Math.round(
              ((prevSeg.seg.t0 + (prevSeg.info.frames / rate) * 1000 - seg.t0) / 1000) * rate,
            )
          : undefined;
      skip = overlapByContent(dir(prevSeg.seg.file), dir(seg.file), estimate);
    }
    if (skip !== undefined && skip <= info.frames) {
      out.push({
        file: seg.file,
        after: seg.after,
        skip,
        frames: info.frames - skip,
        start: prevEnd,
        placedBy: 'content',
      });
      continue;
    }
    const at = clock ?? prevEnd;
    const cut = Math.min(info.frames, Math.max(0, prevEnd - at));
    out.push({
      file: seg.file,
      after: seg.after,
      skip: cut,
      frames: info.frames - cut,
      start: Math.max(at, prevEnd),
      placedBy: 'clock',
    });
  }
  return out;
}

/**
 * Frames at the start of `next` that `prev` also holds: where the last frames of `prev` are
 * found in `next`, nearest to `estimate` when they are found more than once (a steady tone
 * repeats). Undefined when they are silent or not found.
 */
export function overlapByContent(
  prev: string,
  next: string,
  estimate: number | undefined,
): number | undefined {
  const pl = wavLayout(prev);
  const nl = wavLayout(next);
  if (!pl || !nl || pl.align !== nl.align || pl.sampleRate !== nl.sampleRate) return undefined;
  const align = pl.align;
  const prevFrames = framesOf(prev, pl.dataStart, align);
  // The probe: the newest stretch of the previous file that is not silent (a player's
  // dropout may leave its very end silent), within its last TAIL_SECONDS.
  const tailFrames = Math.min(prevFrames, TAIL_SECONDS * pl.sampleRate);
  const tailStart = prevFrames - tailFrames;
  const tail = readFrames(prev, pl, tailStart, tailFrames);
  let z = tailFrames - 1;
  while (z >= 0 && isZero(tail.subarray(z * align, (z + 1) * align))) z--;
  if (z < PROBE_FRAMES) return undefined;
  const from = z + 1 - PROBE_FRAMES;
  const probe = tail.subarray(from * align, (z + 1) * align);
  // Search for the probe's loudest channel alone, then check the others: a channel may be
  // wired into one recorder a moment before the other, so a channel silent in one file may
  // differ; every channel sounding in both must be equal.
  const width = pl.bitDepth / 8;
  const channels = pl.channels;
  let loud = 0;
  let most = -1;
  for (let c = 0; c < channels; c++) {
    let n = 0;
    for (let f = 0; f < PROBE_FRAMES; f++) if (!isZero(sample(probe, f, c, align, width))) n++;
    if (n > most) [loud, most] = [c, n];
  }
  const hay = readFrames(next, nl, 0, SEARCH_SECONDS * nl.sampleRate);
  const column = channelOf(hay, loud, align, width);
  const needle = channelOf(probe, loud, align, width);
  let best: number | undefined;
  for (let at = column.indexOf(needle); at >= 0; at = column.indexOf(needle, at + 1)) {
    if (at % width !== 0) continue;
    const q = at / width;
    if (!agrees(probe, hay.subarray(q * align, (q + PROBE_FRAMES) * align), channels, align, width))
      continue;
    // The probe's first frame is `tailStart + from` in prev and `q` in next.
    const skip = q + prevFrames - (tailStart + from);
    if (best === undefined) best = skip;
    else if (estimate !== undefined && Math.abs(skip - estimate) < Math.abs(best - estimate))
      best = skip;
    if (estimate === undefined) break;
  }
  return best;
}

function framesOf(file: string, dataStart: number, align: number): number {
  return Math.max(0, Math.floor((statSync(file).size - dataStart) / align));
}

const sample = (b: Buffer, frame: number, ch: number, align: number, width: number) =>
  b.subarray(frame * align + ch * width, frame * align + (ch + 1) * width);

/** One channel's samples of interleaved frames, one after another. */
function channelOf(b: Buffer, ch: number, align: number, width: number): Buffer {
  const frames = Math.floor(b.length / align);
  const out = Buffer.alloc(frames * width);
  for (let f = 0; f < frames; f++)
    b.copy(out, f * width, f * align + ch * width, f * align + (ch + 1) * width);
  return out;
}

/** Every channel sounding in both stretches is equal in both. */
function agrees(a: Buffer, b: Buffer, channels: number, align: number, width: number): boolean {
  if (b.length !== a.length) return false;
  const frames = a.length / align;
  for (let c = 0; c < channels; c++) {
    const x = channelOf(a, c, align, width);
    const y = channelOf(b, c, align, width);
    if (x.equals(y) || isZero(x) || isZero(y)) continue;
    return false;
  }
  return frames > 0;
}

function isZero(b: Buffer): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}
