// A browser's voice link: the relay's packets over the hub's /ws/voice WebSocket (one binary
// message per datagram), opened with a single-use ticket like the web UI's /ws. Handshake with
// a fresh voice token, join, heartbeats, mute and the host's server-mute, as the desktop app's
// RelayClient does over UDP; the relay puts both in the same sessions.
import type { VoiceToken } from '../../../protocol/api.js';
import { ErrorCode, PacketType } from '../../../protocol/relay.js';
import type { VoiceHub, VoiceLink, VoiceLinkHandlers, VoiceLinkStatus } from '../lib/voice.js';
import { RelayOutbox, readRelay, type RelayEvent } from './relayPackets.js';

const HEARTBEAT_MS = 5000;
const REPLY_TIMEOUT_MS = 4000;
const RECONNECT_MS = 1500;

type Waiter = { match: (e: RelayEvent) => boolean; done: (e: RelayEvent) => void };

export class WebVoiceLink implements VoiceLink {
  private ws: WebSocket | undefined;
  private out: RelayOutbox | undefined;
  private waiters: Waiter[] = [];
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;
  private wanted: string | null = null;
  private reconnecting = false;
  private muted = false;
  private st: VoiceLinkStatus = { state: 'off', message: 'Voice is off.', server_muted: false };
  private readonly handlers = new Set<Partial<VoiceLinkHandlers>>();
  userId = 0;

  constructor(private readonly hub: () => VoiceHub | null) {}

  listen(h: VoiceLinkHandlers): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  private setStatus(s: Partial<VoiceLinkStatus>): void {
    this.st = { ...this.st, ...s };
    for (const h of this.handlers) h.status?.(this.st);
  }

  async join(_origin: string, roomId: string): Promise<void> {
    this.wanted = roomId;
    this.setStatus({ state: 'joining', message: 'Joining voice…', server_muted: false });
    try {
      await this.connect(roomId);
    } catch (err) {
      if (this.wanted !== roomId) return;
      this.wanted = null;
      this.drop();
      const message = `Voice could not start: ${(err as Error).message}`;
      this.setStatus({ state: 'failed', message });
      throw new Error(message, { cause: err });
    }
  }

