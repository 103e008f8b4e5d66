// The voice channel on the main side: one RelayClient (issue D) per joined room. Opus frames
// arrive from the renderer over the session's voice port (voicePort.ts) and leave over UDP;
// frames from the relay go back to the renderer the same way. Mute is enforced here too (a muted player's frames never leave).
import { RelayClient, RelayClientError, SafeEmitter } from '../../hub-core/src/index.js';
import { ErrorCode } from '../../protocol/relay.js';
import type { IncomingVoiceFrame, PushPayload, VoiceStatus } from '../../protocol/ipc.js';
import { pinnedJson, type Pin } from './hubFetch.js';

interface VoiceTokenAnswer {
  token: string;
  channel: string;
  relay: { host: string; port: number };
}

export type VoiceEvents = {
  status: [VoiceStatus];
  frame: [IncomingVoiceFrame];
  mute: [PushPayload<'voice.mute'>];
};

export interface VoiceServiceOptions {
  pinOf: (origin: string) => Pin | undefined;
  tokenOf: (origin: string) => string | null;
  heartbeatMs?: number;
}

const OFF: VoiceStatus = {
  state: 'off',
  message: 'Voice is off.',
  muted: false,
  server_muted: false,
  frames_sent: 0,
  frames_received: 0,
};

export class VoiceService extends SafeEmitter<VoiceEvents> {
  private client: RelayClient | undefined;
  private st: VoiceStatus = OFF;
  private sent = 0;
  private received = 0;
  private joinGen = 0;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: VoiceServiceOptions) {
    super();
  }

  get status(): VoiceStatus {
    return { ...this.st, frames_sent: this.sent, frames_received: this.received };
  }

  async join(origin: string, roomId: string): Promise<VoiceStatus> {
    await this.leave();
    const gen = ++this.joinGen;
    const pin = this.options.pinOf(origin);
    if (!pin)
      return this.set({ ...OFF, state: 'failed', message: `${origin} is not a trusted hub.` });
    this.set({
      ...OFF,
      state: 'joining',
      message: 'Joining voice…',
      room_id: roomId,
      muted: this.st.muted,
    });
    const getToken = async () => {
      const answer = await pinnedJson<VoiceTokenAnswer>(
        pin,
        'POST',
        `/rooms/${encodeURIComponent(roomId)}/voice-token`,
        this.options.tokenOf(origin) ?? undefined,
      );
      return answer;
    };
    try {
      const first = await getToken();
      let fresh: VoiceTokenAnswer | undefined = first;
      const client = await RelayClient.connect({
        host: first.relay.host,
        port: first.relay.port,
        channel: first.channel,
        heartbeatMs: this.options.heartbeatMs ?? 2000,
        getToken: async () => {
          const t = fresh ?? (await getToken());
          fresh = undefined;
          return t.token;
        },
      });
      if (gen !== this.joinGen) {
        await client.close();
        return this.status;
      }
      this.client = client;
      client.on('audio', (f) => {
        this.received++;
        this.safeEmit('frame', {
          speaker: f.speaker,
          seq: f.seq,
          timestamp: f.timestamp,
          host: f.host,
          data: f.opus,
        });
      });
      client.on('mute', (m) => {
        if (m.userId === client.userId && m.byHost) {
          this.set({ ...this.st, server_muted: m.muted });
        }
        this.safeEmit('mute', { user_id: m.userId, muted: m.muted, by_host: m.byHost });
      });
      client.on('rtt', (ms) => {
        this.st = { ...this.st, rtt_ms: Math.round(ms * 10) / 10 };
      });
      client.on('relayerror', (e) => {
        if (e.code === ErrorCode.ServerMuted) this.set({ ...this.st, server_muted: true });
        else if (e.code === ErrorCode.Banned || e.code === ErrorCode.NotMember)
          this.set({ ...this.st, state: 'failed', message: e.message });
      });
      client.on('closed', () => {
        if (this.client === client) {
          this.client = undefined;
          if (this.st.state === 'live')
            this.set({ ...this.st, state: 'off', message: 'Voice ended.' });
        }
      });
      if (this.st.muted) await client.mute(true).catch(() => undefined);
      // RTT and counters reach the renderer once a second, not with every heartbeat.
      this.statusTimer = setInterval(() => this.safeEmit('status', this.status), 1000);
      return this.set({
        ...this.st,
        state: 'live',
        message: 'Voice is live.',
        user_id: client.userId,
      });
    } catch (err) {
      if (gen !== this.joinGen) return this.status;
      const msg =
        err instanceof RelayClientError || err instanceof Error ? err.message : String(err);
      return this.set({ ...this.st, state: 'failed', message: `Voice could not start: ${msg}` });
    }
  }

  send(data: Uint8Array, timestamp: number): boolean {
    if (!this.client || this.st.muted || this.st.server_muted) return false;
    this.client.sendAudio(data, timestamp);
    this.sent++;
    return true;
  }

  async mute(muted: boolean): Promise<VoiceStatus> {
    this.st = { ...this.st, muted };
    // Others see the mute (speaking indicators); frames stop here either way.
    await this.client?.mute(muted).catch(() => undefined);
    return this.set(this.st);
  }

  async serverMute(userId: number, muted: boolean): Promise<void> {
    if (!this.client) throw new Error('Join voice first.');
    await this.client.mute(muted, userId);
  }

  async leave(): Promise<VoiceStatus> {
    this.joinGen++;
    clearInterval(this.statusTimer);
    const c = this.client;
    this.client = undefined;
    if (c) {
      await c.leave().catch(() => undefined);
      await c.close();
    }
    this.sent = 0;
    this.received = 0;
    return this.set({ ...OFF, muted: this.st.muted });
  }

  private set(s: VoiceStatus): VoiceStatus {
    this.st = s;
    const out = this.status;
    this.safeEmit('status', out);
    return out;
  }
}
