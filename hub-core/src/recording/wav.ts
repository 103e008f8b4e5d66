// WAV files as the recorder (jack_capture) leaves them. libsndfile writes the RIFF and data sizes
// when the file is closed; a recorder killed before that leaves zeros there. The hub repairs
// both from the file's real length before it reads the file, so a capture cut short is whole.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { runTool } from '../process/child.js';

export interface WavInfo {
  channels: number;
  sampleRate: number;
  bitDepth: number;
  frames: number;
  bytes: number;
}

/** Where a WAV's samples are: the data chunk's start, and bytes per frame. */
export interface WavLayout {
  channels: number;
  sampleRate: number;
  bitDepth: number;
  /** Bytes per frame (every channel). */
  align: number;
  /** Offset of the first sample, and of the data chunk's size field. */
  dataStart: number;
  sizeField: number;
}

/** The layout of an open WAV, from its header (the sizes in it are not trusted). */
function layoutOf(fd: number, file: string): WavLayout {
  const size = fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(size, 4096));
  readSync(fd, head, 0, head.length, 0);
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF')
    throw new Error(`${file} is not a WAV file`);
  if (head.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file} is not a WAV file`);
  let at = 12;
  let fmt: Omit<WavLayout, 'dataStart' | 'sizeField'> | undefined;
  while (at + 8 <= head.length) {
    const id = head.toString('ascii', at, at + 4);
    const len = head.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 24 <= head.length) {
      fmt = {
        channels: head.readUInt16LE(at + 10),
        sampleRate: head.readUInt32LE(at + 12),
        align: head.readUInt16LE(at + 20),
        bitDepth: head.readUInt16LE(at + 22),
      };
    } else if (id === 'data') {
      if (!fmt || fmt.align === 0) throw new Error(`${file}: data before fmt`);
      return { ...fmt, dataStart: at + 8, sizeField: at + 4 };
    }
    at += 8 + len + (len % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

/** The layout of a WAV (one being written too), or undefined while its header is not there. */
export function wavLayout(file: string): WavLayout | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return layoutOf(fd, file);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Fixes the RIFF and data chunk sizes of a WAV from its length on disk; drops a torn last frame. */
export function repairWav(file: string): WavInfo {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const l = layoutOf(fd, file);
    const frames = Math.floor((size - l.dataStart) / l.align);
    const dataBytes = frames * l.align;
    const fix = Buffer.alloc(4);
    fix.writeUInt32LE(dataBytes);
    writeSync(fd, fix, 0, 4, l.sizeField);
    fix.writeUInt32LE(l.dataStart + dataBytes - 8);
    writeSync(fd, fix, 0, 4, 4);
    if (l.dataStart + dataBytes < size) ftruncateSync(fd, l.dataStart + dataBytes);
    const { channels, sampleRate, bitDepth } = l;
    return { channels, sampleRate, bitDepth, frames, bytes: l.dataStart + dataBytes };
  } finally {
    closeSync(fd);
  }
}

/** Reads frames `from..from+count-1` of a WAV's data (fewer at its end). */
export function readFrames(file: string, l: WavLayout, from: number, count: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, count) * l.align);
    const n = readSync(fd, buf, 0, buf.length, l.dataStart + from * l.align);
    return buf.subarray(0, n - (n % l.align));
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes channels (1-based) of a WAV to their own 24-bit WAV with sox, from frame `skip` on
 * and for `frames` frames (all the rest when undefined).
 */
export async function extractChannels(
  src: string,
  dest: string,
  channels: readonly number[],
  skip = 0,
  frames?: number,
): Promise<void> {
  const trim =
    skip > 0 || frames !== undefined
      ? ['trim', `${skip}s`, ...(frames !== undefined ? [`${frames}s`] : [])]
      : [];
  const r = await runTool(
    'sox',
    [src, '-b', '24', dest, ...trim, 'remix', ...channels.map(String)],
    process.env,
    600_000,
  );
  if (r.code !== 0) throw new Error(`sox could not split ${src}: ${r.stderr.slice(0, 300)}`);
}
