// A stored (uncompressed) zip of files on disk, described once as a list of segments: header
// bytes and file ranges. Its length is known before the first byte is sent, any byte range of
// it can be streamed (HTTP Range), and nothing is built in memory but the headers. Audio does
// not compress under deflate worth the CPU, so "stored" costs nothing.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';

export interface ZipEntry {
  /** Name inside the zip. */
  name: string;
  /** Path on disk. */
  path: string;
  size: number;
  crc32: number;
}

type Segment = { kind: 'bytes'; data: Buffer } | { kind: 'file'; path: string; size: number };

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32Update(crc: number, buf: Buffer): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** A file's size and CRC-32, read once (the hub does it when a recording is finished). */
export async function describeFile(name: string, path: string): Promise<ZipEntry> {
  let crc = 0;
  for await (const chunk of createReadStream(path)) crc = crc32Update(crc, chunk as Buffer);
  return { name, path, size: (await stat(path)).size, crc32: crc };
}

const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1; // a fixed date: the zip is reproducible

export class StoredZip {
  readonly segments: Segment[] = [];
  readonly length: number;

  constructor(entries: readonly ZipEntry[]) {
    const central: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
      if (e.size >= 0xffffffff) throw new Error(`${e.name} is too large for a zip without zip64`);
      const name = Buffer.from(e.name, 'utf8');
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x0800, 6); // UTF-8 names
      local.writeUInt16LE(0, 8); // stored
      local.writeUInt16LE(0, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(e.crc32, 14);
      local.writeUInt32LE(e.size, 18);
      local.writeUInt32LE(e.size, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      this.segments.push({ kind: 'bytes', data: Buffer.concat([local, name]) });
      this.segments.push({ kind: 'file', path: e.path, size: e.size });
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(0x0800, 8);
      c.writeUInt16LE(0, 10);
      c.writeUInt16LE(0, 12);
      c.writeUInt16LE(DOS_DATE, 14);
      c.writeUInt32LE(e.crc32, 16);
      c.writeUInt32LE(e.size, 20);
      c.writeUInt32LE(e.size, 24);
      c.writeUInt16LE(name.length, 28);
      c.writeUInt32LE(offset, 42);
      central.push(c, name);
      offset += 30 + name.length + e.size;
      if (offset >= 0xffffffff) throw new Error('the recording is too large for one zip');
    }
    const dir = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(dir.length, 12);
    end.writeUInt32LE(offset, 16);
    this.segments.push({ kind: 'bytes', data: Buffer.concat([dir, end]) });
    this.length = offset + dir.length + 22;
  }

  /** Bytes `start..end` (inclusive) of the zip, read from disk as they are sent. */
  stream(start = 0, end = this.length - 1): Readable {
    const segments = this.segments;
    async function* bytes() {
      let at = 0;
      for (const s of segments) {
        const len = s.kind === 'bytes' ? s.data.length : s.size;
        const from = Math.max(start, at);
        const to = Math.min(end, at + len - 1);
        if (from <= to) {
          if (s.kind === 'bytes') yield s.data.subarray(from - at, to - at + 1);
          else yield* createReadStream(s.path, { start: from - at, end: to - at });
        }
        at += len;
        if (at > end) return;
      }
    }
    return Readable.from(bytes());
  }
}

/** Parses a single `bytes=a-b` range against a length; undefined when absent, 'bad' when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  length: number,
): { start: number; end: number } | 'bad' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, length - Number(m[2]));
    end = length - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? length - 1 : Math.min(Number(m[2]), length - 1);
  }
  if (start > end || start >= length) return 'bad';
  return { start, end };
}
