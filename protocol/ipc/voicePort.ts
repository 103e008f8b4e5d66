// Voice frames between the renderer and main travel over a MessagePort opened once per voice
// session (main makes the channel on `voice.join` and hands one end to the page), not over
// `invoke`: one 20 ms Opus frame is a few dozen bytes, and the port carries it with a fixed
// binary header instead of two schema parses and a promise per frame.
//
// Renderer → main (the microphone): [u32 timestamp][opus bytes]
// Main → renderer (a speaker):      [u8 flags][u32 speaker][u32 seq][u32 timestamp][opus bytes]
// Big-endian, as the relay's own wire format (docs/relay-protocol.md). A message that is not a
// Uint8Array or ArrayBuffer of at least the header's size decodes to undefined and is dropped.

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

export function encodeOutgoing(f: OutgoingVoiceFrame): Uint8Array {
  const out = new Uint8Array(OUT_HEADER + f.data.byteLength);
  new DataView(out.buffer).setUint32(0, f.timestamp >>> 0);
  out.set(f.data, OUT_HEADER);
  return out;
}

export function decodeOutgoing(msg: unknown): OutgoingVoiceFrame | undefined {
  const b = bytesOf(msg);
  if (!b || b.byteLength < OUT_HEADER) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { timestamp: view.getUint32(0), data: b.subarray(OUT_HEADER) };
}

export function encodeIncoming(f: IncomingVoiceFrame): Uint8Array {
  const out = new Uint8Array(IN_HEADER + f.data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, f.host ? FLAG_HOST : 0);
  view.setUint32(1, f.speaker >>> 0);
  view.setUint32(5, f.seq >>> 0);
  view.setUint32(9, f.timestamp >>> 0);
  out.set(f.data, IN_HEADER);
  return out;
}

export function decodeIncoming(msg: unknown): IncomingVoiceFrame | undefined {
  const b = bytesOf(msg);
  if (!b || b.byteLength < IN_HEADER) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    host: (view.getUint8(0) & FLAG_HOST) !== 0,
    speaker: view.getUint32(1),
    seq: view.getUint32(5),
    timestamp: view.getUint32(9),
    data: b.subarray(IN_HEADER),
  };
}