  private async connect(roomId: string): Promise<void> {
    const hub = this.hub();
    if (!hub) throw new Error('not signed in');
    const tok = await this.token(hub, roomId);
    const url = await hub.socketUrl(tok.relay.ws_path);
    if (this.wanted !== roomId) return;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('the hub’s voice WebSocket did not open'));
    });
    ws.onmessage = (m) => {
      if (m.data instanceof ArrayBuffer) this.onPacket(readRelay(new Uint8Array(m.data)));
    };
    ws.onclose = () => this.onClosed(ws);
    this.out = new RelayOutbox(tok.channel);
    await this.handshake(tok.token);
    this.lastHeard = performance.now();
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.tick(), HEARTBEAT_MS);
    if (this.muted) await this.setMuted(true);
    this.setStatus({ state: 'live', message: 'Voice is live.' });
  }

  private token(hub: VoiceHub, roomId: string): Promise<VoiceToken> {
    return hub.request<VoiceToken>('POST', `/rooms/${encodeURIComponent(roomId)}/voice-token`);
  }

  /** Handshake (a single-use token) and join; resolves once the relay acked both. */
  private async handshake(token: string): Promise<void> {
    const out = this.out!;
    const hs = out.handshake(token);
    const ack = this.expectAck(PacketType.Handshake, hs.seq);
    this.raw(hs.bytes);
    const a = await ack;
    if (a.kind !== 'ack') return;
    out.session = a.session;
    this.userId = a.value;
    const j = out.join();
    const joined = this.expectAck(PacketType.JoinChannel, j.seq);
    this.raw(j.bytes);
    await joined;
  }

  private expectAck(type: number, seq: number): Promise<RelayEvent> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('the voice relay did not answer'));
      }, REPLY_TIMEOUT_MS);
      const waiter: Waiter = {
        match: (e) =>
          (e.kind === 'ack' && e.ackType === type && e.ackSeq === seq) ||
          (e.kind === 'error' && (e.seq === seq || e.session === this.out?.session)),
        done: (e) => {
          clearTimeout(t);
          if (e.kind === 'error') reject(new Error(e.message));
          else resolve(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private onPacket(e: RelayEvent): void {
    this.lastHeard = performance.now();
    const w = this.waiters.find((x) => x.match(e));
    if (w) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.done(e);
      return;
    }
    if (e.kind === 'audio' || e.kind === 'bundle') {
      for (const f of e.kind === 'audio' ? [e] : e.frames)
        for (const h of this.handlers)
          h.frame?.({ speaker: f.speaker, data: f.opus, timestamp: f.timestamp });
    } else if (e.kind === 'mute') {
      if (e.userId === this.userId && e.byHost) this.setStatus({ server_muted: e.muted });
      for (const h of this.handlers)
        h.mute?.({ user_id: e.userId, muted: e.muted, by_host: e.byHost });
    } else if (e.kind === 'error') {
      if (e.code === ErrorCode.ServerMuted) this.setStatus({ server_muted: true });
      else if (e.code === ErrorCode.UnknownSession) this.rejoin();
      else if (e.code === ErrorCode.Banned || e.code === ErrorCode.NotMember) {
        this.wanted = null;
        this.drop();
        this.setStatus({ state: 'failed', message: e.message });
      }
    }
  }

  private tick(): void {
    if (!this.out?.session || this.reconnecting) return;
    if (performance.now() - this.lastHeard > 3 * HEARTBEAT_MS) return this.rejoin();
    this.raw(this.out.heartbeat(performance.now()));
  }

  /** The socket closed or the relay forgot the session: a new socket and handshake. */
  private rejoin(): void {
    const roomId = this.wanted;
    if (!roomId || this.reconnecting) return;
    this.reconnecting = true;
    this.drop();
    this.setStatus({ state: 'joining', message: 'Voice reconnecting…' });
    setTimeout(() => {
      this.reconnecting = false;
      if (this.wanted !== roomId) return;
      this.connect(roomId).catch(() => this.rejoin());
    }, RECONNECT_MS);
  }

  private onClosed(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.rejoin();
  }

  /** Closes the socket and forgets the session, without a word to the relay. */
  private drop(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const ws = this.ws;
    this.ws = undefined;
    if (this.out) this.out.session = 0;
    ws?.close();
  }

  async leave(): Promise<void> {
    const was = this.wanted;
    this.wanted = null;
    if (was && this.out?.session && this.ws?.readyState === WebSocket.OPEN) {
      const l = this.out.leave();
      const acked = this.expectAck(PacketType.LeaveChannel, l.seq).catch(() => undefined);
      this.raw(l.bytes);
      await acked;
    }
    this.drop();
    this.setStatus({ state: 'off', message: 'Voice is off.', server_muted: false });
  }

  async setMuted(muted: boolean): Promise<void> {
    this.muted = muted;
    if (!this.out?.session) return;
    const m = this.out.mute(muted);
    const acked = this.expectAck(PacketType.SetMute, m.seq);
    this.raw(m.bytes);
    await acked.catch(() => undefined);
  }

  async serverMute(userId: number, muted: boolean): Promise<void> {
    if (!this.out?.session) throw new Error('Voice is off.');
    const m = this.out.mute(muted, userId);
    const acked = this.expectAck(PacketType.SetMute, m.seq);
    this.raw(m.bytes);
    await acked;
  }

  send(frame: { data: Uint8Array; timestamp: number }): void {
    if (!this.out?.session || this.muted || this.st.server_muted) return;
    if (this.ws && this.ws.bufferedAmount > 64 * 1024) return; // late audio is worse than none
    this.raw(this.out.audio(frame.data, frame.timestamp));
  }

  private raw(bytes: Uint8Array): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(bytes as Uint8Array<ArrayBuffer>);
  }
}
