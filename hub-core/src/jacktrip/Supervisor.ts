import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { SafeEmitter } from '../events.js';
import type { Logger } from '../log.js';
import type { JackGraph } from '../../../protocol/api.js';
import type { PatchMode } from '../../../protocol/rules.js';
import { CredsFile } from './credentials.js';
import { reclaimJackSlots } from './jackSlots.js';
import type { JackTripLineEvent } from './JackTripServer.js';
import type { PortBlock, PortPool } from './PortPool.js';
import { RoomRuntime, credsPath } from './RoomRuntime.js';

export interface RoomSpec {
  roomId: string;
  patchMode: PatchMode;
  maxClients: number;
}

export interface SupervisorOptions {
  dataDir: string;
  jacktripBin: string;
  /** The jackd binary room servers run. Default `jackd`. */
  jackdBin?: string;
  pool: PortPool;
  /** PEM files jacktrip's TLS authentication uses (the hub's own certificate). */
  certFile: string;
  keyFile: string;
  logger: Logger;
  /** JACK period of room servers in frames. Default 128. */
  period?: number;
  /** Restarts tried before a room is given up. Default 6. */
  maxRestarts?: number;
  /**
   * Asked before a room's processes start with its block (the router's port mapping): false
   * means "refused", and the room gets another block. Default: every block is fine.
   */
  claimPorts?: (roomId: string, ports: PortBlock) => Promise<boolean>;
}

/** Blocks tried for one room before it starts on the last one anyway (reachable on the LAN). */
const CLAIM_TRIES = 3;

export type SupervisorEvents = {
  /** The room's processes came back after a crash: players should reconnect. */
  restarted: [string];
  /** The room could not be brought back; it is stopped. */
  failed: [string, Error];
  graph: [string, JackGraph];
  client: [string, { name: string; registered: boolean }];
  jacktripline: [string, JackTripLineEvent];
  /** The room's processes are stopped and its block is back in the pool. */
  released: [string, PortBlock];
};

interface Entry {
  spec: RoomSpec;
  ports: PortBlock;
  creds: CredsFile;
  runtime: RoomRuntime | undefined;
  starting: Promise<RoomRuntime> | undefined;
  /** The processes of a runtime that died, being stopped before the restart. */
  retiring: Promise<void> | undefined;
  /** A restart asked for by restart(). */
  restarting?: Promise<RoomRuntime | undefined>;
  restarts: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A room's JACK server is named after its port block, not its room id: JACK keeps a registry
 * of at most 8 servers, and a server that dies without unregistering (SIGKILL, a crash) only
 * gives its slot back when a server of the same name starts again. Block names recur, so
 * crashed servers' slots are reclaimed; unique names would leak one slot per crash.
 */
export const serverNameFor = (ports: PortBlock) => `backline-${ports.tcpPort}`;

/**
 * Decides when rooms' processes run: starts them on demand, restarts them with backoff
 * after a crash, stops them when asked. The process classes never restart themselves.
 */
export class Supervisor extends SafeEmitter<SupervisorEvents> {
  private readonly entries = new Map<string, Entry>();
  /** Rooms whose processes are being stopped: a new start waits, and close() waits too. */
  private readonly stopping = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.onListenerError = (event, err) =>
      options.logger.error({ err, event }, 'supervisor listener threw');
    // A hub that was killed (its room servers died with it) left their JACK slots taken.
    this.reclaimSlots();
  }

  /** The room's runtime, starting it if needed (concurrent callers share one start). */
  async ensure(spec: RoomSpec): Promise<RoomRuntime> {
    // A room rejoined while its processes stop (the last player left a moment ago): the old
    // processes, ports and credentials must be gone before the new ones exist.
    for (let s = this.stopping.get(spec.roomId); s; s = this.stopping.get(spec.roomId)) await s;
    if (this.closed) throw new Error('hub is shutting down');
    let entry = this.entries.get(spec.roomId);
    if (!entry) {
      const ports = this.options.pool.lease(spec.roomId, spec.maxClients);
      entry = {
        spec,
        ports,
        creds: new CredsFile(credsPath(this.options.dataDir, spec.roomId)),
        runtime: undefined,
        starting: undefined,
        retiring: undefined,
        restarts: 0,
        timer: undefined,
      };
      this.entries.set(spec.roomId, entry);
    }
    if (entry.runtime) return entry.runtime;
    if (entry.retiring) {
      // The room's processes crashed and the rest are still being stopped (a jacktrip whose
      // jackd died holds the room's port until its SIGKILL): start anew only once they are gone.
      await entry.retiring.catch(() => undefined);
      return this.ensure(spec);
    }
    if (entry.timer) {
      // A restart after a crash is waiting for its backoff: this start is that restart, now.
      clearTimeout(entry.timer);
      entry.timer = undefined;
      return this.restartAfterCrash(entry);
    }
    return (entry.starting ??= this.start(entry));
  }

