import {
  ErrorCode,
  MAX_PACKET_BYTES,
  PacketType,
  ReplayWindow,
  decode,
  encode,
  type Packet,
} from '../protocol/relay.js';

/** Who a valid voice token says its bearer is. */
export interface VoiceClaims {
  userId: number;
  username: string;
  roomId: string;
  host: boolean;
}

export type VerifyResult =
  { ok: true; claims: VoiceClaims } | { ok: false; code: ErrorCode; message: string };

export interface RelayLimits {
  /** A session must join its channel within this long after the handshake. Default 5000 ms. */
  handshakeTimeoutMs: number;
  /** A session without any packet (heartbeat) for this long is dropped. Default 30000 ms. */
  sessionTimeoutMs: number;
  /** Token bucket per session: sustained packets per second. Default 120 (audio is 50). */
  packetsPerSecond: number;
  /** Token bucket burst. Default 60. */
  burst: number;
  maxSessionsPerUser: number;
  maxSessionsPerRoom: number;
  /** Handshakes being verified at once, over all addresses. Default 64. */
  maxPendingHandshakes: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  handshakeTimeoutMs: 5000,
  sessionTimeoutMs: 30_000,
  packetsPerSecond: 120,
  burst: 60,
  maxSessionsPerUser: 2,
  maxSessionsPerRoom: 32,
  maxPendingHandshakes: 64,
};

export const COUNTERS = [
  'received',
  'forwarded',
  'handshakes_ok',
  'handshakes_refused',
  'dropped_oversized',
  'dropped_malformed',
  'dropped_unauthenticated',
  'dropped_spoofed',
  'dropped_replayed',
  'dropped_rate_limited',
  'dropped_muted',
  'dropped_not_joined',
  'sessions_timed_out',
] as const;
export type RelayCounters = Record<(typeof COUNTERS)[number], number> & { sessions: number };

interface Session {
  id: number;
  addr: string;
  claims: VoiceClaims;
  joined: boolean;
  muted: boolean;
  serverMuted: boolean;
  createdAt: number;
  lastSeen: number;
  window: ReplayWindow;
  tokens: number;
  refill: number;
}

/** What the room's host sees (GET /rooms/{id}/voice-stats): packets of that room's sessions. */
export interface RoomVoiceCounters {
  received: number;
  forwarded: number;
  dropped_replayed: number;
  dropped_rate_limited: number;
  dropped_muted: number;
  dropped_not_joined: number;
  sessions: number;
}

const emptyRoomCounters = (): RoomVoiceCounters => ({
  received: 0,
  forwarded: 0,
  dropped_replayed: 0,
  dropped_rate_limited: 0,
  dropped_muted: 0,
  dropped_not_joined: 0,
  sessions: 0,
});

interface RoomView {
  members: Set<number>;
  bans: Set<number>;
}

/**
 * The relay's logic, with no sockets: datagrams in (with the sender's address as a string),
 * datagrams out through `send`. It never throws on input; every packet it drops is counted.
 */
export class RelayCore {
  private readonly sessions = new Map<number, Session>();
  private readonly byAddr = new Map<string, Session>();
  private readonly channels = new Map<string, Set<Session>>();
  private readonly rooms = new Map<string, RoomView>();
  private readonly errorSentAt = new Map<string, number>();
  private readonly roomCounters = new Map<string, RoomVoiceCounters>();
  private pending = 0;
  private seq = 1;
  readonly counters: RelayCounters;

  constructor(
    private readonly verify: (token: string) => Promise<VerifyResult>,
    private readonly send: (to: string, data: Uint8Array) => void,
    private readonly limits: RelayLimits = DEFAULT_RELAY_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.counters = Object.fromEntries([
      ...COUNTERS.map((c) => [c, 0]),
      ['sessions', 0],
    ]) as RelayCounters;
  }

  /** Members and bans of a room, from the hub's database. Sessions of users no longer allowed are dropped. */
  setRoom(roomId: string, members: readonly number[], bans: readonly number[]): void {
    const view = { members: new Set(members), bans: new Set(bans) };
    if (members.length === 0) {
      this.rooms.delete(roomId);
      this.roomCounters.delete(roomId);
    } else this.rooms.set(roomId, view);
    for (const s of [...this.sessions.values()]) {
      if (s.claims.roomId !== roomId) continue;
      if (view.bans.has(s.claims.userId)) this.drop(s, ErrorCode.Banned, 'banned from the room');
      else if (!view.members.has(s.claims.userId))
        this.drop(s, ErrorCode.NotMember, 'no longer a member of the room');
    }
  }

