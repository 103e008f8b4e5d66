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
    const decoded = decode(data);
    if (!decoded.ok) {
      this.counters.dropped_malformed++;
      return;
    }
    const packet = decoded.packet;
    if (packet.type === PacketType.Handshake) {
      void this.handshake(addr, packet);
      return;
    }
    const session = this.sessions.get(packet.session);
    if (!session) {
      this.counters.dropped_unauthenticated++;
      if (packet.session !== 0)
        this.errorTo(addr, ErrorCode.UnknownSession, 'unknown or expired session: handshake again');
      return;
    }
    if (session.addr !== addr) {
      this.counters.dropped_spoofed++;
      return;
    }
    const rc = this.roomCounters.of(session.claims.roomId);
    rc.received++;
    const now = this.now();
    session.tokens = Math.min(
      this.limits.burst,
      session.tokens + ((now - session.refill) / 1000) * this.limits.packetsPerSecond,
    );
    session.refill = now;
    if (session.tokens < 1) {
      this.counters.dropped_rate_limited++;
      rc.dropped_rate_limited++;
      return;
    }
    session.tokens -= 1;
    if (!session.window.accept(packet.seq)) {
      this.counters.dropped_replayed++;
      rc.dropped_replayed++;
      return;
    }
    session.lastSeen = now;
    switch (packet.type) {
      case PacketType.Audio:
        return this.audio(session, packet);
      case PacketType.JoinChannel:
      case PacketType.LeaveChannel:
        if (packet.channel !== session.claims.roomId)
          return this.error(
            session,
            ErrorCode.WrongChannel,
            'this session belongs to another room',
          );
        this.setJoined(session, packet.type === PacketType.JoinChannel);
        this.ack(session, packet);
        if (packet.type === PacketType.JoinChannel) this.tellMutes(session);
        return;
      case PacketType.SetMute:
        return this.mute(session, packet);
      case PacketType.Heartbeat:
        this.send(
          session.addr,
          encode({
            type: PacketType.Heartbeat,
            session: session.id,
            seq: this.seq++,
            flags: 0,
            sentAt: packet.sentAt,
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

  private async handshake(addr: string, packet: Extract<Packet, { type: 0x01 }>): Promise<void> {
    if (this.pending >= this.limits.maxPendingHandshakes) {
      this.counters.dropped_rate_limited++;
      return;
    }
    this.pending++;
    let v: VerifyResult;
    try {
      v = await this.verify(packet.token);
    } catch {
      v = { ok: false, code: ErrorCode.BadToken, message: 'token rejected' };
    } finally {
      this.pending--;
    }
    const refuse = (code: ErrorCode, message: string) => {
      this.counters.handshakes_refused++;
      this.errorTo(addr, code, message, packet.seq);
    };
    if (!v.ok) return refuse(v.code, v.message);
    const c = v.claims;
    const prior = this.usedTokens.sessionOf(c.jti);
    if (prior !== undefined) {
      const same = this.sessions.get(prior);
      // The same handshake again from its own address (a duplicated or retried datagram).
      if (same?.addr === addr) return this.ackHandshake(same, packet.seq);
      return refuse(ErrorCode.TokenUsed, 'token already used: ask the hub for a new one');
    }
    this.usedTokens.use(c.jti, c.expiresAt);
    if (c.roomId !== packet.channel)
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
    this.ackHandshake(s, packet.seq);
  }

  private ackHandshake(session: Session, handshakeSeq: number): void {
    this.send(
      session.addr,
      encode({
        type: PacketType.Ack,
        session: session.id,
        seq: this.seq++,
        flags: 0,
        ackType: PacketType.Handshake,
        ackSeq: handshakeSeq,
        value: session.claims.userId,
      }),
    );
  }

  private audio(session: Session, packet: Extract<Packet, { type: 0x02 }>): void {
    const rc = this.roomCounters.of(session.claims.roomId);
    if (!session.joined) {
      this.counters.dropped_not_joined++;
      rc.dropped_not_joined++;
      return;
    }
    if (session.muted || this.isServerMuted(session)) {
      this.counters.dropped_muted++;
      rc.dropped_muted++;
      return;
    }
    const peers = this.channels.get(session.claims.roomId);
    if (!peers || peers.size < 2) return;
    // Encoded once for every listener: the speaker is named by the relay, never by the sender.
    const out = encode({
      type: PacketType.Audio,
      session: 0,
      seq: packet.seq,
      flags: session.claims.host ? 1 : 0,
      speaker: session.claims.userId,
      timestamp: packet.timestamp,
      opus: packet.opus,
    });
    for (const peer of peers) {
      if (peer === session) continue;
      this.send(peer.addr, out);
      this.counters.forwarded++;
      rc.forwarded++;
    }
  }

  private mute(session: Session, packet: Extract<Packet, { type: 0x05 }>): void {
    const room = session.claims.roomId;
    const target = packet.target === 0 ? session.claims.userId : packet.target;
    const byServer = target !== session.claims.userId;
    if (byServer && !session.claims.host)
      return this.error(session, ErrorCode.NotHost, "only the room's host can mute others");
    if (!byServer && !packet.muted && this.isServerMuted(session))
      return this.error(session, ErrorCode.ServerMuted, 'the host muted you');
    if (byServer) this.serverMutes.set(room, target, packet.muted);
    else
      for (const t of this.sessions.values())
        if (t.claims.roomId === room && t.claims.userId === target) t.muted = packet.muted;
    this.ack(session, packet);
    // Everyone in the channel learns the new state (flag bit 1: set by the host).
    const note = this.muteNote(target, packet.muted, byServer);
    for (const peer of this.channels.get(room) ?? []) this.send(peer.addr, note);
  }

  private isServerMuted(session: Session): boolean {
    return this.serverMutes.has(session.claims.roomId, session.claims.userId);
  }

  /** A session that just joined learns who the host has muted, itself included. */
  private tellMutes(session: Session): void {
    for (const userId of this.serverMutes.of(session.claims.roomId))
      this.send(session.addr, this.muteNote(userId, true, true));
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

  private setJoined(session: Session, joined: boolean): void {
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

  private ack(session: Session, packet: Packet): void {
    this.send(
      session.addr,
      encode({
        type: PacketType.Ack,
        session: session.id,
        seq: this.seq++,
        flags: 0,
        ackType: packet.type,
        ackSeq: packet.seq,
        value: 0,
      }),
    );
  }

  private error(session: Session, code: ErrorCode, message: string): void {
    this.send(
      session.addr,
      encode({
        type: PacketType.Error,
        session: session.id,
        seq: this.seq++,
        flags: 0,
        code,
        message,
      }),
    );
  }

  /** Errors to unauthenticated addresses: at most one a second each, so the relay can't be used as a reflector. */
  private errorTo(addr: string, code: ErrorCode, message: string, seq = 0): void {
    const now = this.now();
    if (now - (this.errorSentAt.get(addr) ?? -Infinity) < 1000) return;
    this.errorSentAt.set(addr, now);
    this.send(addr, encode({ type: PacketType.Error, session: 0, seq, flags: 0, code, message }));
  }

  private drop(session: Session, code: ErrorCode, message: string): void {
    this.error(session, code, message);
    this.remove(session);
  }

  private remove(session: Session): void {
    this.setJoined(session, false);
    this.sessions.delete(session.id);
    if (this.byAddr.get(session.addr) === session) this.byAddr.delete(session.addr);
  }
}
