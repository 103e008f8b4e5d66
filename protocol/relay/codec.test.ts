import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  HEADER_BYTES,
  MAX_PACKET_BYTES,
  ReplayWindow,
  decode,
  encode,
  type Packet,
} from './codec.js';

const doc = readFileSync(new URL('../../docs/relay-protocol.md', import.meta.url), 'utf8');
const vectors = [...doc.matchAll(/```vector (\S+)\nfields: (.+)\nhex: ([0-9a-f ]+)\n```/g)].map(
  (m) => {
    const f = JSON.parse(m[2]!) as Record<string, unknown>;
    if (typeof f.opus_hex === 'string') {
      f.opus = new Uint8Array(Buffer.from(f.opus_hex, 'hex'));
      delete f.opus_hex;
    }
    return {
      name: m[1]!,
      packet: f as unknown as Packet,
      bytes: new Uint8Array(Buffer.from(m[3]!.replace(/ /g, ''), 'hex')),
    };
  },
);

describe('relay codec', () => {
  it('the doc has a vector for every packet type', () => {
    assert.ok(vectors.length >= 8, `found ${vectors.length} vectors`);
    assert.deepEqual(new Set(vectors.map((v) => v.packet.type)), new Set([1, 2, 3, 4, 5, 6, 7, 8]));
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
      [mutate(3, 0x09), 'type'],
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
});
