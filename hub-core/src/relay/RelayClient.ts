import { createSocket, type Socket } from 'node:dgram';
import { SafeEmitter } from '../events.js';
import {
  ErrorCode,
  FLAG_BUNDLES,
  PacketType,
  decode,
  encode,
  type Packet,
} from '../../../protocol/relay.js';

export interface AudioFrame {
  speaker: number;
  seq: number;
  timestamp: number;
  opus: Uint8Array;
  /** The speaker is the room's host. */
  host: boolean;
}

export type RelayClientEvents = {
  ready: [{ session: number; userId: number }];
  audio: [AudioFrame];
  mute: [{ userId: number; muted: boolean; byHost: boolean }];
  /** An Error packet from the relay (not named 'error': EventEmitter throws those when unheard). */
  relayerror: [{ code: number; message: string }];
  /** The session expired or was lost; the client is handshaking again. */
  rehandshake: [string];
  rtt: [number];
  closed: [];
};

export interface RelayClientOptions {
  host: string;
  port: number;
  /** The room id (the relay's channel). */
  channel: string;
  /** Returns a fresh voice token (POST /rooms/{id}/voice-token); called for every handshake. */
  getToken: () => Promise<string>;
  /** Heartbeat interval. Default 5000 ms (the relay drops a session after 30 s of silence). */
  heartbeatMs?: number;
  /** How long to wait for each answer from the relay. Default 2000 ms. */
  replyTimeoutMs?: number;
  /** Announce that this client reads AudioBundle packets. Default true. */
  bundles?: boolean;
}

export class RelayClientError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RelayClientError';
  }
}

/** Refusals that another handshake cannot fix. */
const FATAL: ReadonlySet<number> = new Set([
  ErrorCode.NotMember,
  ErrorCode.Banned,
  ErrorCode.WrongChannel,
  ErrorCode.TooManySessions,
]);

/**
 * A voice client: handshake with a signed token, join, heartbeats, frames in and out, mute,
 * and a new handshake (with a new token) whenever the relay forgets the session.
 */
export class RelayClient extends SafeEmitter<RelayClientEvents> {
  private session = 0;
  private seq = 1;
  private socket: Socket | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastHeard = 0;
  private waiters: { pred: (p: Packet) => boolean; resolve: (p: Packet) => void }[] = [];
  private rehandshaking: Promise<void> | undefined;
  private closed = false;
  userId = 0;
  /** The relay said (in its handshake Ack) that it bundles frames for this session. */
  bundled = false;

  private constructor(private readonly options: RelayClientOptions) {
    super();
  }

  /** Binds a local UDP port, handshakes and joins the channel. */
  static async connect(options: RelayClientOptions): Promise<RelayClient> {
    const c = new RelayClient(options);
    c.socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
    c.socket.on('message', (m) => c.onPacket(m));
    c.socket.on('error', () => undefined);
    await new Promise<void>((r) => c.socket!.bind(0, r));
    try {
      await c.start();
    } catch (err) {
      await c.close();
      throw err;
    }
    c.heartbeat = setInterval(() => c.tick(), options.heartbeatMs ?? 5000);
    return c;
  }

  get sessionId(): number {
    return this.session;
  }

  get localPort(): number {
    return this.socket?.address().port ?? 0;
  }

  sendAudio(opus: Uint8Array, timestamp: number): void {
    if (!this.session) return;
    this.raw({
      type: PacketType.Audio,
      session: this.session,
      seq: this.seq++,
      flags: 0,
      speaker: 0,
      timestamp,
      opus,
    });
  }

  async mute(muted: boolean, target = 0): Promise<void> {
    const seq = this.seq++;
    this.raw({ type: PacketType.SetMute, session: this.session, seq, flags: 0, muted, target });
    await this.expectAck(PacketType.SetMute, seq);
  }

  async leave(): Promise<void> {
    const seq = this.seq++;
    this.raw({
      type: PacketType.LeaveChannel,
      session: this.session,
      seq,
      flags: 0,
      channel: this.options.channel,
    });
    await this.expectAck(PacketType.LeaveChannel, seq);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    await new Promise<void>((r) => (this.socket ? this.socket.close(() => r()) : r()));
    this.safeEmit('closed');
  }

