// One room's capture: a single jack_rec writing every track into one multichannel WAV, so the
// tracks are sample-aligned by construction (one JACK process cycle writes every channel).
// Channels 2s+1 and 2s+2 are slot s's receive_1/receive_2 (what that member sends into the
// room); the last two are the room mix, which JACK sums from every member's ports. A member
// who is not connected leaves their channels silent; a reconnect (new ports) is wired to the
// same slot, so the gap is silence and the track goes on.
import { isConnected } from '../patchbay/jackGraph.js';
import { RECORDER_CLIENT } from '../patchbay/wiringPlan.js';
import { delay, isRunning, stopChild, type Child } from '../process/child.js';
import type { JackScope } from '../process/jackScope.js';
import { Resource } from '../process/Resource.js';
import type { JackGraph } from '../../../protocol/api.js';

/** Channels per member track (jacktrip's default channel count) and for the mix. */
export const TRACK_CHANNELS = 2;

export interface RecorderOptions {
  /** The room's JACK server, and how its programs are started. */
  jack: JackScope;
  file: string;
  /** Member tracks to reserve. */
  slots: number;
  /** jack_rec stops by itself after this long (the file is then closed properly). */
  maxSeconds: number;
  /** The recorder binary. Default `jack_rec`. */
  bin?: string;
}

const input = (n: number) => `${RECORDER_CLIENT}:input${n}`;
/** Placeholder source jack_rec connects at start (it needs one per channel); the hub cuts it. */
const PLACEHOLDER = 'system:capture_1';

export class Recorder extends Resource {
  private syncing: Promise<void> = Promise.resolve();

  private constructor(
    readonly options: RecorderOptions,
    private readonly child: Child,
  ) {
    super();
    void child.exited.then(({ code, signal }) =>
      this.die(
        new Error(`jack_rec exited (${signal ?? code}): ${child.tail().slice(-3).join(' | ')}`),
      ),
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
      options.bin ?? 'jack_rec',
      [
        '-f',
        options.file,
        '-d',
        String(Math.ceil(options.maxSeconds)),
        '-b',
        '24',
        ...Array<string>(channels).fill(PLACEHOLDER),
      ],
      () => {},
    );
    const rec = new Recorder(options, child);
    return Resource.launch(rec, async () => {
      for (let i = 0; i < 100 && isRunning(child); i++) {
        const r = await jack.run('jack_lsp', ['-c', input(channels)], 3000);
        if (r.stdout.includes(PLACEHOLDER)) break;
        await delay(50);
      }
      if (!isRunning(child)) throw new Error(`jack_rec did not start: ${child.tail().join(' | ')}`);
      await Promise.all(
        Array.from({ length: channels }, (_, i) =>
          jack.run('jack_disconnect', [PLACEHOLDER, input(i + 1)], 5000),
        ),
      );
    });
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
        want.push([src, input(own[n - 1]!)], [src, input(mix[n - 1]!)]);
      }
    }
    const key = (c: readonly [string, string]) => `${c[0]}\n${c[1]}`;
    const wanted = new Set(want.map(key));
    const jack = this.options.jack;
    const cut = graph.connections.filter(
      (c) => c[1].startsWith(`${RECORDER_CLIENT}:`) && !wanted.has(key(c)),
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
    await stopChild(this.child, 2000);
  }
}
