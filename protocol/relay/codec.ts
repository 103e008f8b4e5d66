// The voice relay's wire format (version 1, with bundles). Environment-neutral: runs in the hub's relay
// worker, the Node RelayClient and the browser. docs/relay-protocol.md is the specification,
// with test vectors that the tests check against this codec.

export const MAGIC = 0x424c; // "BL"
export const VERSION = 1;
export const HEADER_BYTES = 16;
/** Largest datagram the relay accepts: header + the largest audio payload. */
export const MAX_PACKET_BYTES = 1400;
/** Largest Opus frame accepted (RFC 6716's maximum frame size). */
export const MAX_OPUS_BYTES = 1275;

export const PacketType = {
  Handshake: 0x01,
  Audio: 0x02,
  JoinChannel: 0x03,
  LeaveChannel: 0x04,
  SetMute: 0x05,
  Heartbeat: 0x06,
  Error: 0x07,
  Ack: 0x08,
  AudioBundle: 0x09,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

export const ErrorCode = {
  Malformed: 1,
  UnsupportedVersion: 2,
  BadToken: 3,
  TokenExpired: 4,
  NotMember: 5,
  Banned: 6,
  WrongChannel: 7,
  UnknownSession: 8,
  TooManySessions: 9,
  RateLimited: 10,
  NotJoined: 11,
  NotHost: 12,
  ServerMuted: 13,
  TokenUsed: 14,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Handshake flag bit 0 (client to relay): this client reads AudioBundle packets. In the relay's
 * Ack of that handshake, the same bit says the relay will bundle for the session.
 */
export const FLAG_BUNDLES = 1;
/** Bytes before each frame's Opus data in an AudioBundle: speaker, seq, timestamp, flags, length. */
export const BUNDLE_FRAME_HEADER_BYTES = 15;
/** Most frames one AudioBundle carries (its count is one byte). */
export const MAX_BUNDLE_FRAMES = 255;

/** One speaker's frame inside an AudioBundle. */
export interface BundleFrame {
  /** The speaker's user id, named by the relay. */
  speaker: number;
  /** The speaker's own sequence number for the frame. */
  seq: number;
  timestamp: number;
  /** The speaker is the room's host. */
  host: boolean;
  opus: Uint8Array;
}

export interface Header {
  type: PacketType;
  /** 0 in a Handshake; afterwards the id the relay assigned in its Ack. */
  session: number;
  /** Per-sender counter, +1 for every packet; the relay drops replays and duplicates. */
  seq: number;
  /**
   * Bit 0: Audio from the relay, the speaker is the host; Handshake, the client reads bundles;
   * Ack of a Handshake, the relay bundles for this session. SetMute from the relay: bit 1, set by
   * the host. Otherwise 0.
   */
  flags: number;
}

export type Packet =
  | (Header & { type: 0x01; token: string; channel: string })
  | (Header & { type: 0x02; speaker: number; timestamp: number; opus: Uint8Array })
  | (Header & { type: 0x03; channel: string })
  | (Header & { type: 0x04; channel: string })
  | (Header & { type: 0x05; muted: boolean; target: number })
  | (Header & { type: 0x06; sentAt: number })
  | (Header & { type: 0x07; code: number; message: string })
  | (Header & { type: 0x08; ackType: number; ackSeq: number; value: number })
  | (Header & { type: 0x09; frames: BundleFrame[] });

export type DecodeResult = { ok: true; packet: Packet } | { ok: false; reason: string };

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function header(view: DataView, h: Header, payloadLength: number): void {
  view.setUint16(0, MAGIC);
  view.setUint8(2, VERSION);
  view.setUint8(3, h.type);
  view.setUint32(4, h.session >>> 0);
  view.setUint32(8, h.seq >>> 0);
  view.setUint16(12, payloadLength);
  view.setUint16(14, h.flags & 0xffff);
}

function payloadOf(p: Packet): Uint8Array {
  switch (p.type) {
    case PacketType.Handshake: {
      const token = enc.encode(p.token);
      const channel = enc.encode(p.channel);
      const out = new Uint8Array(2 + token.length + 1 + channel.length);
      const v = new DataView(out.buffer);
      v.setUint16(0, token.length);
      out.set(token, 2);
      v.setUint8(2 + token.length, channel.length);
      out.set(channel, 3 + token.length);
      return out;
    }
    case PacketType.Audio: {
      const out = new Uint8Array(8 + p.opus.length);
      const v = new DataView(out.buffer);
      v.setUint32(0, p.speaker >>> 0);
      v.setUint32(4, p.timestamp >>> 0);
      out.set(p.opus, 8);
      return out;
    }
    case PacketType.JoinChannel:
    case PacketType.LeaveChannel: {
      const c = enc.encode(p.channel);
      const out = new Uint8Array(1 + c.length);
      out[0] = c.length;
      out.set(c, 1);
      return out;
    }
    case PacketType.SetMute: {
      const out = new Uint8Array(5);
      out[0] = p.muted ? 1 : 0;
      new DataView(out.buffer).setUint32(1, p.target >>> 0);
      return out;
    }
    case PacketType.Heartbeat: {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, p.sentAt);
      return out;
    }
    case PacketType.Error: {
      const m = enc.encode(p.message).slice(0, 200);
      const out = new Uint8Array(2 + m.length);
      new DataView(out.buffer).setUint16(0, p.code);
      out.set(m, 2);
      return out;
    }
    case PacketType.Ack: {
      const out = new Uint8Array(9);
      const v = new DataView(out.buffer);
      v.setUint8(0, p.ackType);
      v.setUint32(1, p.ackSeq >>> 0);
      v.setUint32(5, p.value >>> 0);
      return out;
    }
    case PacketType.AudioBundle:
      return bundlePayload(p.frames);
  }
}

/** The bytes an AudioBundle's payload takes for these frames. */
export const bundleBytes = (frames: readonly BundleFrame[]): number =>
  frames.reduce((n, f) => n + BUNDLE_FRAME_HEADER_BYTES + f.opus.length, 1);

function bundlePayload(frames: readonly BundleFrame[]): Uint8Array {
  if (frames.length === 0 || frames.length > MAX_BUNDLE_FRAMES)
    throw new RangeError('a bundle carries 1 to 255 frames');
  const out = new Uint8Array(bundleBytes(frames));
  const v = new DataView(out.buffer);
  out[0] = frames.length;
  let at = 1;
  for (const f of frames) {
    if (f.opus.length > MAX_OPUS_BYTES) throw new RangeError('opus frame too large');
    v.setUint32(at, f.speaker >>> 0);
    v.setUint32(at + 4, f.seq >>> 0);
    v.setUint32(at + 8, f.timestamp >>> 0);
    v.setUint8(at + 12, f.host ? 1 : 0);
    v.setUint16(at + 13, f.opus.length);
    out.set(f.opus, at + BUNDLE_FRAME_HEADER_BYTES);
    at += BUNDLE_FRAME_HEADER_BYTES + f.opus.length;
  }
  return out;
}

function readBundle(pl: Uint8Array, pv: DataView): BundleFrame[] | undefined {
  const count = pl.length > 0 ? pl[0]! : 0;
  if (count === 0) return undefined;
  const frames: BundleFrame[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    if (at + BUNDLE_FRAME_HEADER_BYTES > pl.length) return undefined;
    const flags = pv.getUint8(at + 12);
    const len = pv.getUint16(at + 13);
    const end = at + BUNDLE_FRAME_HEADER_BYTES + len;
    if (flags > 1 || len > MAX_OPUS_BYTES || end > pl.length) return undefined;
    frames.push({
      speaker: pv.getUint32(at),
      seq: pv.getUint32(at + 4),
      timestamp: pv.getUint32(at + 8),
      host: flags === 1,
      opus: new Uint8Array(pl.subarray(at + BUNDLE_FRAME_HEADER_BYTES, end)),
    });
    at = end;
  }
  return at === pl.length ? frames : undefined;
}

/** Encodes a packet; throws RangeError for values that do not fit the format. */
export function encode(p: Packet): Uint8Array {
  const payload = payloadOf(p);
  if (
    p.type === PacketType.Handshake &&
    (p.channel.length === 0 || enc.encode(p.channel).length > 64)
  ) {
    throw new RangeError('channel must be 1 to 64 bytes');
  }
  if (p.type === PacketType.Audio && p.opus.length > MAX_OPUS_BYTES)
    throw new RangeError('opus frame too large');
  if (HEADER_BYTES + payload.length > MAX_PACKET_BYTES) throw new RangeError('packet too large');
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  header(new DataView(out.buffer), p, payload.length);
  out.set(payload, HEADER_BYTES);
  return out;
}

const fail = (reason: string): DecodeResult => ({ ok: false, reason });

function str(bytes: Uint8Array): string | undefined {
  try {
    return dec.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Decodes a datagram. Never throws: anything malformed is `{ok: false, reason}`. */
export function decode(buf: Uint8Array): DecodeResult {
  if (buf.length < HEADER_BYTES) return fail('short');
  if (buf.length > MAX_PACKET_BYTES) return fail('oversized');
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint16(0) !== MAGIC) return fail('magic');
  if (v.getUint8(2) !== VERSION) return fail('version');
  const type = v.getUint8(3);
  const h = { session: v.getUint32(4), seq: v.getUint32(8), flags: v.getUint16(14) };
  const len = v.getUint16(12);
  if (len !== buf.length - HEADER_BYTES) return fail('length');
  const pl = buf.subarray(HEADER_BYTES);
  const pv = new DataView(pl.buffer, pl.byteOffset, pl.byteLength);
  switch (type) {
    case PacketType.Handshake: {
      if (len < 4) return fail('length');
      const tl = pv.getUint16(0);
      if (2 + tl + 1 > len) return fail('length');
      const cl = pv.getUint8(2 + tl);
      if (3 + tl + cl !== len || cl === 0) return fail('length');
      const token = str(pl.subarray(2, 2 + tl));
      const channel = str(pl.subarray(3 + tl));
      if (token === undefined || channel === undefined) return fail('utf8');
      return { ok: true, packet: { type, ...h, token, channel } };
    }
    case PacketType.Audio:
      if (len < 8) return fail('length');
      return {
        ok: true,
        packet: {
          type,
          ...h,
          speaker: pv.getUint32(0),
          timestamp: pv.getUint32(4),
          opus: new Uint8Array(pl.subarray(8)), // a plain copy, never a view pinning the datagram
        },
      };
    case PacketType.JoinChannel:
    case PacketType.LeaveChannel: {
      if (len < 2 || pv.getUint8(0) !== len - 1) return fail('length');
      const channel = str(pl.subarray(1));
      if (channel === undefined) return fail('utf8');
      return { ok: true, packet: { type, ...h, channel } };
    }
    case PacketType.SetMute:
      if (len !== 5 || pl[0]! > 1) return fail('length');
      return { ok: true, packet: { type, ...h, muted: pl[0] === 1, target: pv.getUint32(1) } };
    case PacketType.Heartbeat:
      if (len !== 8) return fail('length');
      return { ok: true, packet: { type, ...h, sentAt: pv.getFloat64(0) } };
    case PacketType.Error: {
      if (len < 2) return fail('length');
      const message = str(pl.subarray(2));
      if (message === undefined) return fail('utf8');
      return { ok: true, packet: { type, ...h, code: pv.getUint16(0), message } };
    }
    case PacketType.Ack:
      if (len !== 9) return fail('length');
      return {
        ok: true,
        packet: {
          type,
          ...h,
          ackType: pv.getUint8(0),
          ackSeq: pv.getUint32(1),
          value: pv.getUint32(5),
        },
      };
    case PacketType.AudioBundle: {
      const frames = readBundle(pl, pv);
      if (!frames) return fail('length');
      return { ok: true, packet: { type, ...h, frames } };
    }
    default:
      return fail('type');
  }
}

/**
 * Sliding-window replay check (RFC 4303 style, 32 packets: 640 ms of 20 ms frames). `accept`
 * returns false for a sequence number already seen or older than the window, and records it
 * otherwise. Plain 32-bit integers: it runs for every packet.
 */
export class ReplayWindow {
  private top = -1;
  private bits = 0;

  accept(seq: number): boolean {
    if (this.top < 0 || seq > this.top) {
      const shift = this.top < 0 ? 32 : seq - this.top;
      this.bits = shift >= 32 ? 1 : ((this.bits << shift) | 1) >>> 0;
      this.top = seq;
      return true;
    }
    const back = this.top - seq;
    if (back >= 32) return false;
    const bit = (1 << back) >>> 0;
    if ((this.bits & bit) !== 0) return false;
    this.bits = (this.bits | bit) >>> 0;
    return true;
  }
}
