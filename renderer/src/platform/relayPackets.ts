// The browser's side of the voice relay protocol (docs/relay-protocol.md), without the socket:
// numbering what it sends, and reading what the relay sends back. Pure, so it is unit-tested.
import { FLAG_BUNDLES, PacketType, decode, encode } from '../../../protocol/relay.js';

/** The packets one relay session sends, numbered +1 each (the relay drops replays). */
export class RelayOutbox {
  session = 0;
  private seq = 1;

  /** `bundles`: announce in the handshake that this client reads AudioBundle packets. */
  constructor(
    readonly channel: string,
    readonly bundles = true,
  ) {}

  private next(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) >>> 0 || 1;
    return s;
  }

  /** A new handshake forgets the old session id (the Ack brings the new one). */
  handshake(token: string): { seq: number; bytes: Uint8Array } {
    this.session = 0;
    const seq = this.next();
    const bytes = encode({
      type: PacketType.Handshake,
      session: 0,
      seq,
      flags: this.bundles ? FLAG_BUNDLES : 0,
      token,
      channel: this.channel,
    });
    return { seq, bytes };
  }

  join(): { seq: number; bytes: Uint8Array } {
    const seq = this.next();
    const p = { session: this.session, seq, flags: 0, channel: this.channel };
    return { seq, bytes: encode({ type: PacketType.JoinChannel, ...p }) };
  }

  leave(): { seq: number; bytes: Uint8Array } {
    const seq = this.next();
    const p = { session: this.session, seq, flags: 0, channel: this.channel };
    return { seq, bytes: encode({ type: PacketType.LeaveChannel, ...p }) };
  }

  /** target 0: this player; another user id: the host's mute for everyone. */
  mute(muted: boolean, target = 0): { seq: number; bytes: Uint8Array } {
    const seq = this.next();
    const p = { session: this.session, seq, flags: 0, muted, target };
    return { seq, bytes: encode({ type: PacketType.SetMute, ...p }) };
  }

  audio(opus: Uint8Array, timestamp: number): Uint8Array {
    const p = { session: this.session, seq: this.next(), flags: 0, speaker: 0, timestamp };
    return encode({ type: PacketType.Audio, ...p, opus });
  }

  heartbeat(sentAt: number): Uint8Array {
    const p = { session: this.session, seq: this.next(), flags: 0, sentAt };
    return encode({ type: PacketType.Heartbeat, ...p });
  }
}

/** One frame of a speaker, alone in an Audio packet or inside an AudioBundle. */
export interface HeardFrame {
  speaker: number;
  timestamp: number;
  opus: Uint8Array;
  host: boolean;
}

/** What one packet from the relay means to a client. */
export type RelayEvent =
  | {
      kind: 'ack';
      session: number;
      ackType: number;
      ackSeq: number;
      value: number;
      /** On a handshake's Ack: the relay sends this session bundles. */
      bundled: boolean;
    }
  | { kind: 'error'; session: number; seq: number; code: number; message: string }
  | ({ kind: 'audio' } & HeardFrame)
  | { kind: 'bundle'; frames: HeardFrame[] }
  | { kind: 'mute'; userId: number; muted: boolean; byHost: boolean }
  | { kind: 'heartbeat'; sentAt: number }
  | { kind: 'ignored'; reason: string };

/** Reads one binary WebSocket message (one relay datagram). Never throws. */
export function readRelay(bytes: Uint8Array): RelayEvent {
  const r = decode(bytes);
  if (!r.ok) return { kind: 'ignored', reason: r.reason };
  const p = r.packet;
  switch (p.type) {
    case PacketType.Ack:
      return {
        kind: 'ack',
        session: p.session,
        ackType: p.ackType,
        ackSeq: p.ackSeq,
        value: p.value,
        bundled: (p.flags & FLAG_BUNDLES) !== 0,
      };
    case PacketType.Error:
      return { kind: 'error', session: p.session, seq: p.seq, code: p.code, message: p.message };
    case PacketType.Audio:
      return {
        kind: 'audio',
        speaker: p.speaker,
        timestamp: p.timestamp,
        opus: p.opus,
        host: (p.flags & 1) === 1,
      };
    case PacketType.AudioBundle:
      return {
        kind: 'bundle',
        frames: p.frames.map((f) => ({
          speaker: f.speaker,
          timestamp: f.timestamp,
          opus: f.opus,
          host: f.host,
        })),
      };
    case PacketType.SetMute:
      return { kind: 'mute', userId: p.target, muted: p.muted, byHost: (p.flags & 2) === 2 };
    case PacketType.Heartbeat:
      return { kind: 'heartbeat', sentAt: p.sentAt };
    default:
      return { kind: 'ignored', reason: `type ${p.type}` };
  }
}
