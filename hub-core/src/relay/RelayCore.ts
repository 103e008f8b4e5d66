import {
  ErrorCode,
  FLAG_BUNDLES,
  MAX_PACKET_BYTES,
  PacketType,
  decode,
  encode,
  type Packet,
} from '../../../protocol/relay.js';
import { ACTIVE_SPEAKER_MS, Bundler, dueWithin } from './bundler.js';
import { VoiceCounters, type RelayCounters, type RoomVoiceCounters } from './counters.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits, type VerifyResult } from './model.js';
import { ServerMutes } from './mutes.js';
import { ackPacket, errorPacket, heartbeatPacket, muteNote } from './replies.js';
import { SessionTable, takeToken, type Session } from './sessions.js';
import { UsedTokens } from './usedTokens.js';

export { type RelayCounters, type RoomVoiceCounters } from './counters.js';

export {
  DEFAULT_RELAY_LIMITS,
  type RelayLimits,
  type VerifiedClaims,
  type VerifyResult,
  type VoiceClaims,
} from './model.js';

interface RoomView {
  members: Set<number>;
  bans: Set<number>;
}

/**
 * The relay's logic, with no sockets: datagrams in (with the sender's address as a string),
 * datagrams out through `send`. It never throws on input; every packet it drops is counted.
 * This file is the packet dispatch; the sessions live in sessions.ts, the counters in
 * counters.ts, the encoded replies in replies.ts and the bundles' windows in bundler.ts.
 */
export class RelayCore {
  private readonly sessions = new SessionTable();
  private readonly rooms = new Map<string, RoomView>();
  private readonly errorSentAt = new Map<string, number>();
  private readonly stats = new VoiceCounters();
  private readonly serverMutes = new ServerMutes();
  private readonly usedTokens: UsedTokens;
  private readonly bundler: Bundler;
  private pending = 0;
  private seq = 1;

  constructor(
    private readonly verify: (token: string) => Promise<VerifyResult>,
    private readonly send: (to: string, data: Uint8Array) => void,
    private readonly limits: RelayLimits = DEFAULT_RELAY_LIMITS,
    private readonly now: () => number = () => performance.now(),
    wallClock: () => number = Date.now,
  ) {
    this.usedTokens = new UsedTokens(wallClock);
    this.bundler = new Bundler(send, limits.bundleWindowMs, (room) => this.sessions.channel(room));
  }

  /** The relay's totals (live: read, don't keep). */
  get counters(): RelayCounters {
    return this.stats.total;
  }

  /** Members and bans of a room, from the hub's database. Sessions of users no longer allowed are dropped. */
  setRoom(roomId: string, members: readonly number[], bans: readonly number[]): void {
    const view = { members: new Set(members), bans: new Set(bans) };
    if (members.length === 0) {
      this.rooms.delete(roomId);
      this.stats.forgetRoom(roomId);
      this.serverMutes.forgetRoom(roomId);
    } else this.rooms.set(roomId, view);
    for (const s of this.sessions.all()) {
      if (s.claims.roomId !== roomId) continue;
      if (view.bans.has(s.claims.userId)) this.drop(s, ErrorCode.Banned, 'banned from the room');
      else if (!view.members.has(s.claims.userId))
        this.drop(s, ErrorCode.NotMember, 'no longer a member of the room');
    }
  }

  handle(addr: string, data: Uint8Array): void {
    this.stats.count('received');
    if (data.length > MAX_PACKET_BYTES) return this.stats.count('dropped_oversized');
    const decoded = decode(data);
    if (!decoded.ok) return this.stats.count('dropped_malformed');
    const packet = decoded.packet;
    if (packet.type === PacketType.Handshake) {
      void this.handshake(addr, packet);
      return;
    }
    const session = this.sessions.get(packet.session);
    if (!session) {
      this.stats.count('dropped_unauthenticated');
      if (packet.session !== 0)
        this.errorTo(addr, ErrorCode.UnknownSession, 'unknown or expired session: handshake again');
      return;
    }
    if (session.addr !== addr) return this.stats.count('dropped_spoofed');
    const room = session.claims.roomId;
    this.stats.countRoomOnly(room, 'received');
    const now = this.now();
    if (!takeToken(session, now, this.limits))
      return this.stats.countIn(room, 'dropped_rate_limited');
    if (!session.window.accept(packet.seq)) return this.stats.countIn(room, 'dropped_replayed');
    session.lastSeen = now;
    switch (packet.type) {
      case PacketType.Audio:
        return this.audio(session, packet, now);
      case PacketType.JoinChannel:
      case PacketType.LeaveChannel:
        if (packet.channel !== room)
          return this.error(
            session,
            ErrorCode.WrongChannel,
            'this session belongs to another room',
          );
        this.sessions.setJoined(session, packet.type === PacketType.JoinChannel);
        this.ack(session, packet);
        if (packet.type === PacketType.JoinChannel) this.tellMutes(session);
        return;
      case PacketType.SetMute:
        return this.mute(session, packet);
      case PacketType.Heartbeat:
        this.send(session.addr, heartbeatPacket(session.id, this.seq++, packet.sentAt));
        return;
      default:
        return; // Ack, Error and AudioBundle from a client carry nothing for the relay.
    }
  }

  /** Drops sessions that never joined within the handshake timeout, or went silent. */
  sweep(): void {
    const now = this.now();
    for (const s of this.sessions.all()) {
      const idle = now - s.lastSeen > this.limits.sessionTimeoutMs;
      const unjoined = !s.joined && now - s.createdAt > this.limits.handshakeTimeoutMs;
      if (idle || unjoined) {
        this.stats.count('sessions_timed_out');
        this.sessions.remove(s);
      }
    }
    if (this.errorSentAt.size > 10_000) this.errorSentAt.clear();
    this.usedTokens.prune();
  }

