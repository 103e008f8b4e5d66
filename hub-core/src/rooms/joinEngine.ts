// The engine half of a join: the member's jacktrip credentials and the room's running engine,
// with as little in series as jacktrip allows (docs/rooms.md, "How fast a join is").
import { mintCredentials } from '../jacktrip/credentials.js';
import type { RoomSpec, Supervisor } from '../jacktrip/Supervisor.js';

/** Where one join's time went, in ms (the join route sends it as a `Server-Timing` header). */
export interface JoinTimings {
  /** Room, ban and passphrase checks before the room's lock. */
  check?: number;
  /** Waiting for the room's lock (another join, leave or kick of the same room). */
  lock?: number;
  /** Hashing the member's fresh credentials (in process). */
  hash?: number;
  /** Starting the room's engine (0 when it was live), with its parts when it started. */
  engine?: number;
  jackd?: number;
  watcher?: number;
  jacktrip?: number;
  /** True when this join started the room's engine. */
  cold?: boolean;
  total?: number;
}

/** `Server-Timing` header value for `t` (https://www.w3.org/TR/server-timing/). */
export function serverTiming(t: JoinTimings): string {
  const steps = ['check', 'lock', 'hash', 'engine', 'jackd', 'watcher', 'jacktrip', 'total'];
  const parts = steps
    .filter((k) => typeof t[k as keyof JoinTimings] === 'number')
    .map((k) => `${k};dur=${(t[k as keyof JoinTimings] as number).toFixed(1)}`);
  if (t.cold !== undefined) parts.push(t.cold ? 'cold' : 'live');
  return parts.join(', ');
}

/**
 * Makes `username`'s fresh credentials and the room's engine ready; resolves with the password
 * and the room's TCP port. Hold the room's lock.
 *
 * - The hash is made first (5-10 ms), so that on a cold room the line is in the credsfile
 *   before the room's jacktrip starts and reads it: no reload at all.
 * - On a live room the line is one write that jacktrip reloads 200 ms later. The join answers
 *   without waiting for that: jacktrip checks a client's credentials on the thread that sleeps
 *   before the reload, so a client that comes sooner is checked after it (credentials.ts).
 */
export async function admit(
  supervisor: Supervisor,
  spec: RoomSpec,
  username: string,
  timings: JoinTimings = {},
): Promise<{ password: string; tcpPort: number }> {
  const t0 = performance.now();
  const minted = await mintCredentials(username);
  const t1 = performance.now();
  timings.hash = t1 - t0;
  timings.cold = supervisor.get(spec.roomId) === undefined;
  const starting = supervisor.ensure(spec);
  try {
    // ensure() makes the room's entry at once unless an earlier stop is still under way.
    supervisor.creds(spec.roomId)?.add(minted);
  } catch (err) {
    await starting.catch(() => undefined);
    throw err;
  }
  const runtime = await starting;
  timings.engine = performance.now() - t1;
  if (timings.cold) Object.assign(timings, runtime.startup);
  const creds = supervisor.creds(spec.roomId);
  const ports = supervisor.ports(spec.roomId);
  if (!creds || !ports) throw new Error('the room stopped while starting');
  // Made after a stop that was under way: its jacktrip runs, and reloads the file in time.
  if (!creds.holds(minted)) creds.add(minted);
  return { password: minted.password, tcpPort: ports.tcpPort };
}