  handle(addr: string, data: Uint8Array): void {
    this.counters.received++;
    if (data.length > MAX_PACKET_BYTES) {
      this.counters.dropped_oversized++;
      return;
    }
    const r = decode(data);
    if (!r.ok) {
      this.counters.dropped_malformed++;
      return;
    }
    const p = r.packet;
    if (p.type === PacketType.Handshake) {
      void this.handshake(addr, p);
      return;
    }
    const s = this.sessions.get(p.session);
    if (!s) {
      this.counters.dropped_unauthenticated++;
      if (p.session !== 0)
        this.errorTo(addr, ErrorCode.UnknownSession, 'unknown or expired session: handshake again');
      return;
    }
    if (s.addr !== addr) {
      this.counters.dropped_spoofed++;
      return;
    }
    const rc = this.roomStats(s.claims.roomId);
    rc.received++;
    const now = this.now();
    s.tokens = Math.min(
      this.limits.burst,
      s.tokens + ((now - s.refill) / 1000) * this.limits.packetsPerSecond,
    );
    s.refill = now;
    if (s.tokens < 1) {
      this.counters.dropped_rate_limited++;
      rc.dropped_rate_limited++;
      return;
    }
    s.tokens -= 1;
    if (!s.window.accept(p.seq)) {
      this.counters.dropped_replayed++;
      rc.dropped_replayed++;
      return;
    }
    s.lastSeen = now;
    switch (p.type) {
      case PacketType.Audio:
        return this.audio(s, p);
      case PacketType.JoinChannel:
      case PacketType.LeaveChannel:
        if (p.channel !== s.claims.roomId)
          return this.error(s, ErrorCode.WrongChannel, 'this session belongs to another room');
        this.setJoined(s, p.type === PacketType.JoinChannel);
        return this.ack(s, p);
      case PacketType.SetMute:
        return this.mute(s, p);
      case PacketType.Heartbeat:
        this.send(
          s.addr,
          encode({
            type: PacketType.Heartbeat,
            session: s.id,
            seq: this.seq++,
            flags: 0,
            sentAt: p.sentAt,
          }),
        );
        return;
      default:
        return; // Ack and Error from a client carry nothing for the relay.
    }
  }

