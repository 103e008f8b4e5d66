// Voice frames between the renderer and main travel over a MessagePort opened once per voice
// session (main makes the channel on `voice.join` and hands one end to the page), not over
// `invoke`: one 20 ms Opus frame is a few dozen bytes, and the port carries it with a fixed
// binary header instead of two schema parses and a promise per frame.
//
// Renderer → main (the microphone): [u32 timestamp][opus bytes]
// Main → renderer (a speaker):      [u8 flags][u32 speaker][u32 seq][u32 timestamp][opus bytes]
// Big-endian, as the relay's own wire format (docs/relay-protocol.md). A message that is not a
// Uint8Array or ArrayBuffer of at least the header's size, or a microphone frame larger than
// one Opus packet may be, decodes to undefined and is dropped.
import { MAX_OPUS_BYTES } from '../relay/codec.js';

/** One encoded Opus frame from the microphone; `timestamp` in 48 kHz ticks (32-bit). */
export interface OutgoingVoiceFrame {
  data: Uint8Array;
  timestamp: number;
}

/** One frame a speaker sent, as the relay delivered it. */
export interface IncomingVoiceFrame {
  speaker: number;
  seq: number;
  timestamp: number;
  /** The speaker is the room's host. */
  host: boolean;
  data: Uint8Array;
}

const OUT_HEADER = 4;
const IN_HEADER = 13;
const FLAG_HOST = 1;

function bytesOf(msg: unknown): Uint8Array | undefined {
  if (msg instanceof Uint8Array) return msg;
  if (msg instanceof ArrayBuffer) return new Uint8Array(msg);
  return undefined;
}

// Big-endian u32 by hand: cheaper than a DataView per 20 ms frame.
function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}
const getU32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

export function encodeOutgoing(f: OutgoingVoiceFrame): Uint8Array {
  const out = new Uint8Array(OUT_HEADER + f.data.byteLength);
  putU32(out, 0, f.timestamp >>> 0);
  out.set(f.data, OUT_HEADER);
  return out;
}

export function decodeOutgoing(msg: unknown): OutgoingVoiceFrame | undefined {
  const b = bytesOf(msg);
  if (!b || b.byteLength < OUT_HEADER || b.byteLength > OUT_HEADER + MAX_OPUS_BYTES)
    return undefined;
  return { timestamp: getU32(b, 0), data: b.subarray(OUT_HEADER) };
}

export function encodeIncoming(f: IncomingVoiceFrame): Uint8Array {
  const out = new Uint8Array(IN_HEADER + f.data.byteLength);
  out[0] = f.host ? FLAG_HOST : 0;
  putU32(out, 1, f.speaker >>> 0);
  putU32(out, 5, f.seq >>> 0);
  putU32(out, 9, f.timestamp >>> 0);
  out.set(f.data, IN_HEADER);
  return out;
}

export function decodeIncoming(msg: unknown): IncomingVoiceFrame | undefined {
  const b = bytesOf(msg);
  if (!b || b.byteLength < IN_HEADER) return undefined;
  return {
    host: (b[0]! & FLAG_HOST) !== 0,
    speaker: getU32(b, 1),
    seq: getU32(b, 5),
    timestamp: getU32(b, 9),
    data: b.subarray(IN_HEADER),
  };
}