  get(roomId: string): RoomRuntime | undefined {
    return this.entries.get(roomId)?.runtime;
  }

  creds(roomId: string): CredsFile | undefined {
    return this.entries.get(roomId)?.creds;
  }

  ports(roomId: string): PortBlock | undefined {
    return this.entries.get(roomId)?.ports;
  }

  /**
   * Records a room's new spec (a patch mode change). Nothing restarts: jacktrip runs without its
   * own auto-patcher in every mode, and the hub re-wires the room (patchbay/Wiring.ts).
   */
  reconfigure(spec: RoomSpec): RoomRuntime | undefined {
    const entry = this.entries.get(spec.roomId);
    if (!entry) return undefined;
    entry.spec = spec;
    return entry.runtime;
  }

  /**
   * Restarts a live room's processes (same ports, same credentials) and tells its players
   * (`restarted`). The last resort for removing a player whose jacktrip worker can't be stopped
   * alone. Concurrent calls share one restart.
   */
  restart(roomId: string): Promise<RoomRuntime | undefined> {
    const entry = this.entries.get(roomId);
    if (!entry) return Promise.resolve(undefined);
    if (entry.restarting) return entry.restarting;
    const restarting = (async () => {
      await entry.starting?.catch(() => undefined);
      const old = entry.runtime;
      if (!old || this.entries.get(roomId) !== entry) return undefined;
      entry.runtime = undefined;
      // As after a crash: a stop in the meantime waits for the old processes too.
      const retiring = old.close();
      entry.retiring = retiring;
      await retiring;
      if (entry.retiring === retiring) entry.retiring = undefined;
      if (this.closed || this.entries.get(roomId) !== entry) return undefined;
      const rt = await (entry.starting ??= this.start(entry));
      this.safeEmit('restarted', roomId);
      return rt;
    })().finally(() => {
      entry.restarting = undefined;
    });
    entry.restarting = restarting;
    return restarting;
  }

  /** Stops the room's processes and forgets its ports and credentials. */
  stop(roomId: string): Promise<void> {
    const under = this.stopping.get(roomId);
    if (under) return under;
    const entry = this.entries.get(roomId);
    if (!entry) return Promise.resolve();
    this.entries.delete(roomId);
    clearTimeout(entry.timer);
    const done = (async () => {
      await entry.starting?.catch(() => undefined);
      await entry.retiring;
      await entry.runtime?.close();
      this.options.pool.release(roomId);
      rmSync(dirname(entry.creds.path), { recursive: true, force: true });
      this.safeEmit('released', roomId, entry.ports);
    })().finally(() => {
      if (this.stopping.get(roomId) === done) this.stopping.delete(roomId);
    });
    this.stopping.set(roomId, done);
    return done;
  }

  /** Every room stopped, children first, including stops already under way; no process outlives this. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([
      ...[...this.entries.keys()].map((id) => this.stop(id)),
      ...this.stopping.values(),
    ]);
  }

  get liveRooms(): number {
    return [...this.entries.values()].filter((e) => e.runtime).length;
  }

  /** PIDs of every process the supervisor runs. */
  get pids(): number[] {
    return [...this.entries.values()].flatMap((e) => e.runtime?.pids ?? []);
  }

