import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { SafeEmitter } from '../events.js';
import type { Logger } from '../log.js';
import {
  RestartPolicy,
  ROOM_RESTARTS,
  type RestartPolicyOptions,
} from '../process/RestartPolicy.js';
import type { JackGraph } from '../../../protocol/api.js';
import type { GraphChange } from '../patchbay/GraphWatcher.js';
import type { PatchMode } from '../../../protocol/rules.js';
import type { JackIsolation } from '../process/jackScope.js';
import { CredsFile } from './credentials.js';
import { reclaimJackSlotsLogged } from './jackSlots.js';
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
  /** Where rooms' JACK servers run (jacktrip/isolation.ts). Default: the machine's shared JACK. */
  isolation?: () => Promise<JackIsolation>;
  /** When a crashed room is tried again, and when it is given up. Default {@link ROOM_RESTARTS}. */
  restarts?: RestartPolicyOptions;
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
  graph: [string, JackGraph, GraphChange];
  client: [string, { name: string; registered: boolean }];
  jacktripline: [string, JackTripLineEvent];
  /** The room's processes are stopped and its block is back in the pool. */
  released: [string, PortBlock];
};

/**
 * Where a room's processes are. A room's entry exists from its first start until stop(); a
 * stopped room has no entry (a start waits for its stop to finish).
 */
type EntryState =
  /** Nothing runs and nothing is under way (a start failed, or a crash's processes are gone). */
  | { kind: 'idle' }
  /** A start is under way; concurrent callers share it. */
  | { kind: 'starting'; done: Promise<RoomRuntime> }
  | { kind: 'running'; runtime: RoomRuntime }
  /**
   * The processes of a runtime that died, or that restart() replaces, are being stopped; the
   * next start waits for them (a jacktrip whose jackd died holds the room's port until its SIGKILL).
   */
  | { kind: 'retiring'; done: Promise<void> }
  /** After a crash: the next start waits for the policy's delay. */
  | { kind: 'backoff'; timer: NodeJS.Timeout; error: Error };

interface Entry {
  spec: RoomSpec;
  ports: PortBlock;
  creds: CredsFile;
  state: EntryState;
  /** Crashes and failed restarts, and when to give up. */
  policy: RestartPolicy;
  /** A restart asked for by restart(), shared by concurrent callers. */
  restarting?: Promise<RoomRuntime | undefined>;
}

