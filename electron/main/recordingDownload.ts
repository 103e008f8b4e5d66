// Downloads a recording's zip from a pinned hub into `<file>.part`, over the pinned TLS
// connection with the saved bearer token. A `.part` left by an interrupted download of the same
// recording (its first bytes match the hub's zip) is continued with an HTTP Range request;
// anything else there is started over. Failures are thrown as DownloadError with a sentence
// for the person, and say whether the `.part` was kept for a resume.
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pinnedTls, type Pin } from './hubFetch.js';

/** How many first bytes of a `.part` must equal the hub's zip before it is continued. */
export const RESUME_CHECK_BYTES = 64 * 1024;
const IDLE_TIMEOUT_MS = 15_000;

export class DownloadError extends Error {
  constructor(
    message: string,
    /** The `.part` holds good bytes: saving to the same place again resumes. */
    readonly resumable = false,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  pin: Pin;
  token: string;
  recordingId: string;
  /** The `.part` file written (and continued, where it holds the same recording's start). */
  part: string;
  signal?: AbortSignal;
  /** Bytes in the `.part` of the zip's total, as they arrive. */
  onProgress?: (received: number, total: number) => void;
}

const mb = (n: number) => `${(n / 1_048_576).toFixed(1)} MB`;

/** Streams the zip into `o.part`; resolves its total size once the `.part` holds all of it. */
export async function downloadRecording(o: DownloadOptions): Promise<number> {
  const host = new URL(o.pin.origin).host;
  let have = await partSize(o.part);
  if (have > 0 && !(await sameStart(o, have))) have = 0;
  let res = await get(o, have > 0 ? `bytes=${have}-` : undefined);
  if (res.statusCode === 416) {
    // The `.part` is as long as the zip or longer: it was checked above, so it is complete
    // only if its length is exactly the zip's.
    const total = totalOf(res);
    res.resume();
    if (total !== undefined && total === have) {
      o.onProgress?.(have, total);
      return total;
    }
    have = 0;
    res = await get(o, undefined);
  }
  const status = res.statusCode ?? 0;
  if (status === 200) have = 0;
  else if (status !== 206) throw await refusal(res, host);
  const total = totalOf(res);
  if (total === undefined) {
    res.resume();
    throw new DownloadError(`${host} did not say how large the recording is, so it was not saved`);
  }
  if (status === 206 && !res.headers['content-range']?.startsWith(`bytes ${have}-`)) {
    res.resume();
    throw new DownloadError(`${host} answered another part of the recording than asked for`);
  }
  await requireSpace(o.part, total - have, res);

  // Progress at most every 100 ms or every 1 % of the zip: a few hundred reports at most.
  let received = have;
  let last = { at: Date.now(), bytes: have };
  o.onProgress?.(have, total);
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      const now = Date.now();
      if (now - last.at >= 100 || received - last.bytes >= total / 100) {
        last = { at: now, bytes: received };
        o.onProgress?.(received, total);
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, count, createWriteStream(o.part, { flags: have > 0 ? 'a' : 'w' }), {
      signal: o.signal,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      await rm(o.part, { force: true });
      throw new DownloadError(`The disk is full: the recording (${mb(total)}) was not saved`);
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new DownloadError(`This folder cannot be written to: the recording was not saved`);
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new DownloadError(`The folder to save in does not exist: the recording was not saved`);
    const syscall = (err as NodeJS.ErrnoException).syscall;
    if (syscall && ['open', 'write', 'close', 'fsync'].includes(syscall))
      throw new DownloadError(`The recording could not be written to disk (${code ?? syscall})`);
    if (o.signal?.aborted)
      throw new DownloadError(
        `Saving stopped at ${mb(received)} of ${mb(total)}; save to the same place again to continue`,
        true,
      );
    throw new DownloadError(
      `The connection to ${host} broke at ${mb(received)} of ${mb(total)}; save to the same place again to continue`,
      true,
    );
  }
  const size = await partSize(o.part);
  if (size !== total) {
    if (size > total) await rm(o.part, { force: true });
    throw new DownloadError(
      `The download ended at ${mb(size)} of ${mb(total)}; save to the same place again to continue`,
      size < total,
    );
  }
  o.onProgress?.(total, total);
  return total;
}

async function partSize(part: string): Promise<number> {
  try {
    const s = await stat(part);
    return s.isFile() ? s.size : 0;
  } catch {
    return 0;
  }
}

/** Do the `.part`'s first bytes equal the hub's zip? (Then it is this recording's download.) */
async function sameStart(o: DownloadOptions, have: number): Promise<boolean> {
  const n = Math.min(have, RESUME_CHECK_BYTES);
  const res = await get(o, `bytes=0-${n - 1}`);
  if (res.statusCode !== 206) {
    const status = res.statusCode ?? 0;
    if (status === 200 || status === 416) {
      // No ranges, or the zip is shorter than the `.part`: not this download's start.
      res.destroy();
      return false;
    }
    throw await refusal(res, new URL(o.pin.origin).host);
  }
  const hub = await readAll(res, n);
  const mine = await readAll(createReadStream(o.part, { start: 0, end: n - 1 }), n);
  return hub.length === n && hub.equals(mine);
}

function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      if (size < limit) parts.push(c);
      size += c.length;
    });
    stream.on('end', () => resolve(Buffer.concat(parts).subarray(0, limit)));
    stream.on('error', reject);
  });
}