  private async start(entry: Entry): Promise<RoomRuntime> {
    const { roomId } = entry.spec;
    try {
      // Again before every start: a server of another Backline hub here may have died since.
      this.reclaimSlots();
      await this.claim(entry);
      const rt = await RoomRuntime.create({
        roomId,
        serverName: serverNameFor(entry.ports),
        ports: entry.ports,
        patchMode: entry.spec.patchMode,
        creds: entry.creds,
        certFile: this.options.certFile,
        keyFile: this.options.keyFile,
        jacktripBin: this.options.jacktripBin,
        jackdBin: this.options.jackdBin,
        period: this.options.period,
      });
      if (this.closed || this.entries.get(roomId) !== entry) {
        await rt.close();
        throw new Error('room stopped while starting');
      }
      rt.on('graph', (g) => this.safeEmit('graph', roomId, g));
      rt.on('client', (c) => this.safeEmit('client', roomId, c));
      rt.on('jacktripline', (ev) => this.safeEmit('jacktripline', roomId, ev));
      rt.on('died', (err) => this.onDied(entry, rt, err));
      entry.runtime = rt;
      this.options.logger.info(
        { roomId, pids: rt.pids, ports: entry.ports },
        'room processes started',
      );
      return rt;
    } finally {
      entry.starting = undefined;
    }
  }

  private reclaimSlots(): void {
    try {
      const names = reclaimJackSlots();
      if (names.length > 0)
        this.options.logger.info({ servers: names }, 'freed the JACK slots of dead room servers');
    } catch (err) {
      this.options.logger.warn({ err }, 'could not free the JACK slots of dead room servers');
    }
  }

  /** A block the router accepts, trying a few others when it refuses one. */
  private async claim(entry: Entry): Promise<void> {
    const claimPorts = this.options.claimPorts;
    if (!claimPorts) return;
    const refused: PortBlock[] = [];
    for (let i = 1; !(await claimPorts(entry.spec.roomId, entry.ports)); i++) {
      refused.push(entry.ports);
      if (i >= CLAIM_TRIES) return;
      try {
        entry.ports = this.options.pool.relet(entry.spec.roomId, entry.spec.maxClients, refused);
      } catch {
        return; // no other block free: this one serves the LAN
      }
      this.options.logger.info(
        { roomId: entry.spec.roomId, ports: entry.ports },
        'router refused the block; trying another',
      );
    }
  }

  private onDied(entry: Entry, rt: RoomRuntime, err: Error): void {
    if (this.closed || entry.runtime !== rt) return;
    entry.runtime = undefined;
    this.options.logger.warn({ roomId: entry.spec.roomId, err: err.message }, 'room process died');
    // The rest of the room's processes are stopped before a restart; a stop or the hub's
    // shutdown in the meantime waits for them too (a jacktrip whose jackd died takes a SIGKILL).
    const retiring = rt.close();
    entry.retiring = retiring;
    void retiring.then(() => {
      if (entry.retiring === retiring) entry.retiring = undefined;
      this.scheduleRestart(entry, err);
    });
  }

  private scheduleRestart(entry: Entry, err: Error): void {
    const { roomId } = entry.spec;
    if (this.closed || this.entries.get(roomId) !== entry) return;
    entry.restarts++;
    if (entry.restarts > (this.options.maxRestarts ?? 6)) {
      this.options.logger.error(
        { roomId, err: err.message },
        'room could not be restarted; stopping it',
      );
      this.safeEmit('failed', roomId, err);
      void this.stop(roomId);
      return;
    }
    const backoff = Math.min(8000, 250 * 2 ** (entry.restarts - 1));
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.closed || this.entries.get(roomId) !== entry) return;
      void this.restartAfterCrash(entry);
    }, backoff);
  }

  /** Starts a crashed room again; players are told, and a failure schedules the next try. */
  private restartAfterCrash(entry: Entry): Promise<RoomRuntime> {
    const { roomId } = entry.spec;
    const starting = (entry.starting ??= this.start(entry));
    starting.then(
      () => {
        this.options.logger.info({ roomId, restarts: entry.restarts }, 'room processes restarted');
        // A room that stays up for a minute earns a clean slate.
        setTimeout(() => {
          if (entry.runtime) entry.restarts = 0;
        }, 60_000).unref();
        this.safeEmit('restarted', roomId);
      },
      (startErr: unknown) => this.scheduleRestart(entry, startErr as Error),
    );
    return starting;
  }
}
