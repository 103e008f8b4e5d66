// What `jack_evmon` (jackd2 1.9.x) prints, one event a line. Ports are named by their JACK port
// id, never by name: `jack_lsp -U` gives each port's uuid, whose low 32 bits are the id + 1.
//   Client <name> registered | unregistered
//   Port <id> registered | unregistered
//   Ports <id> and <id> connected | disconnected
//   Port <id> renamed from <old> to <new>
//   Graph reordered                       (nothing to do)
//   key [<key>] for <uuid> <verb> / all keys for <uuid> <verb>   (metadata: nothing to do)
//   signal received, exiting ...          (its own end: its exit says it)

/** Clients our own tools register for a moment; their comings and goings change nothing. */
const TOOL_CLIENTS = new Set([
  'jthubpatcher',
  'lsp',
  'jack_connect',
  'jack_disconnect',
  'jack_evmon',
  'evmon',
  'event-monitor', // jack_evmon's client
  'jack_wait',
]);

/**
 * One of our tools' clients? JACK renames a second client of the same name while the first is
 * open (`jack_connect-01` when several connects run at once), so the renamed forms count too.
 */
export function isToolClient(name: string): boolean {
  return TOOL_CLIENTS.has(name.replace(/[-_]\d+$/, ''));
}

export type EvmonEvent =
  | { kind: 'client'; name: string; registered: boolean }
  | { kind: 'port'; id: number; registered: boolean }
  | { kind: 'connection'; a: number; b: number; connected: boolean }
  | { kind: 'rename'; id: number }
  /** A line that changes nothing in the graph (a reorder, a metadata change). */
  | { kind: 'none' };

/** Largest JACK port id we accept (jackd's port table is far smaller). */
const MAX_PORT_ID = 1 << 20;

function portId(s: string): number | undefined {
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= 0 && n <= MAX_PORT_ID ? n : undefined;
}

/** Classifies a `jack_evmon` line; undefined for a line it cannot read (the graph may be off). */
export function parseEvmonLine(line: string): EvmonEvent | undefined {
  if (
    line === 'Graph reordered' ||
    line.startsWith('signal received') ||
    /^(key \[.*\]|all keys) for /.test(line)
  )
    return { kind: 'none' };
  let m = /^Client (.+) (registered|unregistered)$/.exec(line);
  if (m) return { kind: 'client', name: m[1]!, registered: m[2] === 'registered' };
  m = /^Port (\d+) (registered|unregistered)$/.exec(line);
  if (m) {
    const id = portId(m[1]!);
    return id === undefined ? undefined : { kind: 'port', id, registered: m[2] === 'registered' };
  }
  m = /^Ports (\d+) and (\d+) (connected|disconnected)$/.exec(line);
  if (m) {
    const a = portId(m[1]!);
    const b = portId(m[2]!);
    if (a === undefined || b === undefined) return undefined;
    return { kind: 'connection', a, b, connected: m[3] === 'connected' };
  }
  m = /^Port (\d+) renamed from /.exec(line);
  if (m) {
    const id = portId(m[1]!);
    return id === undefined ? undefined : { kind: 'rename', id };
  }
  return undefined;
}

/** A port's JACK id from its uuid as `jack_lsp -U` prints it (type 1 = port, low bits id + 1). */
export function portIdOfUuid(uuid: string): number | undefined {
  if (!/^\d{1,20}$/.test(uuid)) return undefined;
  const u = BigInt(uuid);
  if (u >> 32n !== 1n) return undefined;
  const low = Number(u & 0xffffffffn);
  return low >= 1 ? portId(String(low - 1)) : undefined;
}
