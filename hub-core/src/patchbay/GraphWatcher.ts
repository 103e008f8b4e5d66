import { delay, isRunning, stopChild, type Child } from '../process/child.js';
import type { JackScope } from '../process/jackScope.js';
import { Resource } from '../process/Resource.js';
import type { JackGraph, JackPort } from '../../../protocol/api.js';
import {
  applyGraphDelta,
  diffGraphs,
  isEmptyDelta,
  type GraphDelta,
} from '../../../protocol/rules.js';
import { isToolClient, parseEvmonLine, type EvmonEvent } from './evmon.js';
import { readJackLsp } from './jackGraph.js';
import { observeLatency } from '../latency.js';

export { isToolClient, parseEvmonLine, type EvmonEvent } from './evmon.js';

/** One change of the graph: version `prev` became version `seq` by `delta`. */
export interface GraphChange {
  seq: number;
  prev: number;
  delta: GraphDelta;
}

/** What the watcher reports of each change, for metrics (a histogram of `ms`, say). */
export interface GraphEvent {
  /** `evmon`: applied straight from jack_evmon's lines; `snapshot`: a `jack_lsp` re-read. */
  source: 'evmon' | 'snapshot';
  /** From the first jack_evmon line of the change to its report (0 for a periodic re-read). */
  ms: number;
  seq: number;
}

export interface GraphWatcherOptions {
  /** Called after every change is reported. */
  onGraphEvent?: (e: GraphEvent) => void;
  /** A full `jack_lsp` re-read this often, so the graph cannot drift. Default 15 s. */
  resyncMs?: number;
}

export type GraphWatcherEvents = {
  graph: [JackGraph, GraphChange];
  client: [{ name: string; registered: boolean }];
  died: [Error];
};

/** Registrations within this window are read with one `jack_lsp` (a client's ports come in a burst). */
const REGISTRATION_BATCH_MS = 4;
/** How long `settle` waits for jack_evmon's report before it reads the whole graph. */
const SETTLE_RESYNC_MS = 250;

/**
 * Versions are unique in the process and grow across watchers and hub restarts (they start at
 * the clock), so a change from a room's new watcher never applies to an old graph.
 */
let lastSeq = Date.now();
const nextSeq = () => ++lastSeq;

/**
 * Keeps a room's JACK graph current. `jack_evmon` streams events: connections and removed
 * ports are applied straight from its lines; new ports (whose names it does not print) are
 * read with one `jack_lsp` per burst. An unreadable line, an unknown port id or the periodic
 * timer cause a full re-read, so the graph cannot drift. No polling in between.
 */
export class GraphWatcher extends Resource<GraphWatcherEvents> {
  private current: JackGraph = { clients: {}, connections: [] };
  private version = 0;
  /** JACK port id → name, from the last `jack_lsp -U` and kept by removals since. */
  private ids = new Map<number, string>();
  /** Lines read, not yet applied (applied together, once the burst is read). */
  private batch: EvmonEvent[] = [];
  private batchAt = 0;
  private flushing = false;
  /** Lines read while `jack_lsp` runs: applied on top of what it reads (they may be newer). */
  private during: EvmonEvent[] | undefined = [];
  private duringAt = 0;
  private snapshotting = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private evmon: Child | undefined;
  /** Snapshots taken (for benchmarks: the watcher's own cost). */
  snapshots = 0;

  /** The room's JACK server. */
  readonly server: string;

  private constructor(
    readonly scope: JackScope,
    private readonly options: GraphWatcherOptions,
  ) {
    super();
    this.server = scope.server;
  }

  static async create(scope: JackScope, options: GraphWatcherOptions = {}): Promise<GraphWatcher> {
    const w = new GraphWatcher(scope, options);
    w.evmon = w.spawnEvmon();
    void w.evmon.exited.then(() => w.die(new Error(`jack_evmon on ${scope.server} exited`)));
    w.version = nextSeq();
    return Resource.launch(w, async () => {
      await delay(50); // let evmon register before the first snapshot, so no event falls between
      await w.snapshot();
      w.resyncTimer = setInterval(() => w.schedule(0), options.resyncMs ?? 15_000);
      w.resyncTimer.unref();
    });
  }

  // The JACK tools the watcher runs, in one place.
  private spawnEvmon(): Child {
    return this.scope.spawn('jack_evmon', [], (line) => this.onLine(line));
  }

  private readGraph() {
    return this.scope.run('jack_lsp', ['-c', '-p', '-t', '-U'], 5000);
  }

  get graph(): JackGraph {
    return this.current;
  }

  /** The version of `graph` (see GraphChange). */
  get seq(): number {
    return this.version;
  }

  get pids(): number[] {
    return this.evmon && this.evmon.pid > 0 ? [this.evmon.pid] : [];
  }

  /** Resolves with the graph once `pred` holds, or undefined after `timeoutMs`. */
  waitFor(pred: (g: JackGraph) => boolean, timeoutMs = 3000): Promise<JackGraph | undefined> {
    if (pred(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve) => {
      const onGraph = (g: JackGraph) => {
        if (!pred(g)) return;
        clearTimeout(t);
        this.off('graph', onGraph);
        resolve(g);
      };
      const t = setTimeout(() => {
        this.off('graph', onGraph);
        resolve(undefined);
      }, timeoutMs);
      this.on('graph', onGraph);
    });
  }

  /**
   * After our own jack_connect or jack_disconnect: waits for jack_evmon to report the change,
   * and reads the whole graph if it has not within a moment.
   */
  async settle(pred: (g: JackGraph) => boolean, timeoutMs = 3000): Promise<JackGraph | undefined> {
    const quick = Math.min(SETTLE_RESYNC_MS, timeoutMs);
    const g = await this.waitFor(pred, quick);
    if (g || timeoutMs <= quick) return g;
    this.refresh();
    return this.waitFor(pred, timeoutMs - quick);
  }

