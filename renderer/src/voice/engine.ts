// Voice in the renderer: the microphone, encoded to Opus with WebCodecs, handed to the platform's
// voice link (the desktop app: main's RelayClient over UDP, through the voice MessagePort; a
// browser: the hub's /ws/voice); frames from the link decoded per speaker and played, each
// through its own gain. Levels feed the input
// meter and the speaking indicators.
import type { VoiceLink } from '../lib/voice.js';

export const SAMPLE_RATE = 48000;
const SPEAKING_RMS = 0.01;
const PLAYOUT_DELAY_S = 0.06;

interface Speaker {
  decoder: AudioDecoder;
  gain: GainNode;
  nextTime: number;
  level: number;
  lastHeard: number;
  frames: number;
}

export interface VoiceLevels {
  input: number;
  /** user id → level (0..1) of what was heard in the last 300 ms */
  speakers: Record<number, number>;
  framesDecoded: Record<number, number>;
}

function rmsOf(data: AudioData): number {
  const n = data.numberOfFrames;
  if (!n) return 0;
  const buf = new Float32Array(n);
  data.copyTo(buf, { planeIndex: 0, format: 'f32-planar' });
  let sum = 0;
  for (const v of buf) sum += v * v;
  return Math.sqrt(sum / n);
}

export class VoiceEngine {
  private ctx: AudioContext | undefined;
  private master: GainNode | undefined;
  private stream: MediaStream | undefined;
  private analyser: AnalyserNode | undefined;
  private encoder: AudioEncoder | undefined;
  private reading = false;
  private readonly speakers = new Map<number, Speaker>();
  private readonly volumes = new Map<number, number>();
  private sending = false;
  private deafened = false;
  private startTs = 0;

  constructor(private readonly link: Pick<VoiceLink, 'send'>) {}

  /** Why this page cannot talk (no WebCodecs), or null when it can. */
  static unsupported(): string | null {
    const g = globalThis as Partial<Record<string, unknown>>;
    if (g.AudioEncoder && g.AudioDecoder && g.MediaStreamTrackProcessor) return null;
    return (
      'Voice is not supported in this browser: it lacks WebCodecs audio (AudioEncoder and ' +
      'AudioDecoder). Use a recent Chrome, Edge or Chromium, or the Backline desktop app.'
    );
  }

  get capturing(): boolean {
    return !!this.stream;
  }

  /** Whether frames leave this machine (not muted, or push-to-talk held). */
  setSending(on: boolean): void {
    this.sending = on;
  }

  setDeafened(on: boolean): void {
    this.deafened = on;
    if (this.master && this.ctx) this.master.gain.setValueAtTime(on ? 0 : 1, this.ctx.currentTime);
  }

  setVolume(userId: number, volume: number): void {
    this.volumes.set(userId, volume);
    const s = this.speakers.get(userId);
    if (s && this.ctx) s.gain.gain.setValueAtTime(volume, this.ctx.currentTime);
  }

  private context(): AudioContext {
    if (!this.ctx) {
      this.ctx = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
      this.master = this.ctx.createGain();
      this.master.connect(this.ctx.destination);
      this.setDeafened(this.deafened);
    }
    if (this.ctx.state === 'suspended') void this.ctx.resume();
    return this.ctx;
  }

