import type { UserRow } from '../db/users.js';
import { Forbidden, Unavailable } from '../errors.js';
import type { Supervisor } from '../jacktrip/Supervisor.js';
import type { Logger } from '../log.js';
import type { JackGraph, PatchRequest } from '../../../protocol/api.js';
import { resetsWiring } from '../rooms/events.js';
import type { RoomService } from '../rooms/RoomService.js';
import { patch } from './patch.js';
import { RememberedCords } from './rememberedCords.js';
import { clientOf } from './wiringPlan.js';

/** Attempts at a remembered cord in a row before waiting for the next graph change. */
const RESTORE_TRIES = 5;

/**
 * The room's live JACK graph; connect and disconnect for the room's host. The host's cords are
 * remembered (patchbay/rememberedCords.ts) and made again when a player reconnects or the room restarts,
 * but never to a client that belongs to no current member (patchbay/Wiring.ts stops those).
 */
export class PatchbayService {
  private readonly memory = new RememberedCords();
  /** Cords being made again right now (room id + cord), so a burst of graph events makes each once. */
  private readonly restoring = new Set<string>();
  /** Failed attempts per remembered cord since it was last made. */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly rooms: RoomService,
    private readonly supervisor: Supervisor,
    private readonly logger?: Logger,
  ) {
    supervisor.on('graph', (roomId, graph) => this.restore(roomId, graph));
    rooms.on('member-left', (roomId, username) => this.memory.forgetPlayer(roomId, username));
    rooms.on('event', (roomId, event) => {
      if (resetsWiring(event)) {
        this.memory.dropRoom(roomId);
        for (const k of this.failures.keys())
          if (k.startsWith(`${roomId}\n`)) this.failures.delete(k);
      }
    });
  }

  graph(user: UserRow, roomId: string): JackGraph {
    return this.versionedGraph(user, roomId).data;
  }

  /** The graph and its version (0: the room is not live, its graph is empty). */
  versionedGraph(user: UserRow, roomId: string): { data: JackGraph; seq: number } {
    this.rooms.requireMember(user, roomId);
    const w = this.supervisor.get(roomId)?.watcher;
    return w ? { data: w.graph, seq: w.seq } : { data: { clients: {}, connections: [] }, seq: 0 };
  }

  async patch(user: UserRow, op: 'connect' | 'disconnect', req: PatchRequest) {
    this.rooms.hostOf(user, req.room_id);
    const rt = this.supervisor.get(req.room_id);
    if (!rt) throw new Unavailable('The room is not live: nobody has joined it yet');
    // Forgotten before the disconnect runs: the graph events it causes must not make it again.
    if (op === 'disconnect') this.memory.forget(req.room_id, req.source, req.dest);
    else
      for (const port of [req.source, req.dest])
        if (!this.rooms.wiring.allows(req.room_id, clientOf(port)))
          throw new Forbidden(`"${port}" belongs to no current player of this room`);
    const out = await patch(rt.watcher, op, req.source, req.dest);
    if (op === 'connect') this.memory.remember(req.room_id, req.source, req.dest);
    return {
      status: 'ok' as const,
      source: req.source,
      dest: req.dest,
      changed: out.changed,
      graph: out.graph,
    };
  }

  /** Makes the remembered cords whose ports are back, through the same checked path as the host. */
  private restore(roomId: string, graph: JackGraph): void {
    const rt = this.supervisor.get(roomId);
    if (!rt) return;
    for (const [source, dest] of this.memory.missing(roomId, graph)) {
      const k = `${roomId}\n${source}\n${dest}`;
      const allows = (port: string) => this.rooms.wiring.allows(roomId, clientOf(port));
      if (!allows(source) || !allows(dest)) continue;
      if (this.restoring.has(k)) continue;
      this.restoring.add(k);
      void patch(rt.watcher, 'connect', source, dest)
        .then(
          () => {
            this.failures.delete(k);
            this.logger?.info({ roomId, source, dest }, 'cord made again');
          },
          (err: unknown) => {
            // The snapshot that offered the cord can be older than JACK (a player's old client
            // going while the new one registers): the graph events of meanwhile were skipped
            // while this attempt ran, so look again now, a few times at most.
            const n = (this.failures.get(k) ?? 0) + 1;
            this.failures.set(k, n);
            this.logger?.warn(
              { roomId, source, dest, attempt: n, err: (err as Error).message },
              'could not make a remembered cord again',
            );
            return n < RESTORE_TRIES;
          },
        )
        .then((again) => {
          this.restoring.delete(k);
          if (again === true) this.restore(roomId, rt.watcher.graph);
        });
    }
  }
}
