import { join } from 'node:path';
import { GraphWatcher, type GraphChange } from '../patchbay/GraphWatcher.js';
import { playerClients } from '../patchbay/jackGraph.js';
import type { JackIsolation } from '../process/jackScope.js';
import { Resource } from '../process/Resource.js';
import { TeardownStack } from '../process/TeardownStack.js';
import type { JackGraph } from '../../../protocol/api.js';
import type { PatchMode } from '../../../protocol/rules.js';
import type { CredsFile } from './credentials.js';
import { JackServer } from './JackServer.js';
import { JackTripServer, type JackTripLineEvent } from './JackTripServer.js';
import type { PortBlock } from './PortPool.js';
import { WorkerTable } from './workers.js';

/** How long to wait for a worker's port line that a registration overtook. */
const PORT_LINE_GRACE_MS = 500;

export interface RuntimeOptions {
  roomId: string;
  /** JACK server name for the room: `backline-<id>`. */
  serverName: string;
  ports: PortBlock;
  /** The room's patch mode when it started (the hub wires the room; jacktrip always runs -p 5). */
  patchMode: PatchMode;
  creds: CredsFile;
  certFile: string;
  keyFile: string;
  jacktripBin: string;
  /** The jackd binary (the hub's config: `JACKD_BIN`, default `jackd`). */
  jackdBin?: string;
  /** JACK period in frames. Default 128. */
  period?: number;
  /** The room's engine in a namespace of its own, or on the machine's JACK. Default `none`. */
  isolation?: JackIsolation;
}

export type RoomRuntimeEvents = {
  died: [Error];
  graph: [JackGraph, GraphChange];
  client: [{ name: string; registered: boolean }];
  jacktripline: [JackTripLineEvent];
};

/** How long a room's parts took to start, in ms (the watcher and jacktrip start together). */
export interface RoomStartup {
  jackd: number;
  watcher: number;
  jacktrip: number;
}

/** One live room: its JACK server, graph watcher and `jacktrip -S`, started and stopped together. */
export class RoomRuntime extends Resource<RoomRuntimeEvents> {
  /** Which jacktrip worker (hub UDP port) serves which player client. */
  readonly workers = new WorkerTable();

  private constructor(
    readonly options: RuntimeOptions,
    readonly jack: JackServer,
    readonly watcher: GraphWatcher,
    readonly jacktrip: JackTripServer,
    /** Stops jacktrip, then the watcher, then the JACK server: the reverse of their start. */
    private readonly parts: TeardownStack,
    /** How long each part took to start, in ms. */
    readonly startup: RoomStartup,
  ) {
    super();
    const die = (err: Error) => this.die(err);
    jack.on('died', die);
    jacktrip.on('died', die);
    watcher.on('died', die);
    watcher.on('graph', (g, change) => {
      this.workers.onGraph(playerClients(g), Object.keys(g.clients));
      this.safeEmit('graph', g, change);
    });
    watcher.on('client', (c) => {
      this.workers.onClient(c.name, c.registered);
      this.safeEmit('client', c);
    });
    jacktrip.on('event', (e) => {
      this.workers.onJackTripLine(e);
      this.safeEmit('jacktripline', e);
    });
  }

  static async create(options: RuntimeOptions): Promise<RoomRuntime> {
    const parts = new TeardownStack();
    const t0 = performance.now();
    const since = (t: number) => performance.now() - t;
    try {
      const jack = parts.use(
        await JackServer.create({
          name: options.serverName,
          period: options.period,
          bin: options.jackdBin,
          isolation: options.isolation,
        }),
      );
      const t1 = performance.now();
      const startup: RoomStartup = { jackd: t1 - t0, watcher: 0, jacktrip: 0 };
      // The watcher and jacktrip only need the JACK server: they start side by side.
      const [watcherStart, hubStart] = await Promise.allSettled([
        GraphWatcher.create(jack.scope).finally(() => (startup.watcher = since(t1))),
        JackTripServer.create({
          jack: jack.scope,
          bin: options.jacktripBin,
          tcpPort: options.ports.tcpPort,
          udpBase: options.ports.udpBase,
          auth: {
            certFile: options.certFile,
            keyFile: options.keyFile,
            credsFile: options.creds.path,
          },
        }).finally(() => (startup.jacktrip = since(t1))),
      ]);
      if (watcherStart.status === 'fulfilled') parts.use(watcherStart.value);
      if (hubStart.status === 'fulfilled') parts.use(hubStart.value);
      if (watcherStart.status === 'rejected') throw watcherStart.reason;
      if (hubStart.status === 'rejected') throw hubStart.reason;
      const [watcher, hub] = [watcherStart.value, hubStart.value];
      const rt = new RoomRuntime(options, jack, watcher, hub, parts.move(), startup);
      // A part that died while the next one started fails the start.
      return await Resource.launch(rt, async () => {
        const dead = [jack, watcher, hub].find((p) => p.dead);
        if (dead) throw new Error(`${dead.constructor.name} stopped while the room started`);
      });
    } catch (err) {
      await parts.dispose().catch(() => undefined);
      throw err;
    }
  }

  get graph(): JackGraph {
    return this.watcher.graph;
  }

  /**
   * Stops the jacktrip worker serving one JACK client with its exit packet, leaving every other
   * player connected. False when the client's worker port is unknown (nothing was sent).
   */
  async stopWorker(client: string): Promise<boolean> {
    // A registration read before its port line: the line follows within moments.
    if (this.workers.portOf(client) === undefined && this.workers.has(client))
      await this.nextJackTripLine('worker-port', PORT_LINE_GRACE_MS);
    const port = this.workers.portOf(client);
    if (port === undefined || this.closing) return false;
    await this.jacktrip.sendExitPacket(port);
    return true;
  }

  private nextJackTripLine(kind: JackTripLineEvent['kind'], ms: number): Promise<void> {
    return new Promise((resolve) => {
      const onEvent = (e: JackTripLineEvent) => {
        if (e.kind !== kind) return;
        clearTimeout(timer);
        this.off('jacktripline', onEvent);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('jacktripline', onEvent);
        resolve();
      }, ms);
      this.on('jacktripline', onEvent);
    });
  }

  /** Resolves true once the JACK client has unregistered (at once if it is not there), false after `ms`. */
  clientGone(client: string, ms: number): Promise<boolean> {
    if (!this.workers.has(client)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onClient = (c: { name: string; registered: boolean }) => {
        if (c.name !== client || c.registered) return;
        clearTimeout(timer);
        this.off('client', onClient);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.off('client', onClient);
        resolve(false);
      }, ms);
      this.on('client', onClient);
    });
  }

  /** PIDs of every process this room runs (for tests and /health). */
  get pids(): number[] {
    return [...this.jack.pids, ...this.jacktrip.pids, ...this.watcher.pids];
  }

  /** Children first (jacktrip, then the watcher), the JACK server last. */
  protected async dispose(): Promise<void> {
    await this.parts.dispose();
  }
}

export function credsPath(dataDir: string, roomId: string): string {
  return join(dataDir, 'rooms', roomId, 'jacktrip-creds.txt');
}