  /** Opens the microphone and starts encoding. Throws a person-readable error. */
  async startCapture(): Promise<void> {
    if (this.stream) return;
    const unsupported = VoiceEngine.unsupported();
    if (unsupported) throw new Error(unsupported);
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        video: false,
      });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'NotAllowedError' || name === 'SecurityError')
        throw new Error(
          'Microphone access was refused, so you can listen but not talk. Allow the ' +
            'microphone for this site (the icon in the address bar), then turn voice on again.',
          { cause: err },
        );
      throw new Error(
        `The microphone is not available (${name}). Allow it, or pick another input.`,
        { cause: err },
      );
    }
    this.stream = stream;
    const ctx = this.context();
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 1024;
    ctx.createMediaStreamSource(stream).connect(this.analyser);
    const track = stream.getAudioTracks()[0]!;
    const processor = new MediaStreamTrackProcessor({ track });
    const reader = processor.readable.getReader();
    this.startTs = performance.now();
    this.reading = true;
    let configured = false;
    const encoder = new AudioEncoder({
      output: (chunk) => {
        if (!this.sending) return;
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        // 48 kHz ticks since capture started, as the relay's 32-bit timestamp.
        const ts = Math.floor(((performance.now() - this.startTs) * SAMPLE_RATE) / 1000) >>> 0;
        this.link.send({ data, timestamp: ts });
      },
      error: () => {
        this.reading = false;
      },
    });
    this.encoder = encoder;
    void (async () => {
      while (this.reading) {
        const { value, done } = await reader.read();
        if (done || !value) break;
        if (!configured) {
          encoder.configure({
            codec: 'opus',
            sampleRate: value.sampleRate,
            numberOfChannels: 1,
            bitrate: 64_000,
          });
          configured = true;
        }
        if (value.numberOfChannels === 1 && encoder.state === 'configured') encoder.encode(value);
        else if (encoder.state === 'configured') {
          // Mix down to mono: the voice channel is mono.
          const n = value.numberOfFrames;
          const mono = new Float32Array(n);
          const tmp = new Float32Array(n);
          for (let c = 0; c < value.numberOfChannels; c++) {
            value.copyTo(tmp, { planeIndex: c, format: 'f32-planar' });
            for (let i = 0; i < n; i++) mono[i]! += tmp[i]! / value.numberOfChannels;
          }
          encoder.encode(
            new AudioData({
              format: 'f32-planar',
              sampleRate: value.sampleRate,
              numberOfChannels: 1,
              numberOfFrames: n,
              timestamp: value.timestamp,
              data: mono,
            }),
          );
        }
        value.close();
      }
      reader.releaseLock();
    })().catch(() => {
      this.reading = false;
    });
  }

  /** Decodes and schedules one received frame. */
  receive(speaker: number, data: Uint8Array, timestampTicks: number): void {
    if (this.deafened) return;
    const ctx = this.context();
    let s = this.speakers.get(speaker);
    if (!s) {
      const gain = ctx.createGain();
      gain.gain.value = this.volumes.get(speaker) ?? 1;
      gain.connect(this.master!);
      const sp: Speaker = {
        gain,
        nextTime: 0,
        level: 0,
        lastHeard: 0,
        frames: 0,
        decoder: new AudioDecoder({
          output: (audio) => this.play(sp, audio),
          error: () => this.speakers.delete(speaker),
        }),
      };
      sp.decoder.configure({ codec: 'opus', sampleRate: SAMPLE_RATE, numberOfChannels: 1 });
      this.speakers.set(speaker, sp);
      s = sp;
    }
    if (s.decoder.state !== 'configured') return;
    try {
      s.decoder.decode(
        new EncodedAudioChunk({
          type: 'key',
          timestamp: Math.round((timestampTicks * 1_000_000) / SAMPLE_RATE),
          data,
        }),
      );
    } catch {
      // A damaged frame is dropped; the next one decodes on its own.
    }
  }

  private play(s: Speaker, audio: AudioData): void {
    const ctx = this.ctx!;
    s.frames++;
    s.level = rmsOf(audio);
    s.lastHeard = performance.now();
    const n = audio.numberOfFrames;
    const buffer = ctx.createBuffer(1, n, audio.sampleRate);
    const ch = new Float32Array(n);
    audio.copyTo(ch, { planeIndex: 0, format: 'f32-planar' });
    buffer.copyToChannel(ch, 0);
    audio.close();
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(s.gain);
    const now = ctx.currentTime;
    // A late or first frame restarts the playout a little ahead; otherwise frames line up.
    if (s.nextTime < now) s.nextTime = now + PLAYOUT_DELAY_S;
    src.start(s.nextTime);
    s.nextTime += buffer.duration;
  }

  levels(): VoiceLevels {
    let input = 0;
    if (this.analyser) {
      const buf = new Float32Array(this.analyser.fftSize);
      this.analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      input = Math.sqrt(sum / buf.length);
    }
    const now = performance.now();
    const speakers: Record<number, number> = {};
    const framesDecoded: Record<number, number> = {};
    for (const [id, s] of this.speakers) {
      speakers[id] = now - s.lastHeard < 300 ? s.level : 0;
      framesDecoded[id] = s.frames;
    }
    return { input, speakers, framesDecoded };
  }

  static isSpeaking(level: number | undefined): boolean {
    return (level ?? 0) > SPEAKING_RMS;
  }

  async close(): Promise<void> {
    this.reading = false;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = undefined;
    if (this.encoder && this.encoder.state !== 'closed') this.encoder.close();
    this.encoder = undefined;
    for (const s of this.speakers.values()) if (s.decoder.state !== 'closed') s.decoder.close();
    this.speakers.clear();
    await this.ctx?.close().catch(() => {});
    this.ctx = undefined;
    this.master = undefined;
    this.analyser = undefined;
  }
}
