// The hub owns every room's wiring. jacktrip runs without its own auto-patcher (-p 5), and on
// every change of a room's graph one reconcile pass: stops the jacktrip worker of any player
// client that belongs to no current member (or is a member's older duplicate), cuts its cords,
// and makes the patch mode's mesh between the members' clients. Passes never overlap: a change
// during one schedules one more.
import type { RoomRuntime } from '../jacktrip/RoomRuntime.js';
import type { Supervisor } from '../jacktrip/Supervisor.js';
import type { Logger } from '../log.js';
import type { JackGraph } from '../../../protocol/api.js';
import { findPort, isConnected } from './jackGraph.js';
import { clientIsPlayer, playerOf } from '../../../protocol/rules.js';
import type { Cord } from './rememberedCords.js';
import { clientOf, cordKey, planWiring, wireable, type Roster } from './wiringPlan.js';

export interface WiringOptions {
  supervisor: Supervisor;
  /** The room's patch mode and members (host included); undefined once it is closed. */
  roster: (roomId: string) => Roster | undefined;
  logger: Logger;
  /** A player client named after no member was stopped: the room is told why. */
  onRefused: (roomId: string, client: string) => void;
  /** jack_connect / jack_disconnect processes at once (each costs about 50 ms). Default 4. */
  concurrency?: number;
}

/** How long a stopped worker's client may take to leave the graph before the room restarts. */
const STOP_CONFIRM_MS = 2000;
/**
 * How long a pass waits for the graph to show its own changes (so the next pass plans on a
 * fresh graph). Removals never wait for it: they stop workers at once.
 */
const SETTLE_MS = 1000;

/** One runtime's wiring state; a restarted room gets a fresh one. */
interface RoomWiring {
  running: Promise<void> | undefined;
  again: boolean;
  /** The next pass starts the patch mode from a clean slate. */
  reset: boolean;
  /** Mesh cords made once (cordKey), forgotten when either client goes. */
  made: Set<string>;
  /** Members who left or were removed: their clients are stopped without a refusal message. */
  removed: Set<string>;
  /** Worker stops under way, by client. */
  stopping: Map<string, Promise<void>>;
}

/** A name from the network, safe to show: printable, at most 64 characters. */
export function shownName(name: string): string {
  return name.replace(/[\p{Cc}\p{Cf}]/gu, '').slice(0, 64);
}

export function refusalMessage(client: string): string {
  return (
    `A JackTrip connection named '${shownName(client)}' was refused: connect with ` +
    '-K <your username> (the app does this for you)'
  );
}

export class Wiring {
  private readonly states = new WeakMap<RoomRuntime, RoomWiring>();

  constructor(private readonly options: WiringOptions) {
    options.supervisor.on('graph', (roomId) => void this.reconcile(roomId));
    options.supervisor.on('client', (roomId, c) => {
      const rt = options.supervisor.get(roomId);
      const st = rt && this.states.get(rt);
      if (st && !c.registered) forgetClient(st, c.name);
    });
  }

  /** Runs a pass over the room's graph; resolves once a pass that began after the call is done. */
  reconcile(roomId: string): Promise<void> {
    const rt = this.options.supervisor.get(roomId);
    if (!rt) return Promise.resolve();
    const st = this.stateOf(rt);
    st.again = true;
    st.running ??= this.loop(roomId, rt, st);
    return st.running;
  }

  /**
   * A member left or was removed (kick, ban): their clients' cords are cut and their workers
   * stopped. Call after they are out of the roster; resolves once both are done.
   */
  async removePlayer(roomId: string, username: string): Promise<void> {
    const rt = this.options.supervisor.get(roomId);
    if (!rt) return;
    const st = this.stateOf(rt);
    st.removed.add(username);
    // At once, not after a pass under way: every worker of theirs, even one too new for the graph.
    for (const c of rt.workers.clients())
      if (playerOf(c, [username]) !== undefined) void this.stop(roomId, rt, st, c, 'removed');
    await this.reconcile(roomId);
    await Promise.all(
      [...st.stopping].filter(([c]) => clientIsPlayer(c, username)).map(([, p]) => p),
    );
  }

  /** A patch mode change: every cord off the new mode's mesh is cut, and the mesh made. */
  async rewire(roomId: string): Promise<void> {
    const rt = this.options.supervisor.get(roomId);
    if (!rt) return;
    const st = this.stateOf(rt);
    st.made.clear();
    st.reset = true;
    await this.reconcile(roomId);
  }

