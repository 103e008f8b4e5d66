// Saving a hub's recording to a file the person chooses: asks where (the injected
// `chooseSavePath`: Electron's save dialog in the shell, a temp path in the e2e harness),
// downloads into `<path>.part` (recordingDownload.ts), and only a complete zip is renamed to
// the chosen name. Cancelling the dialog writes nothing. No Electron here.
import { rename, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type {
  SaveRecordingProgress,
  SaveRecordingRequest,
  SaveRecordingResult,
} from '../../protocol/ipc.js';
import type { Pin } from './hubFetch.js';
import { DownloadError, downloadRecording } from './recordingDownload.js';

/** Asks the person where to save; null when they cancel. */
export type ChooseSavePath = (o: { defaultName: string }) => Promise<string | null>;

export interface RecordingSaverOptions {
  pinOf: (origin: string) => Pin | undefined;
  tokenOf: (origin: string) => string | null;
  /** None: saving is refused (a main process without a dialog). */
  chooseSavePath?: ChooseSavePath;
  onProgress?: (p: SaveRecordingProgress) => void;
}

/** A save that did not happen, in words for the person. */
export class SaveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaveError';
  }
}

const UNSAFE_IN_NAMES = /[/\\:*?"<>|\p{Cc}]+/gu;
const pad = (n: number) => String(n).padStart(2, '0');

/** What the save dialog suggests: "<room> <date> <time>.zip", safe as a file name anywhere. */
export function defaultRecordingName(req: SaveRecordingRequest): string {
  const room = (req.room_name ?? '').replace(UNSAFE_IN_NAMES, ' ').replace(/\s+/g, ' ');
  // No leading dots (a hidden file, or "..").
  const base =
    room
      .replace(/^[.\s]+/, '')
      .slice(0, 80)
      .trim() || 'Recording';
  if (!req.started_at) return `${base} ${req.recordingId}.zip`;
  const d = new Date(req.started_at);
  const when = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}.${pad(d.getMinutes())}`;
  return `${base} ${when}.zip`;
}

export class RecordingSaver {
  /** Saves running now, by hub and recording: one at a time for each. */
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly o: RecordingSaverOptions) {}

  async save(req: SaveRecordingRequest): Promise<SaveRecordingResult> {
    const host = new URL(req.hub).host;
    const pin = this.o.pinOf(req.hub);
    if (!pin) throw new SaveError(`${host} is not a trusted hub`);
    const token = this.o.tokenOf(req.hub);
    if (!token) throw new SaveError(`Sign in to ${host} first, then save`);
    if (!this.o.chooseSavePath) throw new SaveError('This app cannot ask where to save files');
    const key = `${req.hub} ${req.recordingId}`;
    if (this.running.has(key)) throw new SaveError('This recording is being saved already');
    const abort = new AbortController();
    this.running.set(key, abort);
    try {
      const path = await this.o.chooseSavePath({ defaultName: defaultRecordingName(req) });
      if (path === null) return { status: 'cancelled' };
      await checkTarget(path);
      const total = await downloadRecording({
        pin,
        token,
        recordingId: req.recordingId,
        part: `${path}.part`,
        signal: abort.signal,
        onProgress: (received, total) =>
          this.o.onProgress?.({ hub: req.hub, recordingId: req.recordingId, received, total }),
      });
      try {
        await rename(`${path}.part`, path);
      } catch (err) {
        throw new SaveError(
          `The recording was downloaded to ${path}.part but could not be renamed (${(err as Error).message})`,
        );
      }
      return { status: 'saved', path, bytes: total };
    } catch (err) {
      if (err instanceof DownloadError || err instanceof SaveError)
        throw new SaveError(err.message);
      throw new SaveError(`The recording was not saved: ${(err as Error).message ?? String(err)}`);
    } finally {
      this.running.delete(key);
    }
  }

  /** Stops every save in progress; their `.part` files stay for a resume. */
  close(): void {
    for (const a of this.running.values()) a.abort();
  }
}

async function checkTarget(path: string): Promise<void> {
  if (!isAbsolute(path)) throw new SaveError(`Not a place to save to: ${path}`);
  try {
    if ((await stat(path)).isDirectory())
      throw new SaveError(`${path} is a folder: choose a file name`);
  } catch (err) {
    if (err instanceof SaveError) throw err;
    // Not there yet: the usual case.
  }
}