const IDLE: EntryState = Object.freeze({ kind: 'idle' });

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
    reclaimJackSlotsLogged(this.options.logger);
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
        state: IDLE,
        policy: new RestartPolicy(this.options.restarts ?? ROOM_RESTARTS),
      };
      this.entries.set(spec.roomId, entry);
    }
    const state = entry.state;
    switch (state.kind) {
      case 'running':
        return state.runtime;
      case 'starting':
        return state.done;
      case 'retiring':
        // Start anew only once the crashed room's processes are gone.
        await state.done.catch(() => undefined);
        return this.ensure(spec);
      case 'backoff':
        // A restart after a crash is waiting for its backoff: this start is that restart, now.
        clearTimeout(state.timer);
        entry.state = IDLE;
        return this.restartAfterCrash(entry);
      case 'idle':
        return this.begin(entry);
    }
  }

  get(roomId: string): RoomRuntime | undefined {
    const state = this.entries.get(roomId)?.state;
    return state?.kind === 'running' ? state.runtime : undefined;
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
    return this.get(spec.roomId);
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
      if (entry.state.kind === 'starting') await entry.state.done.catch(() => undefined);
      const old = entry.state;
      if (old.kind !== 'running' || this.entries.get(roomId) !== entry) return undefined;
      // As after a crash: a stop in the meantime waits for the old processes too.
      const retiring = this.retire(entry, old.runtime);
      await retiring.done;
      if (this.closed || this.entries.get(roomId) !== entry) return undefined;
      const rt = await this.startOrJoin(entry);
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
    if (entry.state.kind === 'backoff') {
      clearTimeout(entry.state.timer);
      entry.state = IDLE;
    }
    const done = (async () => {
      // Whatever is under way settles first (a start that finds its room stopped closes what it made).
      for (let s = entry.state; s.kind === 'starting' || s.kind === 'retiring'; s = entry.state) {
        await s.done.catch(() => undefined);
        if (entry.state === s) entry.state = IDLE;
      }
      if (entry.state.kind === 'running') await entry.state.runtime.close();
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
    return [...this.entries.values()].filter((e) => e.state.kind === 'running').length;
  }

  /** PIDs of every process the supervisor runs. */
  get pids(): number[] {
    return [...this.entries.values()].flatMap((e) =>
      e.state.kind === 'running' ? e.state.runtime.pids : [],
    );
  }

  /** Starts the room's processes; the entry is `starting` until they run (or the start fails). */
  private begin(entry: Entry): Promise<RoomRuntime> {
    const state: Extract<EntryState, { kind: 'starting' }> = {
      kind: 'starting',
      done: Promise.resolve(undefined as unknown as RoomRuntime),
    };
    entry.state = state;
    state.done = this.start(entry, state);
    return state.done;
  }

  /** The start under way, the running runtime, or a new start. */
  private startOrJoin(entry: Entry): Promise<RoomRuntime> {
    const state = entry.state;
    if (state.kind === 'starting') return state.done;
    if (state.kind === 'running') return Promise.resolve(state.runtime);
    return this.begin(entry);
  }

  /** Stops a runtime's processes; the entry is `retiring` until they are gone, then `idle`. */
  private retire(entry: Entry, rt: RoomRuntime): Extract<EntryState, { kind: 'retiring' }> {
    const state = { kind: 'retiring' as const, done: rt.close() };
    entry.state = state;
    void state.done
      .catch(() => undefined)
      .then(() => {
        if (entry.state === state) entry.state = IDLE;
      });
    return state;
  }

  private async start(
    entry: Entry,
    state: Extract<EntryState, { kind: 'starting' }>,
  ): Promise<RoomRuntime> {
    const { roomId } = entry.spec;
    try {
      // Again before every start: a server of another Backline hub here may have died since.
      reclaimJackSlotsLogged(this.options.logger);
      await this.claim(entry);
      const isolation = await this.options.isolation?.();
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
        isolation,
      });
      if (this.closed || this.entries.get(roomId) !== entry) {
        await rt.close();
        throw new Error('room stopped while starting');
      }
      rt.on('graph', (g, change) => this.safeEmit('graph', roomId, g, change));
      rt.on('client', (c) => this.safeEmit('client', roomId, c));
      rt.on('jacktripline', (ev) => this.safeEmit('jacktripline', roomId, ev));
      rt.on('died', (err) => this.onDied(entry, rt, err));
      if (entry.state === state) entry.state = { kind: 'running', runtime: rt };
      entry.policy.started();
      this.options.logger.info(
        { roomId, pids: rt.pids, ports: entry.ports },
        'room processes started',
      );
      return rt;
    } catch (err) {
      if (entry.state === state) entry.state = IDLE;
      throw err;
    }
  }

  /** A block the router accepts, trying a few others when it refuses one. */
  private async claim(entry: Entry): Promise<void> {
    const { claimPorts, pool, logger } = this.options;
    if (!claimPorts) return;
    const { roomId, maxClients } = entry.spec;
    entry.ports = await pool.claim(
      roomId,
      maxClients,
      entry.ports,
      (ports) => claimPorts(roomId, ports),
      (ports) => logger.info({ roomId, ports }, 'router refused the block; trying another'),
      CLAIM_TRIES,
    );
  }

  private onDied(entry: Entry, rt: RoomRuntime, err: Error): void {
    if (this.closed || entry.state.kind !== 'running' || entry.state.runtime !== rt) return;
    this.options.logger.warn({ roomId: entry.spec.roomId, err: err.message }, 'room process died');
    // The rest of the room's processes are stopped before a restart; a stop or the hub's
    // shutdown in the meantime waits for them too (a jacktrip whose jackd died takes a SIGKILL).
    const retiring = this.retire(entry, rt);
    void retiring.done.catch(() => undefined).then(() => this.scheduleRestart(entry, err));
  }

  private scheduleRestart(entry: Entry, err: Error): void {
    const { roomId } = entry.spec;
    // Stopped meanwhile, or someone started it again already.
    if (this.closed || this.entries.get(roomId) !== entry || entry.state.kind !== 'idle') return;
    const backoff = entry.policy.failed();
    if (backoff === undefined) {
      this.options.logger.error(
        { roomId, err: err.message },
        'room could not be restarted; stopping it',
      );
      this.safeEmit('failed', roomId, err);
      void this.stop(roomId);
      return;
    }
    const state: EntryState = {
      kind: 'backoff',
      error: err,
      timer: setTimeout(() => {
        if (entry.state !== state) return;
        entry.state = IDLE;
        if (this.closed || this.entries.get(roomId) !== entry) return;
        void this.restartAfterCrash(entry);
      }, backoff),
    };
    entry.state = state;
  }

  /** Starts a crashed room again; players are told, and a failure schedules the next try. */
  private restartAfterCrash(entry: Entry): Promise<RoomRuntime> {
    const { roomId } = entry.spec;
    const starting = this.startOrJoin(entry);
    starting.then(
      () => {
        this.options.logger.info(
          { roomId, restarts: entry.policy.tries },
          'room processes restarted',
        );
        this.safeEmit('restarted', roomId);
      },
      (startErr: unknown) => this.scheduleRestart(entry, startErr as Error),
    );
    return starting;
  }
}