  /** May a cord (the host's, or a remembered one) touch this client now? */
  allows(roomId: string, client: string): boolean {
    const rt = this.options.supervisor.get(roomId);
    const roster = this.options.roster(roomId);
    if (!rt || !roster) return false;
    return wireable(rt.graph, roster, (c) => rt.workers.order(c), client);
  }

  private stateOf(rt: RoomRuntime): RoomWiring {
    let st = this.states.get(rt);
    if (!st) {
      st = {
        running: undefined,
        again: false,
        reset: false,
        made: new Set(),
        removed: new Set(),
        stopping: new Map(),
      };
      this.states.set(rt, st);
    }
    return st;
  }

  private async loop(roomId: string, rt: RoomRuntime, st: RoomWiring): Promise<void> {
    while (st.again) {
      st.again = false;
      try {
        await this.pass(roomId, rt, st);
      } catch (err) {
        this.options.logger.error({ roomId, err }, 'wiring pass failed');
      }
    }
    // Cleared in the same step as the last check, so a call from now on starts a new loop.
    st.running = undefined;
  }

  private async pass(roomId: string, rt: RoomRuntime, st: RoomWiring): Promise<void> {
    if (this.options.supervisor.get(roomId) !== rt || !rt.jacktrip.running) return;
    const roster = this.options.roster(roomId);
    if (!roster) return;
    const plan = planWiring({
      graph: rt.graph,
      roster,
      order: (c) => rt.workers.order(c),
      made: st.made,
      reset: st.reset,
    });
    st.reset = false;
    for (const c of plan.meshConnected) st.made.add(cordKey(c));
    for (const client of plan.foreign) {
      const quiet = [...st.removed].some((u) => playerOf(client, [u]) !== undefined);
      void this.stop(roomId, rt, st, client, quiet ? 'removed' : 'refused');
    }
    for (const client of plan.stale) void this.stop(roomId, rt, st, client, 'stale');
    if (plan.disconnect.length === 0 && plan.connect.length === 0) return;

    // Cuts first: a removed player's audio must stop before anything new is made.
    const jack = rt.watcher.scope;
    const limit = this.options.concurrency ?? 4;
    await runLimited(plan.disconnect, limit, (c) => jack.run('jack_disconnect', [...c], 5000));
    await runLimited(plan.connect, limit, async (c) => {
      const r = await jack.run('jack_connect', [...c], 5000);
      if (r.code === 0) st.made.add(cordKey(c));
    });
    this.options.logger.debug(
      { roomId, cut: plan.disconnect.length, made: plan.connect.length },
      'room wiring reconciled',
    );
    await rt.watcher.settle((g) => settled(g, plan.disconnect, plan.connect), SETTLE_MS);
  }

  /**
   * Stops one client's jacktrip worker by its exit packet. Where its port is unknown, or it
   * stays, the room's jacktrip restarts (same ports and credentials; the room is told).
   */
  private stop(
    roomId: string,
    rt: RoomRuntime,
    st: RoomWiring,
    client: string,
    why: 'refused' | 'removed' | 'stale',
  ): Promise<void> {
    const under = st.stopping.get(client);
    if (under) return under;
    const done = (async () => {
      this.options.logger.info(
        { roomId, client: shownName(client), why },
        'stopping a jacktrip worker',
      );
      if (why === 'refused') this.options.onRefused(roomId, client);
      const sent = await rt.stopWorker(client).catch((err: unknown) => {
        this.options.logger.warn({ roomId, err }, 'could not send the exit packet');
        return false;
      });
      if (sent && (await rt.clientGone(client, STOP_CONFIRM_MS))) return;
      if (this.options.supervisor.get(roomId) !== rt || !rt.workers.has(client)) return;
      this.options.logger.warn(
        { roomId, client: shownName(client), portKnown: sent },
        "a jacktrip worker could not be stopped alone: restarting the room's jacktrip",
      );
      await this.options.supervisor.restart(roomId);
    })();
    st.stopping.set(client, done);
    return done;
  }
}

function forgetClient(st: RoomWiring, client: string): void {
  st.stopping.delete(client);
  for (const k of st.made) {
    const [s, d] = k.split('\n') as [string, string];
    if (clientOf(s) === client || clientOf(d) === client) st.made.delete(k);
  }
}

/** Every cut cord is gone, and every made one is there (or one of its ports left meanwhile). */
function settled(g: JackGraph, cut: readonly Cord[], made: readonly Cord[]): boolean {
  return (
    cut.every(([s, d]) => !isConnected(g, s, d)) &&
    made.every(([s, d]) => isConnected(g, s, d) || !findPort(g, s) || !findPort(g, d))
  );
}

async function runLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
