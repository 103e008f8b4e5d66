// What a room's JACK graph should look like, as pure functions of the graph and the room's
// members: which player clients are kept, which must go, and which cords to cut or make.
// patchbay/Wiring.ts applies the plan to the real graph.
import type { PatchMode } from '../../../protocol/rules.js';
import type { JackGraph } from '../../../protocol/api.js';
import { findPort, isConnected, playerClients } from './jackGraph.js';
import { playerOf } from '../../../protocol/rules.js';
import type { Cord } from './rememberedCords.js';

/** The room as the wiring sees it: its patch mode and its members' usernames (host included). */
export interface Roster {
  mode: PatchMode;
  members: readonly string[];
}

/**
 * Channels the mesh wires: jacktrip's own auto-patcher connects channels 1 and 2 (its default
 * channel count), `A:receive_n → B:send_n`, and so does the hub.
 */
export const MESH_CHANNELS = 2;

/**
 * The JACK client of a room's recorder (jack_capture, recording/Recorder.ts). Its input ports
 * are the hub's own: the wiring leaves its cords alone, and the recorder wires them itself.
 */
export const RECORDER_CLIENT = 'jack_capture';

/**
 * A recorder's client: `jack_capture`, or `jack_capture-01`... when two run at once (a
 * roll-over: JACK renames the second).
 */
export const isRecorderClient = (client: string) =>
  client === RECORDER_CLIENT || new RegExp(`^${RECORDER_CLIENT}-\\d+$`).test(client);

export const cordKey = ([s, d]: Cord) => `${s}\n${d}`;
export const clientOf = (port: string) => port.slice(0, port.indexOf(':'));
/**
 * A cord into a recorder's input port. A player may be named like the recorder, but their
 * client's ports are jacktrip's `send_N`/`receive_N`, never `inputN`.
 */
const isRecorderCord = (c: Cord) =>
  isRecorderClient(clientOf(c[1])) && /^input\d+$/.test(c[1].slice(c[1].indexOf(':') + 1));

export interface Players {
  /** Each member's kept client: their newest. */
  live: Map<string, string>;
  /** Player clients named after no member (a foreign -K, or a member who was removed). */
  foreign: string[];
  /** Older clients of a member who has a newer one (a crash, then a reconnect). */
  stale: string[];
}

/** Sorts the graph's player clients (those with jacktrip's send_N/receive_N ports). */
export function sortPlayers(
  graph: JackGraph,
  members: readonly string[],
  order: (client: string) => number,
): Players {
  const live = new Map<string, string>();
  const foreign: string[] = [];
  const stale: string[] = [];
  for (const client of playerClients(graph).sort()) {
    const owner = playerOf(client, members);
    if (owner === undefined) {
      foreign.push(client);
      continue;
    }
    const kept = live.get(owner);
    if (kept === undefined) live.set(owner, client);
    else if (order(client) > order(kept)) {
      stale.push(kept);
      live.set(owner, client);
    } else stale.push(client);
  }
  return { live, foreign, stale };
}

/**
 * The cords of a patch mode between the kept clients, as jacktrip's auto-patcher makes them:
 * mode 2, every client's `receive_n` (what they play) to every other client's `send_n` (what
 * they hear); mode 4, the same and each client to itself; mode 5, none. Only channels both
 * clients have (a mono client has no `_2`).
 */
export function meshCords(graph: JackGraph, clients: readonly string[], mode: PatchMode): Cord[] {
  if (mode === 5) return [];
  const cords: Cord[] = [];
  const sorted = [...clients].sort();
  for (const from of sorted)
    for (const to of sorted) {
      if (from === to && mode !== 4) continue;
      for (let n = 1; n <= MESH_CHANNELS; n++) {
        const src = findPort(graph, `${from}:receive_${n}`);
        const dst = findPort(graph, `${to}:send_${n}`);
        if (src?.direction === 'output' && dst?.direction === 'input')
          cords.push([src.name, dst.name]);
      }
    }
  return cords;
}

export interface WiringPlan extends Players {
  /** Cords to cut: every cord of a client that must go; on a reset, every cord off the mesh. */
  disconnect: Cord[];
  /** Mesh cords to make: missing, and not made before for this pair of clients. */
  connect: Cord[];
  /** Mesh cords connected now (the caller remembers them as made). */
  meshConnected: Cord[];
}

export interface PlanInput {
  graph: JackGraph;
  roster: Roster;
  order: (client: string) => number;
  /**
   * Mesh cords already made once for these two clients (cordKey). A cord the host disconnects
   * stays disconnected until one of its clients reconnects, as with jacktrip's own patcher.
   */
  made: ReadonlySet<string>;
  /** A patch mode change: start from the mode's mesh alone, every other cord cut. */
  reset: boolean;
}

export function planWiring(i: PlanInput): WiringPlan {
  const players = sortPlayers(i.graph, i.roster.members, i.order);
  const gone = new Set([...players.foreign, ...players.stale]);
  const mesh = meshCords(i.graph, [...players.live.values()], i.roster.mode);
  const meshKeys = new Set(mesh.map(cordKey));
  const disconnect = i.graph.connections.filter(
    (c) =>
      gone.has(clientOf(c[0])) ||
      gone.has(clientOf(c[1])) ||
      (i.reset && !meshKeys.has(cordKey(c)) && !isRecorderCord(c)),
  );
  const meshConnected = mesh.filter(([s, d]) => isConnected(i.graph, s, d));
  const connect = mesh.filter(
    (c) => !isConnected(i.graph, c[0], c[1]) && (i.reset || !i.made.has(cordKey(c))),
  );
  return { ...players, disconnect, connect, meshConnected };
}

/**
 * May a cord touch this JACK client? Any client that is not a player's (the sound card's
 * `system`), and each member's kept client; never a foreign or stale one.
 */
export function wireable(
  graph: JackGraph,
  roster: Roster,
  order: (client: string) => number,
  client: string,
): boolean {
  if (!playerClients(graph).includes(client)) return true;
  const owner = playerOf(client, roster.members);
  if (owner === undefined) return false;
  return sortPlayers(graph, roster.members, order).live.get(owner) === client;
}