  /** Stops the bundle windows' timers. */
  close(): void {
    this.bundler.close();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Per-room counters of the rooms that have (or had) voice sessions, with live session counts. */
  roomSnapshot(): Record<string, RoomVoiceCounters> {
    return this.stats.roomSnapshot(this.sessions.all().map((s) => s.claims.roomId));
  }

  snapshot(): RelayCounters {
    return this.stats.snapshot(this.sessions.size);
  }

  private async handshake(addr: string, packet: Extract<Packet, { type: 0x01 }>): Promise<void> {
    if (this.pending >= this.limits.maxPendingHandshakes)
      return this.stats.count('dropped_rate_limited');
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
      this.stats.count('handshakes_refused');
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
    const old = this.sessions.at(addr);
    if (old) this.sessions.remove(old);
    if (
      this.sessions.countOf((s) => s.claims.userId === c.userId) >= this.limits.maxSessionsPerUser
    )
      return refuse(ErrorCode.TooManySessions, 'too many voice sessions for this user');
    if (
      this.sessions.countOf((s) => s.claims.roomId === c.roomId) >= this.limits.maxSessionsPerRoom
    )
      return refuse(ErrorCode.TooManySessions, 'the room has too many voice sessions');
    const bundles = (packet.flags & FLAG_BUNDLES) !== 0 && this.limits.bundleWindowMs > 0;
    const s = this.sessions.open(addr, c, this.now(), this.limits.burst, bundles);
    this.usedTokens.use(c.jti, c.expiresAt, s.id);
    this.stats.count('handshakes_ok');
    this.ackHandshake(s, packet.seq);
  }

  private ackHandshake(session: Session, handshakeSeq: number): void {
    const acked = { type: PacketType.Handshake, seq: handshakeSeq };
    const flags = session.bundles ? FLAG_BUNDLES : 0;
    this.send(session.addr, ackPacket(session.id, this.seq++, acked, session.claims.userId, flags));
  }

  private audio(session: Session, packet: Extract<Packet, { type: 0x02 }>, now: number): void {
    const room = session.claims.roomId;
    if (!session.joined) return this.stats.countIn(room, 'dropped_not_joined');
    if (session.muted || this.isServerMuted(session))
      return this.stats.countIn(room, 'dropped_muted');
    session.lastAudio = now;
    const peers = this.sessions.channel(room);
    if (!peers || peers.size < 2) return;
    const host = session.claims.host;
    // The speaker is named by the relay, never by the sender. Encoded once for every listener
    // that takes frames one by one; bundled for those that read bundles.
    let single: Uint8Array | undefined;
    const window = this.limits.bundleWindowMs;
    let talking = 0;
    let due = 0; // speakers, besides this one, whose next frame should come within the window
    for (const peer of peers) {
      const since = now - peer.lastAudio;
      if (since < ACTIVE_SPEAKER_MS) talking++;
      if (peer !== session && dueWithin(since, window)) due++;
    }
    const frame = {
      speaker: session.claims.userId,
      seq: packet.seq,
      timestamp: packet.timestamp,
      host,
      opus: packet.opus,
    };
    for (const peer of peers) {
      if (peer === session) continue;
      if (peer.bundles) {
        const since = now - peer.lastAudio;
        const others = talking - (since < ACTIVE_SPEAKER_MS ? 1 : 0);
        const worthWaiting = due - (dueWithin(since, window) ? 1 : 0) > 0;
        this.bundler.add(room, peer, frame, worthWaiting ? others : 0);
      } else {
        single ??= encode({
          type: PacketType.Audio,
          session: 0,
          seq: packet.seq,
          flags: host ? 1 : 0,
          speaker: session.claims.userId,
          timestamp: packet.timestamp,
          opus: packet.opus,
        });
        this.send(peer.addr, single);
      }
    }
    this.stats.countIn(room, 'forwarded', peers.size - (peers.has(session) ? 1 : 0));
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
      for (const t of this.sessions.all())
        if (t.claims.roomId === room && t.claims.userId === target) t.muted = packet.muted;
    this.ack(session, packet);
    // Everyone in the channel learns the new state.
    const note = muteNote(this.seq++, target, packet.muted, byServer);
    for (const peer of this.sessions.channel(room) ?? []) this.send(peer.addr, note);
  }

  private isServerMuted(session: Session): boolean {
    return this.serverMutes.has(session.claims.roomId, session.claims.userId);
  }

  /** A session that just joined learns who the host has muted, itself included. */
  private tellMutes(session: Session): void {
    for (const userId of this.serverMutes.of(session.claims.roomId))
      this.send(session.addr, muteNote(this.seq++, userId, true, true));
  }

  private ack(session: Session, packet: Packet): void {
    this.send(session.addr, ackPacket(session.id, this.seq++, packet));
  }

  private error(session: Session, code: ErrorCode, message: string): void {
    this.send(session.addr, errorPacket(session.id, this.seq++, code, message));
  }

  /** Errors to unauthenticated addresses: at most one a second each, so the relay can't be used as a reflector. */
  private errorTo(addr: string, code: ErrorCode, message: string, seq = 0): void {
    const now = this.now();
    if (now - (this.errorSentAt.get(addr) ?? -Infinity) < 1000) return;
    this.errorSentAt.set(addr, now);
    this.send(addr, errorPacket(0, seq, code, message));
  }

  private drop(session: Session, code: ErrorCode, message: string): void {
    this.error(session, code, message);
    this.sessions.remove(session);
  }
}
