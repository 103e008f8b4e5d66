import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  FLAG_BUNDLES,
  HEADER_BYTES,
  MAX_PACKET_BYTES,
  ReplayWindow,
  decode,
  encode,
  type Packet,
} from './codec.js';

/** `opus_hex` (at the top or inside a bundle's frames) becomes the `opus` bytes. */
const withOpus = (f: Record<string, unknown>): Record<string, unknown> => {
  const { opus_hex, frames, ...rest } = f;
  return {
    ...rest,
    ...(typeof opus_hex === 'string' ? { opus: new Uint8Array(Buffer.from(opus_hex, 'hex')) } : {}),
    ...(Array.isArray(frames)
      ? { frames: frames.map((x) => withOpus(x as Record<string, unknown>)) }
      : {}),
  };
};

const doc = readFileSync(new URL('../../docs/relay-protocol.md', import.meta.url), 'utf8');
const vectors = [...doc.matchAll(/```vector (\S+)\nfields: (.+)\nhex: ([0-9a-f ]+)\n```/g)].map(
  (m) => {
    const f = withOpus(JSON.parse(m[2]!) as Record<string, unknown>);
    return {
      name: m[1]!,
      packet: f as unknown as Packet,
      bytes: new Uint8Array(Buffer.from(m[3]!.replace(/ /g, ''), 'hex')),
    };
  },
);

describe('relay codec', () => {
  it('the doc has a vector for every packet type', () => {
    assert.ok(vectors.length >= 12, `found ${vectors.length} vectors`);
    assert.deepEqual(
      new Set(vectors.map((v) => v.packet.type)),
      new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]),
    );
    for (const name of ['handshake-bundles', 'ack-handshake-bundles'])
      assert.equal(vectors.find((v) => v.name === name)?.packet.flags, FLAG_BUNDLES, name);
  });

  for (const v of vectors) {
    it(`vector ${v.name}: encodes to exactly the documented bytes and decodes back`, () => {
      assert.deepEqual(encode(v.packet), v.bytes);
      const d = decode(v.bytes);
      assert.ok(d.ok, JSON.stringify(d));
      assert.deepEqual(d.packet, v.packet);
    });
  }

  it('rejects, never throws: short, oversized, bad magic, version, type, length, UTF-8', () => {
    const good = vectors.find((v) => v.name === 'join')!.bytes;
    const mutate = (i: number, b: number) => {
      const c = good.slice();
      c[i] = b;
      return c;
    };
    const cases: [Uint8Array, string][] = [
      [good.slice(0, 10), 'short'],
      [new Uint8Array(MAX_PACKET_BYTES + 1), 'oversized'],
      [mutate(0, 0x00), 'magic'],
      [mutate(2, 2), 'version'],
      [mutate(3, 0x0a), 'type'],
      [mutate(13, 0x08), 'length'],
      [good.slice(0, good.length - 1), 'length'],
      [mutate(HEADER_BYTES + 1, 0xff), 'utf8'],
    ];
    for (const [bytes, reason] of cases) {
      const r = decode(bytes);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, reason);
    }
  });

  it('the replay window accepts each sequence number once, within 32', () => {
    const w = new ReplayWindow();
    assert.equal(w.accept(100), true);
    assert.equal(w.accept(100), false);
    assert.equal(w.accept(102), true);
    assert.equal(w.accept(101), true, 'late but within the window');
    assert.equal(w.accept(101), false);
    assert.equal(w.accept(70), false, 'older than the window');
    assert.equal(w.accept(200), true);
    assert.equal(w.accept(169), true);
    assert.equal(w.accept(168), false);
  });

  it('rejects a bundle that does not fill its payload exactly, or says it holds no frame', () => {
    const good = vectors.find((v) => v.name === 'audio-bundle')!.bytes;
    assert.ok(decode(good).ok);
    const withLength = (b: Uint8Array) => {
      const c = b.slice();
      new DataView(c.buffer).setUint16(12, c.length - HEADER_BYTES);
      return c;
    };
    const mutate = (i: number, b: number) => {
      const c = good.slice();
      c[i] = b;
      return c;
    };
    const p = HEADER_BYTES;
    const cases: [string, Uint8Array][] = [
      ['count 0', mutate(p, 0)],
      ['count 3 for 2 frames', mutate(p, 3)],
      ['count 1 for 2 frames', mutate(p, 1)],
      ['frame flags 2', mutate(p + 1 + 12, 2)],
      ['opus length past the end', mutate(p + 1 + 14, 0x30)],
      ['opus length over 1275', withLength(mutate(p + 1 + 13, 0x05))],
      ['cut inside a frame header', withLength(good.subarray(0, p + 1 + 7))],
      ['a byte too many', withLength(new Uint8Array([...good, 0]))],
      ['empty payload', withLength(good.subarray(0, p))],
    ];
    for (const [name, bytes] of cases) {
      const r = decode(bytes);
      assert.equal(r.ok, false, name);
      assert.equal(!r.ok && r.reason, 'length', name);
    }
    assert.throws(() => encode({ type: 9, session: 0, seq: 1, flags: 0, frames: [] }), RangeError);
    const big = { speaker: 1, seq: 1, timestamp: 0, host: false, opus: new Uint8Array(700) };
    assert.throws(
      () => encode({ type: 9, session: 0, seq: 1, flags: 0, frames: [big, big] }),
      RangeError,
      'over 1400 bytes',
    );
  });

  it('200,000 mutated bundles: decode never throws, and whatever it accepts encodes back to the same bytes', () => {
    const good = vectors.find((v) => v.name === 'audio-bundle')!.bytes;
    let seed = 777;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let accepted = 0;
    for (let i = 0; i < 200_000; i++) {
      const b = good.slice();
      const flips = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < flips; k++)
        b[HEADER_BYTES + Math.floor(rnd() * (b.length - HEADER_BYTES))] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.2 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      const r = decode(cut);
      if (!r.ok) continue;
      accepted++;
      assert.deepEqual(encode(r.packet), cut);
    }
    assert.ok(accepted > 1000, `some mutations (speaker, seq, opus bytes) stay valid: ${accepted}`);
  });
});
