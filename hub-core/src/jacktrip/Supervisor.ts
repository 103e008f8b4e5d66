import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { SafeEmitter } from '../events.js';
import type { Logger } from '../log.js';
import type { JackGraph } from '../../../protocol/api.js';
import type { PatchMode } from '../../../protocol/rules.js';
import { CredsFile } from './credentials.js';
import { reclaimJackSlots } from './jackSlots.js';
import type { HubLineEvent } from './JackTripHub.js';
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
  hubevent: [string, HubLineEvent];
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

  constructor(private readonly o: SupervisorOptions) {
    super();
    this.onListenerError = (event, err) =>
      o.logger.error({ err, event }, 'supervisor listener threw');
    // A hub that was killed (its room servers died with it) left their JACK slots taken.
    this.reclaimSlots();
  }

  /** The room's runtime, starting it if needed (concurrent callers share one start). */
  async ensure(spec: RoomSpec): Promise<RoomRuntime> {
    // A room rejoined while its processes stop (the last player left a moment ago): the old
    // processes, ports and credentials must be gone before the new ones exist.
    for (let s = this.stopping.get(spec.roomId); s; s = this.stopping.get(spec.roomId)) await s;
    if (this.closed) throw new Error('hub is shutting down');
    let e = this.entries.get(spec.roomId);
    if (!e) {
      const ports = this.o.pool.lease(spec.roomId, spec.maxClients);
      e = {
        spec,
        ports,
        creds: new CredsFile(credsPath(this.o.dataDir, spec.roomId)),
        runtime: undefined,
        starting: undefined,
        retiring: undefined,
        restarts: 0,
        timer: undefined,
      };
      this.entries.set(spec.roomId, e);
    }
    if (e.runtime) return e.runtime;
    if (e.retiring) {
      // The room's processes crashed and the rest are still being stopped (a jacktrip whose
      // jackd died holds the room's port until its SIGKILL): start anew only once they are gone.
      await e.retiring.catch(() => undefined);
      return this.ensure(spec);
    }
    if (e.timer) {
      // A restart after a crash is waiting for its backoff: this start is that restart, now.
      clearTimeout(e.timer);
      e.timer = undefined;
      return this.restartAfterCrash(e);
    }
    return (e.starting ??= this.start(e));
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
    const e = this.entries.get(spec.roomId);
    if (!e) return undefined;
    e.spec = spec;
    return e.runtime;
  }

  /**
   * Restarts a live room's processes (same ports, same credentials) and tells its players
   * (`restarted`). The last resort for removing a player whose jacktrip worker can't be stopped
   * alone. Concurrent calls share one restart.
   */
  restart(roomId: string): Promise<RoomRuntime | undefined> {
    const e = this.entries.get(roomId);
    if (!e) return Promise.resolve(undefined);
    if (e.restarting) return e.restarting;
    const restarting = (async () => {
      await e.starting?.catch(() => undefined);
      const old = e.runtime;
      if (!old || this.entries.get(roomId) !== e) return undefined;
      e.runtime = undefined;
      // As after a crash: a stop in the meantime waits for the old processes too.
      const retiring = old.close();
      e.retiring = retiring;
      await retiring;
      if (e.retiring === retiring) e.retiring = undefined;
      if (this.closed || this.entries.get(roomId) !== e) return undefined;
      const rt = await (e.starting ??= this.start(e));
      this.safeEmit('restarted', roomId);
      return rt;
    })().finally(() => {
      e.restarting = undefined;
    });
    e.restarting = restarting;
    return restarting;
  }

  /** Stops the room's processes and forgets its ports and credentials. */
  stop(roomId: string): Promise<void> {
    const under = this.stopping.get(roomId);
    if (under) return under;
    const e = this.entries.get(roomId);
    if (!e) return Promise.resolve();
    this.entries.delete(roomId);
    clearTimeout(e.timer);
    const done = (async () => {
      await e.starting?.catch(() => undefined);
      await e.retiring;
      await e.runtime?.close();
      this.o.pool.release(roomId);
      rmSync(dirname(e.creds.path), { recursive: true, force: true });
      this.safeEmit('released', roomId, e.ports);
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

  private async start(e: Entry): Promise<RoomRuntime> {
    const { roomId } = e.spec;
    try {
      // Again before every start: a server of another Backline hub here may have died since.
      this.reclaimSlots();
      await this.claim(e);
      const rt = await RoomRuntime.create({
        roomId,
        serverName: serverNameFor(e.ports),
        ports: e.ports,
        patchMode: e.spec.patchMode,
        creds: e.creds,
        certFile: this.o.certFile,
        keyFile: this.o.keyFile,
        jacktripBin: this.o.jacktripBin,
        period: this.o.period,
      });
      if (this.closed || this.entries.get(roomId) !== e) {
        await rt.close();
        throw new Error('room stopped while starting');
      }
      rt.on('graph', (g) => this.safeEmit('graph', roomId, g));
      rt.on('client', (c) => this.safeEmit('client', roomId, c));
      rt.on('hubevent', (ev) => this.safeEmit('hubevent', roomId, ev));
      rt.on('died', (err) => this.onDied(e, rt, err));
      e.runtime = rt;
      this.o.logger.info({ roomId, pids: rt.pids, ports: e.ports }, 'room processes started');
      return rt;
    } finally {
      e.starting = undefined;
    }
  }

  private reclaimSlots(): void {
    try {
      const names = reclaimJackSlots();
      if (names.length > 0)
        this.o.logger.info({ servers: names }, 'freed the JACK slots of dead room servers');
    } catch (err) {
      this.o.logger.warn({ err }, 'could not free the JACK slots of dead room servers');
    }
  }

  /** A block the router accepts, trying a few others when it refuses one. */
  private async claim(e: Entry): Promise<void> {
    const claimPorts = this.o.claimPorts;
    if (!claimPorts) return;
    const refused: PortBlock[] = [];
    for (let i = 1; !(await claimPorts(e.spec.roomId, e.ports)); i++) {
      refused.push(e.ports);
      if (i >= CLAIM_TRIES) return;
      try {
        e.ports = this.o.pool.relet(e.spec.roomId, e.spec.maxClients, refused);
      } catch {
        return; // no other block free: this one serves the LAN
      }
      this.o.logger.info(
        { roomId: e.spec.roomId, ports: e.ports },
        'router refused the block; trying another',
      );
    }
  }

  private onDied(e: Entry, rt: RoomRuntime, err: Error): void {
    if (this.closed || e.runtime !== rt) return;
    e.runtime = undefined;
    this.o.logger.warn({ roomId: e.spec.roomId, err: err.message }, 'room process died');
    // The rest of the room's processes are stopped before a restart; a stop or the hub's
    // shutdown in the meantime waits for them too (a jacktrip whose jackd died takes a SIGKILL).
    const retiring = rt.close();
    e.retiring = retiring;
    void retiring.then(() => {
      if (e.retiring === retiring) e.retiring = undefined;
      this.scheduleRestart(e, err);
    });
  }

  private scheduleRestart(e: Entry, err: Error): void {
    const { roomId } = e.spec;
    if (this.closed || this.entries.get(roomId) !== e) return;
    e.restarts++;
    if (e.restarts > (this.o.maxRestarts ?? 6)) {
      this.o.logger.error({ roomId, err: err.message }, 'room could not be restarted; stopping it');
      this.safeEmit('failed', roomId, err);
      void this.stop(roomId);
      return;
    }
    const backoff = Math.min(8000, 250 * 2 ** (e.restarts - 1));
    e.timer = setTimeout(() => {
      e.timer = undefined;
      if (this.closed || this.entries.get(roomId) !== e) return;
      void this.restartAfterCrash(e);
    }, backoff);
  }

  /** Starts a crashed room again; players are told, and a failure schedules the next try. */
  private restartAfterCrash(e: Entry): Promise<RoomRuntime> {
    const { roomId } = e.spec;
    const starting = (e.starting ??= this.start(e));
    starting.then(
      () => {
        this.o.logger.info({ roomId, restarts: e.restarts }, 'room processes restarted');
        // A room that stays up for a minute earns a clean slate.
        setTimeout(() => {
          if (e.runtime) e.restarts = 0;
        }, 60_000).unref();
        this.safeEmit('restarted', roomId);
      },
      (startErr: unknown) => this.scheduleRestart(e, startErr as Error),
    );
    return starting;
  }
}