  private async start(): Promise<void> {
    const token = await this.options.getToken();
    const hsSeq = this.seq++;
    this.session = 0;
    this.raw({
      type: PacketType.Handshake,
      session: 0,
      seq: hsSeq,
      flags: this.options.bundles === false ? 0 : FLAG_BUNDLES,
      token,
      channel: this.options.channel,
    });
    const ack = await this.expectAck(PacketType.Handshake, hsSeq);
    this.session = ack.session;
    this.userId = ack.value;
    this.bundled = (ack.flags & FLAG_BUNDLES) !== 0;
    const joinSeq = this.seq++;
    this.raw({
      type: PacketType.JoinChannel,
      session: this.session,
      seq: joinSeq,
      flags: 0,
      channel: this.options.channel,
    });
    await this.expectAck(PacketType.JoinChannel, joinSeq);
    this.lastHeard = performance.now();
    this.safeEmit('ready', { session: this.session, userId: this.userId });
  }

  /** Resolves with the Ack of (type, seq), or rejects with the relay's Error or a timeout. */
  private expectAck(type: number, seq: number): Promise<Extract<Packet, { type: 0x08 }>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new RelayClientError(0, `no answer from the relay to packet type ${type}`));
      }, this.options.replyTimeoutMs ?? 2000);
      const waiter = {
        pred: (p: Packet) =>
          (p.type === PacketType.Ack && p.ackType === type && p.ackSeq === seq) ||
          (p.type === PacketType.Error && (p.seq === seq || p.session === this.session)),
        resolve: (p: Packet) => {
          clearTimeout(t);
          if (p.type === PacketType.Ack) resolve(p);
          else if (p.type === PacketType.Error) reject(new RelayClientError(p.code, p.message));
        },
      };
      this.waiters.push(waiter);
    });
  }

  private onPacket(buf: Buffer): void {
    const r = decode(buf);
    if (!r.ok) return;
    const p = r.packet;
    this.lastHeard = performance.now();
    const w = this.waiters.find((x) => x.pred(p));
    if (w) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(p);
      return;
    }
    switch (p.type) {
      case PacketType.Audio:
        this.safeEmit('audio', {
          speaker: p.speaker,
          seq: p.seq,
          timestamp: p.timestamp,
          opus: p.opus,
          host: (p.flags & 1) === 1,
        });
        return;
      case PacketType.AudioBundle:
        for (const f of p.frames) this.safeEmit('audio', f);
        return;
      case PacketType.SetMute:
        this.safeEmit('mute', { userId: p.target, muted: p.muted, byHost: (p.flags & 2) === 2 });
        return;
      case PacketType.Heartbeat:
        this.safeEmit('rtt', performance.now() - p.sentAt);
        return;
      case PacketType.Error:
        this.safeEmit('relayerror', { code: p.code, message: p.message });
        if (p.code === ErrorCode.UnknownSession) this.rehandshake('the relay forgot this session');
        return;
      default:
        return;
    }
  }

  private tick(): void {
    if (this.closed || !this.session) return;
    const hb = this.options.heartbeatMs ?? 5000;
    if (performance.now() - this.lastHeard > 3 * hb) {
      this.rehandshake('no answer to heartbeats');
      return;
    }
    this.raw({
      type: PacketType.Heartbeat,
      session: this.session,
      seq: this.seq++,
      flags: 0,
      sentAt: performance.now(),
    });
  }

  private rehandshake(why: string): void {
    if (this.closed || this.rehandshaking) return;
    this.safeEmit('rehandshake', why);
    this.rehandshaking = this.start()
      .catch((err: unknown) => {
        const code = err instanceof RelayClientError ? err.code : 0;
        this.safeEmit('relayerror', {
          code,
          message: `re-handshake failed: ${(err as Error).message}`,
        });
        if (FATAL.has(code)) void this.close();
      })
      .finally(() => (this.rehandshaking = undefined));
  }

  private raw(p: Packet): void {
    if (this.closed || !this.socket) return;
    this.socket.send(encode(p), this.options.port, this.options.host);
  }
}