  /** Reads the whole graph now, coalescing with any read in flight. */
  refresh(): void {
    this.schedule(0);
  }

  private onLine(line: string): void {
    const ev = parseEvmonLine(line);
    if (!ev) return this.schedule(0); // unreadable: read the whole graph
    switch (ev.kind) {
      case 'none':
        return;
      case 'client':
        if (!isToolClient(ev.name))
          this.safeEmit('client', { name: ev.name, registered: ev.registered });
        return;
      case 'rename':
        return this.schedule(0);
      case 'port':
        if (ev.registered) {
          this.registeredAt ||= performance.now();
          return this.schedule(REGISTRATION_BATCH_MS);
        }
        break;
      case 'connection':
        break;
    }
    if (this.during) {
      if (this.during.length === 0) this.duringAt = performance.now();
      this.during.push(ev);
      return;
    }
    if (this.batch.length === 0) this.batchAt = performance.now();
    this.batch.push(ev);
    if (!this.flushing) {
      this.flushing = true;
      // After the rest of this burst of lines is read: one change for all of them.
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    const events = this.batch;
    this.batch = [];
    if (events.length === 0 || this.closing) return;
    const { graph, doubt } = this.applyEvents(this.current, events);
    if (doubt) this.schedule(0);
    this.commit(graph, 'evmon', this.batchAt);
  }

  /**
   * Applies jack_evmon's events to a graph. `doubt` when one names a port id we don't know (a
   * port newer than the last read): the graph needs a full read.
   */
  private applyEvents(
    g: JackGraph,
    events: readonly EvmonEvent[],
  ): { graph: JackGraph; doubt: boolean } {
    let doubt = false;
    let graph = g;
    for (const ev of events) {
      if (ev.kind === 'connection') {
        const a = this.portById(graph, ev.a);
        const b = this.portById(graph, ev.b);
        if (!a || !b || a.direction === b.direction) {
          doubt = true;
          continue;
        }
        const cord: [string, string] =
          a.direction === 'output' ? [a.name, b.name] : [b.name, a.name];
        graph = applyGraphDelta(graph, ev.connected ? { connect: [cord] } : { disconnect: [cord] });
      } else if (ev.kind === 'port' && !ev.registered) {
        const p = this.portById(graph, ev.id);
        this.ids.delete(ev.id);
        if (!p) {
          doubt = true;
          continue;
        }
        const rest = (graph.clients[p.client] ?? []).filter((x) => x.name !== p.name);
        graph = applyGraphDelta(graph, { clients: { [p.client]: rest.length ? rest : null } });
      }
    }
    return { graph, doubt };
  }

  private portById(g: JackGraph, id: number): JackPort | undefined {
    const name = this.ids.get(id);
    if (name === undefined) return undefined;
    return g.clients[name.slice(0, name.indexOf(':'))]?.find((p) => p.name === name);
  }

  /** Reports the new graph, if it differs. `since`: when its first line was read. */
  /** When the first port registration not yet read was seen (0: none). */
  private registeredAt = 0;

  private commit(next: JackGraph, source: GraphEvent['source'], since: number): void {
    const delta = diffGraphs(this.current, next);
    if (isEmptyDelta(delta)) return;
    const prev = this.version;
    this.version = nextSeq();
    this.current = next;
    this.safeEmit('graph', next, { seq: this.version, prev, delta });
    const ms = since > 0 ? performance.now() - since : 0;
    // The room's WebSocket messages went out with the 'graph' listeners: /metrics' reaction.
    if (since > 0) observeLatency('patchbay_reaction', ms / 1000);
    try {
      this.options.onGraphEvent?.({ source, ms, seq: this.version });
    } catch {
      // A metrics hook never breaks the watcher.
    }
  }

  private schedule(ms: number): void {
    if (this.closing) return;
    if (this.snapshotting) {
      this.dirty = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.snapshot();
    }, ms);
  }

  private async snapshot(): Promise<void> {
    this.snapshotting = true;
    try {
      do {
        this.dirty = false;
        // What is read but not applied yet is older than this read: it goes on top of it too.
        this.during = [...(this.during ?? []), ...this.batch];
        if (this.batch.length && !this.duringAt) this.duringAt = this.batchAt;
        this.batch = [];
        const r = await this.readGraph();
        this.snapshots++;
        if (this.closing) return;
        const events = this.during;
        const since = this.duringAt || this.registeredAt;
        this.during = undefined;
        this.duringAt = 0;
        this.registeredAt = 0;
        if (r.code !== 0) {
          // (jackd busy or going away): what was read still applies; read again in a moment.
          this.batch.unshift(...events);
          this.batchAt = since || this.batchAt;
          setTimeout(() => this.flush(), 0);
          setTimeout(() => this.schedule(0), 1000).unref();
          return;
        }
        const read = readJackLsp(r.stdout);
        this.ids = read.ids;
        const { graph, doubt } = this.applyEvents(read.graph, events);
        if (doubt) this.dirty = true;
        this.commit(graph, 'snapshot', since);
        if (this.dirty) this.during = [];
      } while (this.dirty && !this.closing);
    } finally {
      this.snapshotting = false;
      this.during = undefined;
    }
  }

  get running(): boolean {
    return !!this.evmon && isRunning(this.evmon) && !this.closing;
  }

  protected async dispose(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.resyncTimer);
    if (this.evmon) await stopChild(this.evmon, 1000);
  }
}
