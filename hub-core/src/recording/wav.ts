// WAV files as jack_rec leaves them. libsndfile writes the RIFF and data sizes when the file is
// closed; a recorder killed before that leaves zeros there. The hub repairs both from the
// file's real length before it reads the file, so a capture cut short is still whole.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { runTool } from '../process/child.js';

export interface WavInfo {
  channels: number;
  sampleRate: number;
  bitDepth: number;
  frames: number;
  bytes: number;
}

/** Fixes the RIFF and data chunk sizes of a WAV from its length on disk; drops a torn last frame. */
export function repairWav(file: string): WavInfo {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, head, 0, head.length, 0);
    if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE')
      throw new Error(`${file} is not a WAV file`);
    let at = 12;
    let fmt: { channels: number; sampleRate: number; bitDepth: number; align: number } | undefined;
    while (at + 8 <= head.length) {
      const id = head.toString('ascii', at, at + 4);
      const len = head.readUInt32LE(at + 4);
      if (id === 'fmt ') {
        fmt = {
          channels: head.readUInt16LE(at + 10),
          sampleRate: head.readUInt32LE(at + 12),
          bitDepth: head.readUInt16LE(at + 22),
          align: head.readUInt16LE(at + 20),
        };
      } else if (id === 'data') {
        if (!fmt) throw new Error(`${file}: data before fmt`);
        const start = at + 8;
        const frames = Math.floor((size - start) / fmt.align);
        const dataBytes = frames * fmt.align;
        const fix = Buffer.alloc(4);
        fix.writeUInt32LE(dataBytes);
        writeSync(fd, fix, 0, 4, at + 4);
        fix.writeUInt32LE(start + dataBytes - 8);
        writeSync(fd, fix, 0, 4, 4);
        if (start + dataBytes < size) ftruncateSync(fd, start + dataBytes);
        const { channels, sampleRate, bitDepth } = fmt;
        return { channels, sampleRate, bitDepth, frames, bytes: start + dataBytes };
      }
      at += 8 + len + (len % 2);
    }
    throw new Error(`${file}: no data chunk`);
  } finally {
    closeSync(fd);
  }
}

/** Writes channels `from..from+count-1` (1-based) of a WAV to their own 24-bit WAV, with sox. */
export async function extractChannels(
  src: string,
  dest: string,
  channels: readonly number[],
): Promise<void> {
  const r = await runTool(
    'sox',
    [src, '-b', '24', dest, 'remix', ...channels.map(String)],
    process.env,
    600_000,
  );
  if (r.code !== 0) throw new Error(`sox could not split ${src}: ${r.stderr.slice(0, 300)}`);
}
