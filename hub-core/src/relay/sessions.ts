import { randomInt } from 'node:crypto';
import { ReplayWindow, type BundleFrame } from '../../../protocol/relay.js';
import type { RelayLimits, VoiceClaims } from './model.js';

/** One voice session: a verified token bound to the address it came from. */
export interface Session {
  id: number;
  addr: string;
  claims: VoiceClaims;
  joined: boolean;
  muted: boolean;
  createdAt: number;
  lastSeen: number;
  window: ReplayWindow;
  /** Token bucket: packets it may still send, refilled at `packetsPerSecond`. */
  tokens: number;
  refill: number;
  /** The client reads AudioBundle packets (it said so in its Handshake). */
  bundles: boolean;
  /** When its last audio frame came (performance.now()); -Infinity before the first. */
  lastAudio: number;
  /** Frames waiting for this listener's next bundle, and the payload bytes they take. */
  outbox: BundleFrame[];
  outboxBytes: number;
}

/**
 * The relay's sessions, found by id (what a packet names), by address (one session per sender)
 * and, once joined, by room (the channel whose members hear each other).
 */
export class SessionTable {
  private readonly byId = new Map<number, Session>();
  private readonly byAddr = new Map<string, Session>();
  private readonly channels = new Map<string, Set<Session>>();

  get size(): number {
    return this.byId.size;
  }

  get(id: number): Session | undefined {
    return this.byId.get(id);
  }

  at(addr: string): Session | undefined {
    return this.byAddr.get(addr);
  }

  /** A copy: removing sessions while walking it is safe. */
  all(): Session[] {
    return [...this.byId.values()];
  }

  countOf(pred: (s: Session) => boolean): number {
    let n = 0;
    for (const s of this.byId.values()) if (pred(s)) n++;
    return n;
  }

  /** The joined sessions of a room. */
  channel(roomId: string): ReadonlySet<Session> | undefined {
    return this.channels.get(roomId);
  }

  /** A new session under an unpredictable id (half of what binds a packet to its sender). */
  open(addr: string, claims: VoiceClaims, now: number, burst: number, bundles = false): Session {
    let id = 0;
    while (id === 0 || this.byId.has(id)) id = randomInt(1, 0x1_0000_0000);
    const s: Session = {
      id,
      addr,
      claims,
      joined: false,
      muted: false,
      createdAt: now,
      lastSeen: now,
      window: new ReplayWindow(),
      tokens: burst,
      refill: now,
      bundles,
      lastAudio: -Infinity,
      outbox: [],
      outboxBytes: 1,
    };
    this.byId.set(id, s);
    this.byAddr.set(addr, s);
    return s;
  }

  setJoined(session: Session, joined: boolean): void {
    session.joined = joined;
    const room = session.claims.roomId;
    let set = this.channels.get(room);
    if (joined) {
      if (!set) this.channels.set(room, (set = new Set()));
      set.add(session);
    } else {
      set?.delete(session);
      if (set?.size === 0) this.channels.delete(room);
    }
  }

  remove(session: Session): void {
    this.setJoined(session, false);
    this.byId.delete(session.id);
    if (this.byAddr.get(session.addr) === session) this.byAddr.delete(session.addr);
  }
}

/** Takes one packet's token from the session's bucket; false when it is empty (rate-limited). */
export function takeToken(
  session: Session,
  now: number,
  limits: Pick<RelayLimits, 'burst' | 'packetsPerSecond'>,
): boolean {
  session.tokens = Math.min(
    limits.burst,
    session.tokens + ((now - session.refill) / 1000) * limits.packetsPerSecond,
  );
  session.refill = now;
  if (session.tokens < 1) return false;
  session.tokens -= 1;
  return true;
}
