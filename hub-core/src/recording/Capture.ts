// The capture of one recording: a row of segments, each one multichannel WAV written by its own
// Recorder, all with the same channel layout. A new segment starts when the current file nears
// the WAV format's 4 GiB limit (a roll-over: the next recorder starts while the current one still
// runs, both wired, so the two files overlap and nothing is lost; finishing trims the overlap),
// and when the room's audio engine comes back after a restart (the gap between is silence).
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SafeEmitter } from '../events.js';
import type { RoomRuntime } from '../jacktrip/RoomRuntime.js';
import { delay } from '../process/child.js';
import type { JackGraph } from '../../../protocol/api.js';
import { segmentFile, writeSlots, type SegmentEntry, type SlotsFile } from './slots.js';
import { Recorder } from './Recorder.js';

export interface CaptureOptions {
  dir: string;
  /** The recording's slots file: each new segment is added to it (and written). */
  slots: SlotsFile;
  /** Longest recording, in seconds (each recorder stops by itself after it). */
  maxSeconds: number;
  /** A segment rolls over to the next once its file reaches this many bytes. */
  segmentBytes: number;
  /** The recorder binary. Default `jack_capture`. */
  bin?: string;
  /** Wires the recorders to the members (RecordingService knows who is where). */
  wire: () => Promise<void>;
}

export type CaptureEvents = {
  /** The recorder stopped by itself while the room's audio ran on. */
  failed: [Error];
  /** The room's audio engine went away: the capture waits for it (resume()). */
  paused: [];
  /** A roll-over could not start the next recorder (the current one goes on). */
  warning: [Error];
};

/** How long two recorders overlap in a roll-over. */
const OVERLAP_MS = 1000;
/** How long a recorder's death waits to learn whether the room's audio engine went away. */
const ROOM_DOWN_WAIT_MS = 2000;

