// One room's capture: a single jack_capture writing every track into one multichannel WAV, so
// the tracks are sample-aligned by construction (one JACK process cycle writes every channel).
// Channels 2s+1 and 2s+2 are slot s's receive_1/receive_2 (what that member sends into the
// room); the last two are the room mix, which JACK sums from every member's ports. A member
// who is not connected leaves their channels silent; a reconnect (new ports) is wired to the
// same slot, so the gap is silence and the track goes on. A recording is one or more such
// captures in a row (segments, see Capture.ts); two may run at once while one takes over.
import { statSync } from 'node:fs';
import { isConnected } from '../patchbay/jackGraph.js';
import { isRecorderClient } from '../patchbay/wiringPlan.js';
import { delay, isRunning, stopChild, type Child } from '../process/child.js';
import type { JackScope } from '../process/jackScope.js';
import { Resource } from '../process/Resource.js';
import type { JackGraph } from '../../../protocol/api.js';
import { wavLayout, type WavLayout } from './wav.js';

/** Channels per member track (jacktrip's default channel count) and for the mix. */
export const TRACK_CHANNELS = 2;

export interface RecorderOptions {
  /** The room's JACK server, and how its programs are started. */
  jack: JackScope;
  file: string;
  /** Member tracks to reserve. */
  slots: number;
  /** The recorder stops by itself after this long (the file is then closed properly). */
  maxSeconds: number;
  /** The recorder binary. Default `jack_capture` (another must take jack_capture's options). */
  bin?: string;
  /** JACK clients of other recorders running on the server (a new one gets another name). */
  others?: readonly string[];
}

/**
 * jack_capture's arguments for `channels` channels of 24-bit WAV, stopping after `seconds`.
 * It connects nothing (the hub wires it), reads no keys and draws no meter.
 */
export function recorderArgs(file: string, channels: number, seconds: number): string[] {
  return [
    '--no-stdin',
    '--disable-console',
    '--manual-connections',
    '--recording-time',
    String(Math.ceil(seconds)),
    '--channels',
    String(channels),
    '--format',
    'wav',
    '--bitdepth',
    '24',
    file,
  ];
}

/** jack_capture colours its messages: its last lines without the terminal codes, for errors. */
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const lastWords = (c: Child, n = 3) =>
  c
    .tail()
    .slice(-n)
    .map((l) => l.replace(COLOUR, '').trim())
    .filter(Boolean)
    .join(' | ');

/** How long a stopped recorder may take to write out what it holds and close its file. */
const STOP_GRACE_MS = 5000;

export class Recorder extends Resource {
  private syncing: Promise<void> = Promise.resolve();
  /**
   * Its JACK client: `jack_capture`, or `jack_capture-01`... when another recorder has that
   * name (JACK renames a second client of the same name).
   */
  client = '';
  private layout: WavLayout | undefined;
  /** performance.now() of the first frame in the file: the lowest estimate seen so far. */
  private t0 = Infinity;

  private constructor(
    readonly options: RecorderOptions,
    private readonly child: Child,
  ) {
    super();
    void child.exited.then(({ code, signal }) =>
      this.die(new Error(`the recorder exited (${signal ?? code}): ${lastWords(child)}`)),
    );
  }

  get channels(): number {
    return (this.options.slots + 1) * TRACK_CHANNELS;
  }

  /** Channels (1-based) of a member slot, and of the mix. */
  static channelsOf(slot: number): number[] {
    return Array.from({ length: TRACK_CHANNELS }, (_, i) => slot * TRACK_CHANNELS + i + 1);
  }
  mixChannels(): number[] {
    return Recorder.channelsOf(this.options.slots);
  }

