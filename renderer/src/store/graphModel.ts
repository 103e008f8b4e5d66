import type { Edge, Node, NodeHandle, Position, XYPosition } from '@xyflow/react';
import type { JackGraph, JackPort } from '../../../protocol/api.js';
import { playerOf } from '../../../protocol/rules.js';

/**
 * The patchbay's model: the hub's JACK graph turned into React Flow nodes and edges.
 *
 * Each JACK client shows as up to two nodes, its outputs on the left ("sources": what a
 * player plays, as it arrives at the hub) and its inputs on the right ("destinations": the
 * mix sent back to a player), so every patch cord runs left to right. Edges come only from the
 * hub's graph: a requested connection is drawn once JACK reports it (Helvum's rule). Node
 * positions are UI state, kept apart from the graph.
 */
export type PortKind = JackPort['type'];
export type Side = 'out' | 'in';
export type ClientRole = 'player' | 'system' | 'other';

export interface PortView {
  /** Full JACK name, "client:port": the handle id. */
  name: string;
  label: string;
  kind: PortKind;
}

export type ClientNodeData = {
  client: string;
  side: Side;
  role: ClientRole;
  /** The member this client belongs to, when it is a player's jacktrip. */
  player: string | null;
  ports: PortView[];
};
export type ClientNode = Node<ClientNodeData, 'client'>;
export type PatchEdgeData = { kind: PortKind; source: string; dest: string };
export type PatchEdge = Edge<PatchEdgeData>;

export const nodeId = (side: Side, client: string): string => `${side}:${client}`;
export const edgeId = (source: string, dest: string): string => `${source}=>${dest}`;

export function splitPort(name: string): { client: string; port: string } {
  const i = name.indexOf(':');
  return i < 0 ? { client: name, port: '' } : { client: name.slice(0, i), port: name.slice(i + 1) };
}

// A node's geometry is fixed (styles.css gives the same sizes: .pb-node, .pb-title, .pb-ports,
// .pb-port, .pb-handle), so React Flow draws nodes, handles and cords on the first frame, from
// these numbers, with nothing to measure and no layout pass after one.
export const NODE_WIDTH = 240;
const BORDER = 1;
const NODE_HEADER = 46;
const PORTS_PAD = 6;
const PORT_ROW = 28;
const HANDLE = 12;
/** Vertical space between two nodes of a column. */
const GAP = 24;
/** Space between the sources' and the destinations' columns: room for the cords, less on a phone. */
export const COLUMN_GAP = { wide: 200, narrow: 72 } as const;

export const nodeHeight = (ports: number): number =>
  2 * BORDER + NODE_HEADER + 2 * PORTS_PAD + ports * PORT_ROW;

/** Where each port's handle sits in its node: on the right edge for outputs, the left for inputs. */
export function handlesOf(side: Side, ports: readonly PortView[]): NodeHandle[] {
  return ports.map((p, i) => ({
    id: p.name,
    type: side === 'out' ? 'source' : 'target',
    // (React Flow's Position values; a type import keeps this model free of React Flow's code.)
    position: (side === 'out' ? 'right' : 'left') as Position,
    // Centred on the border: half outside the node (React Flow's handle transform).
    x: side === 'out' ? NODE_WIDTH - BORDER - HANDLE / 2 : BORDER - HANDLE / 2,
    y: BORDER + NODE_HEADER + PORTS_PAD + i * PORT_ROW + (PORT_ROW - HANDLE) / 2,
    width: HANDLE,
    height: HANDLE,
  }));
}

const roleRank: Record<ClientRole, number> = { player: 0, other: 1, system: 2 };

/** All nodes, in display order: players first, then other clients, then the sound card. */
export function clientNodes(graph: JackGraph, usernames: readonly string[]): ClientNode[] {
  const nodes: ClientNode[] = [];
  for (const [client, ports] of Object.entries(graph.clients)) {
    const player = playerOf(client, usernames) ?? null;
    const role: ClientRole = player
      ? 'player'
      : ports.some((p) => p.physical) || client === 'system'
        ? 'system'
        : 'other';
    for (const side of ['out', 'in'] as const) {
      const mine = ports
        .filter((p) => p.direction === (side === 'out' ? 'output' : 'input'))
        .map((p) => ({ name: p.name, label: splitPort(p.name).port, kind: p.type }));
      if (mine.length === 0) continue;
      const height = nodeHeight(mine.length);
      nodes.push({
        id: nodeId(side, client),
        type: 'client',
        position: { x: 0, y: 0 },
        data: { client, side, role, player, ports: mine },
        ariaLabel: `${client} ${side === 'out' ? 'outputs' : 'inputs'}`,
        width: NODE_WIDTH,
        height,
        // Known, not measured: React Flow shows the node and its cords at once.
        measured: { width: NODE_WIDTH, height },
        handles: handlesOf(side, mine),
      });
    }
  }
  return nodes.sort(
    (a, b) =>
      roleRank[a.data.role] - roleRank[b.data.role] || a.data.client.localeCompare(b.data.client),
  );
}

