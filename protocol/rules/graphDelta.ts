import type { JackGraph, JackPort } from '../api/patchbay.js';

/**
 * A change to a room's JACK graph, as the hub sends it over the WebSocket (`graph_delta`).
 * `clients` replaces a client's whole port list (a client that appeared, or whose ports
 * changed), or removes the client (null). `connect` and `disconnect` are cords, [output, input].
 * Ports in `clients` carry no connections: the cords say them.
 */
export interface GraphDelta {
  clients?: Record<string, JackPort[] | null>;
  connect?: [string, string][];
  disconnect?: [string, string][];
}

const cordKey = (s: string, d: string) => `${s}\n${d}`;

/** The hub's order of cords: by source then destination, as one string. */
function sortCords(cords: [string, string][]): [string, string][] {
  return cords.sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : a[0] + a[1] > b[0] + b[1] ? 1 : 0));
}

/**
 * The graph in its one canonical form: cords sorted, each cord once and only between ports
 * that exist, and every port's `connections` the sorted list of its cords' other ends. Port
 * objects and client lists whose content is unchanged are reused, so a view can tell what
 * changed by identity.
 */
export function normalizeGraph(g: JackGraph, previous?: JackGraph): JackGraph {
  const names = new Set<string>();
  for (const ports of Object.values(g.clients)) for (const p of ports) names.add(p.name);
  const seen = new Set<string>();
  const connections: [string, string][] = [];
  const ends = new Map<string, string[]>();
  for (const [s, d] of g.connections) {
    const k = cordKey(s, d);
    if (seen.has(k) || !names.has(s) || !names.has(d)) continue;
    seen.add(k);
    connections.push([s, d]);
  }
  sortCords(connections);
  for (const [s, d] of connections) {
    (ends.get(s) ?? ends.set(s, []).get(s)!).push(d);
    (ends.get(d) ?? ends.set(d, []).get(d)!).push(s);
  }
  const clients: Record<string, JackPort[]> = {};
  for (const [client, ports] of Object.entries(g.clients)) {
    const before = previous?.clients[client];
    let same = before !== undefined && before.length === ports.length;
    const next = ports.map((p, i) => {
      const conns = (ends.get(p.name) ?? []).sort();
      const old = before?.[i];
      if (old && samePort(old, p) && sameList(old.connections, conns)) return old;
      same = false;
      return sameList(p.connections, conns) ? p : { ...p, connections: conns };
    });
    clients[client] = same && before ? before : next;
  }
  return { clients, connections };
}

function samePort(a: JackPort, b: JackPort): boolean {
  return (
    a.name === b.name &&
    a.client === b.client &&
    a.type === b.type &&
    a.direction === b.direction &&
    a.physical === b.physical
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Applies a delta to a graph; the result is canonical (see normalizeGraph). */
export function applyGraphDelta(g: JackGraph, delta: GraphDelta): JackGraph {
  const clients: Record<string, JackPort[]> = { ...g.clients };
  for (const [client, ports] of Object.entries(delta.clients ?? {})) {
    if (ports === null) delete clients[client];
    else clients[client] = ports;
  }
  const cut = new Set((delta.disconnect ?? []).map(([s, d]) => cordKey(s, d)));
  const connections = g.connections.filter(([s, d]) => !cut.has(cordKey(s, d)));
  connections.push(...(delta.connect ?? []));
  return normalizeGraph({ clients, connections }, g);
}

/** What turns `a` into `b` (both canonical); an empty delta when they are the same graph. */
export function diffGraphs(a: JackGraph, b: JackGraph): GraphDelta {
  const clients: Record<string, JackPort[] | null> = {};
  for (const c of Object.keys(a.clients)) if (!(c in b.clients)) clients[c] = null;
  for (const [c, ports] of Object.entries(b.clients)) {
    const old = a.clients[c];
    if (old && old.length === ports.length && old.every((p, i) => samePort(p, ports[i]!))) continue;
    clients[c] = ports.map((p) => ({ ...p, connections: [] }));
  }
  const inA = new Set(a.connections.map(([s, d]) => cordKey(s, d)));
  const inB = new Set(b.connections.map(([s, d]) => cordKey(s, d)));
  const connect = b.connections.filter(([s, d]) => !inA.has(cordKey(s, d)));
  const disconnect = a.connections.filter(([s, d]) => !inB.has(cordKey(s, d)));
  const delta: GraphDelta = {};
  if (Object.keys(clients).length) delta.clients = clients;
  if (connect.length) delta.connect = connect;
  if (disconnect.length) delta.disconnect = disconnect;
  return delta;
}

export function isEmptyDelta(d: GraphDelta): boolean {
  return !d.clients && !d.connect?.length && !d.disconnect?.length;
}