  static async create(options: RecorderOptions): Promise<Recorder> {
    const channels = (options.slots + 1) * TRACK_CHANNELS;
    const jack = options.jack;
    const child = jack.spawn(
      options.bin ?? 'jack_capture',
      recorderArgs(options.file, channels, options.maxSeconds),
      () => {},
    );
    const rec = new Recorder(options, child);
    // Ready once its last input port is there (it registers them in order).
    const last = `:input${channels}`;
    return Resource.launch(rec, async () => {
      for (let i = 0; i < 200 && isRunning(child) && !rec.client; i++) {
        const ports = (await jack.run('jack_lsp', [], 3000)).stdout.split('\n');
        const mine = ports.find(
          (p) =>
            p.endsWith(last) &&
            isRecorderClient(p.slice(0, -last.length)) &&
            !options.others?.includes(p.slice(0, -last.length)),
        );
        rec.client = mine?.slice(0, -last.length) ?? '';
        if (!rec.client) await delay(50);
      }
      if (!isRunning(child) || !rec.client)
        throw new Error(`the recorder did not start: ${lastWords(child, 8)}`);
      rec.observe();
    });
  }

  private input(n: number): string {
    return `${this.client}:input${n}`;
  }

  /** Bytes of its file so far. */
  get bytes(): number {
    try {
      return statSync(this.options.file).size;
    } catch {
      return 0;
    }
  }

  /**
   * Estimates when its first frame was captured (performance.now() ms) from the frames on disk:
   * now minus their duration. Writing lags capture, so the lowest estimate is the closest.
   */
  observe(): number {
    const now = performance.now();
    const size = this.bytes;
    this.layout ??= wavLayout(this.options.file);
    const l = this.layout;
    if (l && size > l.dataStart) {
      const frames = Math.floor((size - l.dataStart) / l.align);
      this.t0 = Math.min(this.t0, now - (frames / l.sampleRate) * 1000);
    }
    return this.t0;
  }

  /** The first frame's time (performance.now() ms), once frames were seen; else undefined. */
  get firstFrameAt(): number | undefined {
    return Number.isFinite(this.t0) ? this.t0 : undefined;
  }

  /**
   * Wires each slot's client (newest connection of the member) to its channels and to the mix,
   * and cuts every other cord into the recorder. Calls run one after another.
   */
  sync(graph: JackGraph, clients: ReadonlyMap<number, string>): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncNow(graph, clients)).catch(() => undefined);
    return this.syncing;
  }

  private async syncNow(graph: JackGraph, clients: ReadonlyMap<number, string>): Promise<void> {
    if (this.closing || this.dead) return;
    const ports = new Set(Object.values(graph.clients).flatMap((ps) => ps.map((p) => p.name)));
    const want: [string, string][] = [];
    for (const [slot, client] of clients) {
      const own = Recorder.channelsOf(slot);
      const mix = this.mixChannels();
      for (let n = 1; n <= TRACK_CHANNELS; n++) {
        const src = `${client}:receive_${n}`;
        if (!ports.has(src)) continue;
        want.push([src, this.input(own[n - 1]!)], [src, this.input(mix[n - 1]!)]);
      }
    }
    const key = (c: readonly [string, string]) => `${c[0]}\n${c[1]}`;
    const wanted = new Set(want.map(key));
    const jack = this.options.jack;
    const cut = graph.connections.filter(
      (c) => c[1].startsWith(`${this.client}:`) && !wanted.has(key(c)),
    );
    const make = want.filter(([s, d]) => !isConnected(graph, s, d));
    await Promise.all([
      ...cut.map(([s, d]) => jack.run('jack_disconnect', [s, d], 5000)),
      ...make.map(([s, d]) => jack.run('jack_connect', [s, d], 5000)),
    ]);
  }

  get pids(): number[] {
    return isRunning(this.child) ? [this.child.pid] : [];
  }

  protected async dispose(): Promise<void> {
    await this.syncing;
    // SIGTERM: jack_capture writes out what it holds and closes the file; past the grace
    // (it hangs), kill -9, and finishing repairs the header (repairWav).
    await stopChild(this.child, STOP_GRACE_MS);
  }
}
