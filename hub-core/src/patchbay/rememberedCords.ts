// The host's cords, remembered per room. A player who reconnects (a network blip, a new jitter
// buffer setting) comes back as a new JACK client whose ports have no connections; so does
// everyone after the room's engine restarts. The hub makes the remembered cords again as soon
// as both of their ports exist. Cords of a player who leaves (or is removed) are forgotten, so
// a kicked player's audio path never comes back; a patch-mode change starts from a clean slate.
import type { JackGraph } from '../../../protocol/api.js';
import { clientIsPlayer } from '../../../protocol/rules.js';
import { findPort, isConnected } from './jackGraph.js';

export type Cord = readonly [source: string, dest: string];

const key = (s: string, d: string) => `${s}\n${d}`;
const clientOf = (port: string) => port.slice(0, port.indexOf(':'));

export class RememberedCords {
  private readonly rooms = new Map<string, Map<string, Cord>>();

  remember(roomId: string, source: string, dest: string): void {
    let cords = this.rooms.get(roomId);
    if (!cords) this.rooms.set(roomId, (cords = new Map<string, Cord>()));
    cords.set(key(source, dest), [source, dest]);
  }

  forget(roomId: string, source: string, dest: string): void {
    this.rooms.get(roomId)?.delete(key(source, dest));
  }

  /** Forgets every cord from or to the player's JACK clients. */
  forgetPlayer(roomId: string, remote: string): void {
    const cords = this.rooms.get(roomId);
    if (!cords) return;
    for (const [k, [s, d]] of cords)
      if (clientIsPlayer(clientOf(s), remote) || clientIsPlayer(clientOf(d), remote))
        cords.delete(k);
  }

  dropRoom(roomId: string): void {
    this.rooms.delete(roomId);
  }

  cords(roomId: string): Cord[] {
    return [...(this.rooms.get(roomId)?.values() ?? [])];
  }

  /** Remembered cords whose two ports exist in the graph but are not connected. */
  missing(roomId: string, graph: JackGraph): Cord[] {
    return this.cords(roomId).filter(
      ([s, d]) => findPort(graph, s) && findPort(graph, d) && !isConnected(graph, s, d),
    );
  }
}