export class Capture extends SafeEmitter<CaptureEvents> {
  /** The recorder of the newest segment; undefined while the room's audio is away. */
  private recorder: Recorder | undefined;
  /** The previous segment's recorder during a roll-over. */
  private previous: Recorder | undefined;
  private runtime: RoomRuntime | undefined;
  private readonly segments = new Map<Recorder, SegmentEntry>();
  private rolling: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly o: CaptureOptions) {
    super();
  }

  static async start(rt: RoomRuntime, o: CaptureOptions): Promise<Capture> {
    const c = new Capture(o);
    c.recorder = await c.begin(rt, 'start');
    c.runtime = rt;
    return c;
  }

  /** Number of segments so far. */
  get segmentCount(): number {
    return this.o.slots.segments?.length ?? 0;
  }

  /** Wires the running recorders, when they run on this runtime. */
  async sync(
    rt: RoomRuntime,
    graph: JackGraph,
    clients: ReadonlyMap<number, string>,
  ): Promise<void> {
    if (rt !== this.runtime) return;
    await Promise.all(
      [this.previous, this.recorder].map((r) => r?.sync(graph, clients) ?? Promise.resolve()),
    );
  }

  /** Bytes of every segment file so far. */
  get bytes(): number {
    let n = 0;
    for (const s of this.o.slots.segments ?? []) {
      try {
        n += statSync(join(this.o.dir, s.file)).size;
      } catch {
        // Not created yet, or already split.
      }
    }
    return n;
  }

  /** Bytes of the newest segment's file. */
  get currentBytes(): number {
    return this.recorder?.bytes ?? 0;
  }

  get pids(): number[] {
    return [this.previous, this.recorder].flatMap((r) => r?.pids ?? []);
  }

  /** Called about once a second: refines the segments' start times; rolls over when due. */
  tick(): void {
    for (const r of [this.previous, this.recorder]) if (r) this.note(r);
    const rec = this.recorder;
    if (this.closed || this.rolling || !rec || rec.dead || !this.runtime) return;
    if (rec.bytes < this.o.segmentBytes) return;
    this.rolling = this.rollOver(rec, this.runtime).finally(() => (this.rolling = undefined));
  }

  /** The room's audio engine is back (a new runtime): the next segment starts on it. */
  async resume(rt: RoomRuntime): Promise<boolean> {
    if (this.closed) return false;
    if (this.runtime === rt && this.recorder && !this.recorder.dead) return false;
    await this.rolling;
    const old = this.recorder;
    this.recorder = undefined;
    this.runtime = undefined;
    if (old) {
      this.note(old);
      await old.close().catch(() => undefined);
    }
    const rec = await this.begin(rt, 'restart');
    if (this.closed) {
      await this.discard(rec);
      return false;
    }
    this.recorder = rec;
    this.runtime = rt;
    await this.o.wire();
    return true;
  }

  /** Stops every recorder and writes the segments' start times to the slots file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.rolling;
    const recs = [this.previous, this.recorder].filter((r): r is Recorder => r !== undefined);
    for (const r of recs) this.note(r);
    await Promise.all(recs.map((r) => r.close().catch(() => undefined)));
    await writeSlots(this.o.dir, this.o.slots);
  }

  /** Starts the recorder of a new segment (added to the slots file first). */
  private async begin(rt: RoomRuntime, after: SegmentEntry['after']): Promise<Recorder> {
    const segments = (this.o.slots.segments ??= []);
    const seg: SegmentEntry = { file: segmentFile(segments.length + 1), after };
    segments.push(seg);
    await writeSlots(this.o.dir, this.o.slots);
    let rec: Recorder;
    try {
      rec = await Recorder.create({
        jack: rt.jack.scope,
        file: join(this.o.dir, seg.file),
        slots: this.o.slots.slots,
        maxSeconds: this.o.maxSeconds,
        bin: this.o.bin,
        others: [this.recorder?.client ?? ''].filter(Boolean),
      });
    } catch (err) {
      segments.splice(segments.indexOf(seg), 1);
      rmSync(join(this.o.dir, seg.file), { force: true });
      await writeSlots(this.o.dir, this.o.slots);
      throw err;
    }
    this.segments.set(rec, seg);
    rec.on('died', (err) => void this.onDied(rec, rt, err));
    return rec;
  }

  /** Starts the next segment beside the current one, lets them overlap, then stops the old. */
  private async rollOver(old: Recorder, rt: RoomRuntime): Promise<void> {
    let next: Recorder;
    try {
      next = await this.begin(rt, 'rollover');
    } catch (err) {
      this.safeEmit('warning', err as Error);
      return;
    }
    if (this.closed || this.recorder !== old || old.dead) {
      // The old recorder ended meanwhile (it is handled as such): this segment never began.
      await this.discard(next);
      return;
    }
    this.previous = old;
    this.recorder = next;
    await this.o.wire();
    await delay(OVERLAP_MS);
    this.note(old);
    this.previous = undefined;
    await old.close().catch(() => undefined);
    await writeSlots(this.o.dir, this.o.slots);
  }

  /** Stops a recorder whose segment is dropped, and forgets the segment and its file. */
  private async discard(rec: Recorder): Promise<void> {
    await rec.close().catch(() => undefined);
    const seg = this.segments.get(rec);
    const segments = this.o.slots.segments ?? [];
    if (seg && segments.includes(seg)) segments.splice(segments.indexOf(seg), 1);
    if (seg) rmSync(join(this.o.dir, seg.file), { force: true });
    this.segments.delete(rec);
    await writeSlots(this.o.dir, this.o.slots);
  }

  private note(rec: Recorder): void {
    const seg = this.segments.get(rec);
    const t0 = rec.observe();
    if (seg && Number.isFinite(t0)) seg.t0 = t0;
  }

  /** A recorder ended by itself: the room's audio went away (wait for it), or it failed. */
  private async onDied(rec: Recorder, rt: RoomRuntime, err: Error): Promise<void> {
    this.note(rec);
    for (let waited = 0; waited < ROOM_DOWN_WAIT_MS; waited += 100) {
      if (rt.dead || rt.closing || this.recorder !== rec) break;
      await delay(100);
    }
    if (this.closed || this.recorder !== rec) return;
    if (rt.dead || rt.closing) {
      this.recorder = undefined;
      this.runtime = undefined;
      await rec.close().catch(() => undefined);
      await writeSlots(this.o.dir, this.o.slots).catch(() => undefined);
      this.safeEmit('paused');
    } else this.safeEmit('failed', err);
  }
}
