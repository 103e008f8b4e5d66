import type { JackGraph, JackPort } from '../../../protocol/api.js';
import { normalizeGraph } from '../../../protocol/rules.js';
import { portIdOfUuid } from './evmon.js';

/** `jack_lsp -c -p -t` output read: the graph (canonical), and each port's JACK id where `-U` gave it. */
export interface LspRead {
  graph: JackGraph;
  /** JACK port id → port name. */
  ids: Map<number, string>;
}

/**
 * Parses `jack_lsp -c -p -t [-U]` output. Port names start at column 0; connections are
 * indented with three spaces; the uuid, properties and the type follow on tab-indented lines.
 */
export function readJackLsp(text: string): LspRead {
  const ports: JackPort[] = [];
  const ids = new Map<number, string>();
  let cur: JackPort | undefined;
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    if (raw.startsWith('\t')) {
      if (!cur) continue;
      const l = raw.trim();
      if (l.startsWith('uuid:')) {
        const id = portIdOfUuid(l.slice('uuid:'.length).trim());
        if (id !== undefined) ids.set(id, cur.name);
      } else if (l.startsWith('properties:')) {
        const props = l
          .slice('properties:'.length)
          .split(',')
          .map((p) => p.trim());
        cur.direction = props.includes('output') ? 'output' : 'input';
        cur.physical = props.includes('physical');
      } else if (/midi/i.test(l)) cur.type = 'midi';
      else if (/audio/i.test(l)) cur.type = 'audio';
      continue;
    }
    if (raw.startsWith('   ')) {
      cur?.connections.push(raw.trim());
      continue;
    }
    const name = raw.trimEnd();
    const colon = name.indexOf(':');
    if (colon <= 0) {
      cur = undefined;
      continue;
    }
    cur = {
      name,
      client: name.slice(0, colon),
      type: 'other',
      direction: 'input',
      physical: false,
      connections: [],
    };
    ports.push(cur);
  }
  return { graph: toGraph(ports), ids };
}

/** Parses `jack_lsp -c -p -t` output into the graph. */
export function parseJackLsp(text: string): JackGraph {
  return readJackLsp(text).graph;
}

/** Ports → the graph in its canonical form (protocol/rules: normalizeGraph). */
export function toGraph(ports: readonly JackPort[]): JackGraph {
  const clients: Record<string, JackPort[]> = {};
  const connections: [string, string][] = [];
  for (const p of ports) {
    (clients[p.client] ??= []).push(p);
    if (p.direction === 'output') for (const c of p.connections) connections.push([p.name, c]);
  }
  return normalizeGraph({ clients, connections });
}

export function findPort(g: JackGraph, name: string): JackPort | undefined {
  const colon = name.indexOf(':');
  return g.clients[name.slice(0, colon)]?.find((p) => p.name === name);
}

export function isConnected(g: JackGraph, source: string, dest: string): boolean {
  return g.connections.some(([s, d]) => s === source && d === dest);
}

/** JACK clients in the graph that belong to players (their jacktrip ports), by -K name. */
export function playerClients(g: JackGraph): string[] {
  return Object.keys(g.clients).filter((c) =>
    g.clients[c]!.some((p) => /^(send|receive)_\d+$/.test(p.name.slice(c.length + 1))),
  );
}