  /** Drops sessions that never joined within the handshake timeout, or went silent. */
  sweep(): void {
    const now = this.now();
    for (const s of [...this.sessions.values()]) {
      const idle = now - s.lastSeen > this.limits.sessionTimeoutMs;
      const unjoined = !s.joined && now - s.createdAt > this.limits.handshakeTimeoutMs;
      if (idle || unjoined) {
        this.counters.sessions_timed_out++;
        this.remove(s);
      }
    }
    if (this.errorSentAt.size > 10_000) this.errorSentAt.clear();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Per-room counters of the rooms that have (or had) voice sessions, with live session counts. */
  roomSnapshot(): Record<string, RoomVoiceCounters> {
    const out: Record<string, RoomVoiceCounters> = {};
    for (const [id, c] of this.roomCounters) out[id] = { ...c, sessions: 0 };
    for (const s of this.sessions.values())
      (out[s.claims.roomId] ??= emptyRoomCounters()).sessions++;
    return out;
  }

  private roomStats(roomId: string): RoomVoiceCounters {
    let c = this.roomCounters.get(roomId);
    if (!c) this.roomCounters.set(roomId, (c = emptyRoomCounters()));
    return c;
  }

  snapshot(): RelayCounters {
    return { ...this.counters, sessions: this.sessions.size };
  }

  private async handshake(addr: string, p: Extract<Packet, { type: 0x01 }>): Promise<void> {
    if (this.pending >= this.limits.maxPendingHandshakes) {
      this.counters.dropped_rate_limited++;
      return;
    }
    this.pending++;
    let v: VerifyResult;
    try {
      v = await this.verify(p.token);
    } catch {
      v = { ok: false, code: ErrorCode.BadToken, message: 'token rejected' };
    } finally {
      this.pending--;
    }
    const refuse = (code: ErrorCode, message: string) => {
      this.counters.handshakes_refused++;
      this.errorTo(addr, code, message, p.seq);
    };
    if (!v.ok) return refuse(v.code, v.message);
    const c = v.claims;
    if (c.roomId !== p.channel)
      return refuse(ErrorCode.WrongChannel, 'the token is for another room');
    const room = this.rooms.get(c.roomId);
    if (room?.bans.has(c.userId)) return refuse(ErrorCode.Banned, 'banned from the room');
    if (!room?.members.has(c.userId))
      return refuse(ErrorCode.NotMember, 'not a member of the room');
    const old = this.byAddr.get(addr);
    if (old) this.remove(old);
    const mine = [...this.sessions.values()].filter((s) => s.claims.userId === c.userId);
    if (mine.length >= this.limits.maxSessionsPerUser)
      return refuse(ErrorCode.TooManySessions, 'too many voice sessions for this user');
    const inRoom = [...this.sessions.values()].filter((s) => s.claims.roomId === c.roomId).length;
    if (inRoom >= this.limits.maxSessionsPerRoom)
      return refuse(ErrorCode.TooManySessions, 'the room has too many voice sessions');
    let id = 0;
    while (id === 0 || this.sessions.has(id)) id = (Math.random() * 0xffffffff) >>> 0;
    const now = this.now();
    const s: Session = {
      id,
      addr,
      claims: c,
      joined: false,
      muted: false,
      serverMuted: false,
      createdAt: now,
      lastSeen: now,
      window: new ReplayWindow(),
      tokens: this.limits.burst,
      refill: now,
    };
    this.sessions.set(id, s);
    this.byAddr.set(addr, s);
    this.counters.handshakes_ok++;
    this.send(
      addr,
      encode({
        type: PacketType.Ack,
        session: id,
        seq: this.seq++,
        flags: 0,
        ackType: PacketType.Handshake,
        ackSeq: p.seq,
        value: c.userId,
      }),
    );
  }

  private audio(s: Session, p: Extract<Packet, { type: 0x02 }>): void {
    const rc = this.roomStats(s.claims.roomId);
    if (!s.joined) {
      this.counters.dropped_not_joined++;
      rc.dropped_not_joined++;
      return;
    }
    if (s.muted || s.serverMuted) {
      this.counters.dropped_muted++;
      rc.dropped_muted++;
      return;
    }
    const peers = this.channels.get(s.claims.roomId);
    if (!peers || peers.size < 2) return;
    // Encoded once for every listener: the speaker is named by the relay, never by the sender.
    const out = encode({
      type: PacketType.Audio,
      session: 0,
      seq: p.seq,
      flags: s.claims.host ? 1 : 0,
      speaker: s.claims.userId,
      timestamp: p.timestamp,
      opus: p.opus,
    });
    for (const peer of peers) {
      if (peer === s) continue;
      this.send(peer.addr, out);
      this.counters.forwarded++;
      rc.forwarded++;
    }
  }

  private mute(s: Session, p: Extract<Packet, { type: 0x05 }>): void {
    const target = p.target === 0 ? s.claims.userId : p.target;
    const byServer = target !== s.claims.userId;
    if (byServer && !s.claims.host)
      return this.error(s, ErrorCode.NotHost, "only the room's host can mute others");
    if (!byServer && !p.muted && s.serverMuted)
      return this.error(s, ErrorCode.ServerMuted, 'the host muted you');
    for (const t of this.sessions.values()) {
      if (t.claims.roomId !== s.claims.roomId || t.claims.userId !== target) continue;
      if (byServer) t.serverMuted = p.muted;
      else t.muted = p.muted;
    }
    this.ack(s, p);
    // Everyone in the channel learns the new state (flag bit 1: set by the host).
    const note = encode({
      type: PacketType.SetMute,
      session: 0,
      seq: this.seq++,
      flags: byServer ? 2 : 0,
      muted: p.muted,
      target,
    });
    for (const peer of this.channels.get(s.claims.roomId) ?? []) this.send(peer.addr, note);
  }

  private setJoined(s: Session, joined: boolean): void {
    s.joined = joined;
    const room = s.claims.roomId;
    let set = this.channels.get(room);
    if (joined) {
      if (!set) this.channels.set(room, (set = new Set()));
      set.add(s);
    } else {
      set?.delete(s);
      if (set?.size === 0) this.channels.delete(room);
    }
  }

  private ack(s: Session, p: Packet): void {
    this.send(
      s.addr,
      encode({
        type: PacketType.Ack,
        session: s.id,
        seq: this.seq++,
        flags: 0,
        ackType: p.type,
        ackSeq: p.seq,
        value: 0,
      }),
    );
  }

  private error(s: Session, code: ErrorCode, message: string): void {
    this.send(
      s.addr,
      encode({ type: PacketType.Error, session: s.id, seq: this.seq++, flags: 0, code, message }),
    );
  }

  /** Errors to unauthenticated addresses: at most one a second each, so the relay can't be used as a reflector. */
  private errorTo(addr: string, code: ErrorCode, message: string, seq = 0): void {
    const now = this.now();
    if (now - (this.errorSentAt.get(addr) ?? -Infinity) < 1000) return;
    this.errorSentAt.set(addr, now);
    this.send(addr, encode({ type: PacketType.Error, session: 0, seq, flags: 0, code, message }));
  }

  private drop(s: Session, code: ErrorCode, message: string): void {
    this.error(s, code, message);
    this.remove(s);
  }

  private remove(s: Session): void {
    this.setJoined(s, false);
    this.sessions.delete(s.id);
    if (this.byAddr.get(s.addr) === s) this.byAddr.delete(s.addr);
  }
}
