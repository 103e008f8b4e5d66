import { delay, isRunning, stopChild, type Child } from '../process/child.js';
import type { JackScope } from '../process/jackScope.js';
import { Resource } from '../process/Resource.js';
import type { JackGraph } from '../../../protocol/api.js';
import { parseJackLsp } from './jackGraph.js';

/** Clients our own tools register for a moment; their comings and goings change nothing. */
const TOOL_CLIENTS = new Set([
  'jthubpatcher',
  'lsp',
  'jack_connect',
  'jack_disconnect',
  'jack_evmon',
  'evmon',
  'event-monitor', // jack_evmon's client
  'jack_wait',
]);

/**
 * One of our tools' clients? JACK renames a second client of the same name while the first is
 * open (`jack_connect-01` when several connects run at once), so the renamed forms count too.
 */
export function isToolClient(name: string): boolean {
  return TOOL_CLIENTS.has(name.replace(/[-_]\d+$/, ''));
}

export type EvmonEvent =
  | { kind: 'client'; name: string; registered: boolean }
  | { kind: 'port'; registered: boolean }
  | { kind: 'connection'; connected: boolean };

/** Classifies a `jack_evmon` line; undefined for lines that don't change the graph. */
export function parseEvmonLine(line: string): EvmonEvent | undefined {
  let m = /^Client (.+) (registered|unregistered)$/.exec(line);
  if (m) return { kind: 'client', name: m[1]!, registered: m[2] === 'registered' };
  m = /^Port \d+ (registered|unregistered)$/.exec(line);
  if (m) return { kind: 'port', registered: m[1] === 'registered' };
  m = /^Ports \d+ and \d+ (connected|disconnected)$/.exec(line);
  if (m) return { kind: 'connection', connected: m[1] === 'connected' };
  return undefined;
}

export type GraphWatcherEvents = {
  graph: [JackGraph];
  client: [{ name: string; registered: boolean }];
  died: [Error];
};

/**
 * Keeps a room's JACK graph current: `jack_evmon` streams events, and each burst of them
 * triggers one `jack_lsp` snapshot. No polling.
 */
export class GraphWatcher extends Resource<GraphWatcherEvents> {
  private current: JackGraph = { clients: {}, connections: [] };
  private currentJson = '';
  private snapshotting = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private evmon: Child | undefined;
  /** Snapshots taken (for benchmarks: the watcher's own cost). */
  snapshots = 0;

  /** The room's JACK server. */
  readonly server: string;

  private constructor(readonly scope: JackScope) {
    super();
    this.server = scope.server;
  }

  static async create(scope: JackScope): Promise<GraphWatcher> {
    const w = new GraphWatcher(scope);
    w.evmon = scope.spawn('jack_evmon', [], (line) => w.onLine(line));
    void w.evmon.exited.then(() => w.die(new Error(`jack_evmon on ${scope.server} exited`)));
    return Resource.launch(w, async () => {
      await delay(50); // let evmon register before the first snapshot, so no event falls between
      await w.snapshot();
    });
  }

  get graph(): JackGraph {
    return this.current;
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

  /** Takes a snapshot now (after our own jack_connect, say), coalescing with any in flight. */
  refresh(): void {
    this.schedule(0);
  }

  private onLine(line: string): void {
    const ev = parseEvmonLine(line);
    if (!ev) return;
    if (ev.kind === 'client') {
      if (isToolClient(ev.name)) return;
      this.safeEmit('client', { name: ev.name, registered: ev.registered });
    }
    this.schedule(15);
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
        const r = await this.scope.run('jack_lsp', ['-c', '-p', '-t'], 5000);
        this.snapshots++;
        if (r.code !== 0 || this.closing) continue;
        const g = parseJackLsp(r.stdout);
        const json = JSON.stringify(g);
        if (json !== this.currentJson) {
          this.current = g;
          this.currentJson = json;
          this.safeEmit('graph', g);
        }
      } while (this.dirty && !this.closing);
    } finally {
      this.snapshotting = false;
    }
  }

  get running(): boolean {
    return !!this.evmon && isRunning(this.evmon) && !this.closing;
  }

  protected async dispose(): Promise<void> {
    clearTimeout(this.timer);
    if (this.evmon) await stopChild(this.evmon, 1000);
  }
}
