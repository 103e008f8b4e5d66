import { randomInt } from 'node:crypto';
import {
  ErrorCode,
  MAX_PACKET_BYTES,
  PacketType,
  ReplayWindow,
  decode,
  encode,
  type Packet,
} from '../../../protocol/relay.js';
import {
  RoomStats,
  emptyCounters,
  type RelayCounters,
  type RoomVoiceCounters,
} from './counters.js';
import {
  DEFAULT_RELAY_LIMITS,
  type RelayLimits,
  type VerifyResult,
  type VoiceClaims,
} from './model.js';
import { ServerMutes } from './mutes.js';
import { UsedTokens } from './usedTokens.js';

export { type RelayCounters, type RoomVoiceCounters } from './counters.js';

export {
  DEFAULT_RELAY_LIMITS,
  type RelayLimits,
  type VerifiedClaims,
  type VerifyResult,
  type VoiceClaims,
} from './model.js';

interface Session {
  id: number;
  addr: string;
  claims: VoiceClaims;
  joined: boolean;
  muted: boolean;
  createdAt: number;
  lastSeen: number;
  window: ReplayWindow;
  tokens: number;
  refill: number;
}

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
  private readonly roomCounters = new RoomStats();
  private readonly serverMutes = new ServerMutes();
  private readonly usedTokens: UsedTokens;
  private pending = 0;
  private seq = 1;
  readonly counters: RelayCounters = emptyCounters();

  constructor(
    private readonly verify: (token: string) => Promise<VerifyResult>,
    private readonly send: (to: string, data: Uint8Array) => void,
    private readonly limits: RelayLimits = DEFAULT_RELAY_LIMITS,
    private readonly now: () => number = () => performance.now(),
    wallClock: () => number = Date.now,
  ) {
    this.usedTokens = new UsedTokens(wallClock);
  }

  /** Members and bans of a room, from the hub's database. Sessions of users no longer allowed are dropped. */
  setRoom(roomId: string, members: readonly number[], bans: readonly number[]): void {
    const view = { members: new Set(members), bans: new Set(bans) };
    if (members.length === 0) {
      this.rooms.delete(roomId);
      this.roomCounters.forget(roomId);
      this.serverMutes.forgetRoom(roomId);
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
    const rc = this.roomCounters.of(s.claims.roomId);
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
        this.ack(s, p);
        if (p.type === PacketType.JoinChannel) this.tellMutes(s);
        return;
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
    this.usedTokens.prune();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Per-room counters of the rooms that have (or had) voice sessions, with live session counts. */
  roomSnapshot(): Record<string, RoomVoiceCounters> {
    return this.roomCounters.snapshot([...this.sessions.values()].map((s) => s.claims.roomId));
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
    const prior = this.usedTokens.sessionOf(c.jti);
    if (prior !== undefined) {
      const same = this.sessions.get(prior);
      // The same handshake again from its own address (a duplicated or retried datagram).
      if (same?.addr === addr) return this.ackHandshake(same, p.seq);
      return refuse(ErrorCode.TokenUsed, 'token already used: ask the hub for a new one');
    }
    this.usedTokens.use(c.jti, c.expiresAt);
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
    // Unpredictable: a session id is half of what binds a packet to its sender.
    let id = 0;
    while (id === 0 || this.sessions.has(id)) id = randomInt(1, 0x1_0000_0000);
    const now = this.now();
    const s: Session = {
      id,
      addr,
      claims: c,
      joined: false,
      muted: false,
      createdAt: now,
      lastSeen: now,
      window: new ReplayWindow(),
      tokens: this.limits.burst,
      refill: now,
    };
    this.sessions.set(id, s);
    this.byAddr.set(addr, s);
    this.usedTokens.use(c.jti, c.expiresAt, id);
    this.counters.handshakes_ok++;
    this.ackHandshake(s, p.seq);
  }

  private ackHandshake(s: Session, handshakeSeq: number): void {
    this.send(
      s.addr,
      encode({
        type: PacketType.Ack,
        session: s.id,
        seq: this.seq++,
        flags: 0,
        ackType: PacketType.Handshake,
        ackSeq: handshakeSeq,
        value: s.claims.userId,
      }),
    );
  }

  private audio(s: Session, p: Extract<Packet, { type: 0x02 }>): void {
    const rc = this.roomCounters.of(s.claims.roomId);
    if (!s.joined) {
      this.counters.dropped_not_joined++;
      rc.dropped_not_joined++;
      return;
    }
    if (s.muted || this.isServerMuted(s)) {
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
    const room = s.claims.roomId;
    const target = p.target === 0 ? s.claims.userId : p.target;
    const byServer = target !== s.claims.userId;
    if (byServer && !s.claims.host)
      return this.error(s, ErrorCode.NotHost, "only the room's host can mute others");
    if (!byServer && !p.muted && this.isServerMuted(s))
      return this.error(s, ErrorCode.ServerMuted, 'the host muted you');
    if (byServer) this.serverMutes.set(room, target, p.muted);
    else
      for (const t of this.sessions.values())
        if (t.claims.roomId === room && t.claims.userId === target) t.muted = p.muted;
    this.ack(s, p);
    // Everyone in the channel learns the new state (flag bit 1: set by the host).
    const note = this.muteNote(target, p.muted, byServer);
    for (const peer of this.channels.get(room) ?? []) this.send(peer.addr, note);
  }

  private isServerMuted(s: Session): boolean {
    return this.serverMutes.has(s.claims.roomId, s.claims.userId);
  }

  /** A session that just joined learns who the host has muted, itself included. */
  private tellMutes(s: Session): void {
    for (const userId of this.serverMutes.of(s.claims.roomId))
      this.send(s.addr, this.muteNote(userId, true, true));
  }

  private muteNote(target: number, muted: boolean, byHost: boolean): Uint8Array {
    return encode({
      type: PacketType.SetMute,
      session: 0,
      seq: this.seq++,
      flags: byHost ? 2 : 0,
      muted,
      target,
    });
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