/** Automatic layout: two columns, sources left and destinations right, stacked in order. */
export function autoLayout(
  nodes: readonly ClientNode[],
  columnGap: number = COLUMN_GAP.wide,
): Record<string, XYPosition> {
  const y: Record<Side, number> = { out: 0, in: 0 };
  const x: Record<Side, number> = { out: 0, in: NODE_WIDTH + columnGap };
  const out: Record<string, XYPosition> = {};
  for (const n of nodes) {
    const side = n.data.side;
    out[n.id] = { x: x[side], y: y[side] };
    y[side] += nodeHeight(n.data.ports.length) + GAP;
  }
  return out;
}

export interface FlowView {
  nodes: ClientNode[];
  edges: PatchEdge[];
}

/**
 * Graph → nodes and edges. `positions` are where the user dragged nodes (else the automatic
 * layout); `selected` holds the ids of selected edges, kept across graph updates. With
 * `previous` (the view drawn now), every node and edge that did not change is that view's own
 * object, so a graph change redraws only what it touched.
 */
export function graphToFlow(
  graph: JackGraph,
  opts: {
    usernames?: readonly string[];
    positions?: Readonly<Record<string, XYPosition>>;
    selected?: ReadonlySet<string>;
    /** Space between the two columns (COLUMN_GAP). */
    columnGap?: number;
    previous?: FlowView;
  } = {},
): FlowView {
  const fresh = buildFlow(graph, opts);
  return opts.previous ? reuseUnchanged(opts.previous, fresh) : fresh;
}

function buildFlow(
  graph: JackGraph,
  opts: {
    usernames?: readonly string[];
    positions?: Readonly<Record<string, XYPosition>>;
    selected?: ReadonlySet<string>;
    columnGap?: number;
  },
): FlowView {
  const nodes = clientNodes(graph, opts.usernames ?? []);
  const auto = autoLayout(nodes, opts.columnGap);
  for (const n of nodes) n.position = opts.positions?.[n.id] ?? auto[n.id]!;
  const kindOf = new Map<string, PortKind>();
  for (const ports of Object.values(graph.clients))
    for (const p of ports) kindOf.set(p.name, p.type);
  const edges: PatchEdge[] = [];
  const seen = new Set<string>();
  for (const [source, dest] of graph.connections) {
    const id = edgeId(source, dest);
    if (seen.has(id) || !kindOf.has(source) || !kindOf.has(dest)) continue;
    seen.add(id);
    const kind = kindOf.get(source)!;
    edges.push({
      id,
      source: nodeId('out', splitPort(source).client),
      sourceHandle: source,
      target: nodeId('in', splitPort(dest).client),
      targetHandle: dest,
      selected: opts.selected?.has(id) ?? false,
      className: `cord cord-${kind}`,
      ariaLabel: `${source} to ${dest}`,
      data: { kind, source, dest },
    });
  }
  return { nodes, edges };
}

/** `next`, with the nodes and edges equal to `prev`'s replaced by `prev`'s own objects. */
export function reuseUnchanged(prev: FlowView, next: FlowView): FlowView {
  const oldNodes = new Map(prev.nodes.map((n) => [n.id, n]));
  const oldEdges = new Map(prev.edges.map((e) => [e.id, e]));
  let nodesSame = prev.nodes.length === next.nodes.length;
  const nodes = next.nodes.map((n, i) => {
    const o = oldNodes.get(n.id);
    const keep = o && sameNode(o, n) ? o : n;
    if (keep !== prev.nodes[i]) nodesSame = false;
    return keep;
  });
  let edgesSame = prev.edges.length === next.edges.length;
  const edges = next.edges.map((e, i) => {
    const o = oldEdges.get(e.id);
    const keep = o && o.selected === e.selected && o.className === e.className ? o : e;
    if (keep !== prev.edges[i]) edgesSame = false;
    return keep;
  });
  return { nodes: nodesSame ? prev.nodes : nodes, edges: edgesSame ? prev.edges : edges };
}

function sameNode(a: ClientNode, b: ClientNode): boolean {
  const x = a.data;
  const y = b.data;
  return (
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.width === b.width &&
    a.height === b.height &&
    x.client === y.client &&
    x.side === y.side &&
    x.role === y.role &&
    x.player === y.player &&
    x.ports.length === y.ports.length &&
    x.ports.every(
      (p, i) =>
        p.name === y.ports[i]!.name && p.label === y.ports[i]!.label && p.kind === y.ports[i]!.kind,
    )
  );
}

/** Whether a drag from `source` to `dest` may become a connection: output → input, same type. */
export function canConnect(graph: JackGraph, source: string, dest: string): boolean {
  const find = (name: string) =>
    graph.clients[splitPort(name).client]?.find((p) => p.name === name);
  const s = find(source);
  const d = find(dest);
  return (
    !!s &&
    !!d &&
    s.direction === 'output' &&
    d.direction === 'input' &&
    s.type === d.type &&
    !graph.connections.some(([a, b]) => a === source && b === dest)
  );
}

/** All ports of one direction, for the keyboard patch list. */
export function portsOf(graph: JackGraph, direction: JackPort['direction']): JackPort[] {
  return Object.values(graph.clients)
    .flat()
    .filter((p) => p.direction === direction)
    .sort((a, b) => a.name.localeCompare(b.name));
}