/** The zip's total size: from Content-Range (206, 416) or Content-Length (200). */
function totalOf(res: IncomingMessage): number | undefined {
  const range = /\/(\d+)$/.exec(res.headers['content-range'] ?? '');
  const raw = range ? range[1] : res.statusCode === 200 ? res.headers['content-length'] : '';
  const n = Number(raw);
  return raw && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

async function requireSpace(part: string, needed: number, res: IncomingMessage): Promise<void> {
  let free: number;
  try {
    const s = await statfs(dirname(part));
    free = s.bavail * s.bsize;
  } catch {
    return; // unknown: writing will tell
  }
  if (free >= needed) return;
  res.destroy();
  throw new DownloadError(
    `Not enough free space: the recording needs ${mb(needed)} and the disk has ${mb(free)}`,
  );
}

/** A plain sentence for an answer that is not the zip. */
async function refusal(res: IncomingMessage, host: string): Promise<DownloadError> {
  const status = res.statusCode ?? 0;
  let said: string | undefined;
  try {
    const body = JSON.parse((await readAll(res, 64 * 1024)).toString('utf8')) as {
      error?: { message?: unknown };
    };
    if (typeof body?.error?.message === 'string') said = body.error.message;
  } catch {
    // not JSON: the status says it
  }
  if (status === 401)
    return new DownloadError(`Your session on ${host} has ended: sign in again, then save`);
  if (status === 403)
    return new DownloadError(said ?? "You may not download this room's recordings");
  if (status === 404)
    return new DownloadError(said ?? 'The hub has no such recording (it may have been deleted)');
  return new DownloadError(said ?? `${host} answered ${status} instead of the recording`);
}

function get(o: DownloadOptions, range: string | undefined): Promise<IncomingMessage> {
  const url = new URL(`/recordings/${encodeURIComponent(o.recordingId)}/download`, o.pin.origin);
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(new DownloadError('Saving was stopped'));
    const req = request(
      url,
      {
        ...pinnedTls(o.pin),
        agent: false,
        headers: {
          authorization: `Bearer ${o.token}`,
          accept: 'application/zip',
          ...(range ? { range } : {}),
        },
        timeout: IDLE_TIMEOUT_MS,
        signal: o.signal,
      },
      resolve,
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(unreachable(err, url.host, o.signal)));
    req.end();
  });
}

function unreachable(err: NodeJS.ErrnoException, host: string, signal?: AbortSignal): Error {
  if (signal?.aborted) return new DownloadError('Saving was stopped', true);
  if (/not the pinned one/.test(err.message))
    return new DownloadError(
      `${host} presented another certificate than the one you trusted, so nothing was downloaded`,
    );
  if (err.message === 'timeout') return new DownloadError(`${host} stopped answering`, true);
  return new DownloadError(`Could not reach the hub at ${host} (${err.code ?? err.message})`, true);
}
