import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLAG_BUNDLES, PacketType, decode, encode } from '../../protocol/relay.js';
import { RelayOutbox, readRelay } from '../src/platform/relayPackets.js';

const packetOf = (bytes: Uint8Array) => {
  const r = decode(bytes);
  assert.ok(r.ok, 'a valid relay packet');
  return r.packet;
};

describe("the browser relay client's packets", () => {
  it('numbers every packet +1 and carries the session the relay assigned', () => {
    const out = new RelayOutbox('room-1');
    const hs = out.handshake('tok');
    assert.deepEqual(packetOf(hs.bytes), {
      type: PacketType.Handshake,
      session: 0,
      seq: 1,
      flags: FLAG_BUNDLES,
      token: 'tok',
      channel: 'room-1',
    });
    out.session = 77;
    const join = out.join();
    assert.equal(join.seq, 2);
    assert.deepEqual(packetOf(join.bytes), {
      type: PacketType.JoinChannel,
      session: 77,
      seq: 2,
      flags: 0,
      channel: 'room-1',
    });
    const audio = packetOf(out.audio(new Uint8Array([1, 2, 3]), 960));
    assert.equal(audio.seq, 3);
    assert.equal(audio.session, 77);
    assert.ok(audio.type === PacketType.Audio);
    assert.deepEqual([...audio.opus], [1, 2, 3]);
    assert.equal(audio.timestamp, 960);
    assert.equal(packetOf(out.heartbeat(12.5)).seq, 4);
    const mute = packetOf(out.mute(true, 5).bytes);
    assert.ok(mute.type === PacketType.SetMute);
    assert.deepEqual([mute.seq, mute.muted, mute.target], [5, true, 5]);
    assert.equal(packetOf(out.leave().bytes).type, PacketType.LeaveChannel);
  });

  it('forgets the old session on a new handshake, and keeps counting up', () => {
    const out = new RelayOutbox('r');
    out.handshake('a');
    out.session = 9;
    const again = out.handshake('b');
    assert.equal(out.session, 0);
    assert.equal(again.seq, 2);
    assert.equal(packetOf(again.bytes).session, 0);
  });

  it("reads the relay's answers: acks, errors, audio, mutes, heartbeats", () => {
    const h = { session: 4, seq: 10 };
    assert.deepEqual(
      readRelay(encode({ type: 0x08, ...h, flags: 0, ackType: 1, ackSeq: 1, value: 42 })),
      { kind: 'ack', session: 4, ackType: 1, ackSeq: 1, value: 42, bundled: false },
    );
    assert.deepEqual(
      readRelay(encode({ type: 0x08, ...h, flags: 1, ackType: 1, ackSeq: 1, value: 42 })),
      { kind: 'ack', session: 4, ackType: 1, ackSeq: 1, value: 42, bundled: true },
    );
    assert.deepEqual(readRelay(encode({ type: 0x07, ...h, flags: 0, code: 13, message: 'no' })), {
      kind: 'error',
      session: 4,
      seq: 10,
      code: 13,
      message: 'no',
    });
    const opus = new Uint8Array([9, 9]);
    assert.deepEqual(
      readRelay(encode({ type: 0x02, ...h, flags: 1, speaker: 3, timestamp: 480, opus })),
      { kind: 'audio', speaker: 3, timestamp: 480, opus, host: true },
    );
    assert.deepEqual(readRelay(encode({ type: 0x05, ...h, flags: 2, muted: true, target: 3 })), {
      kind: 'mute',
      userId: 3,
      muted: true,
      byHost: true,
    });
    assert.deepEqual(readRelay(encode({ type: 0x06, ...h, flags: 0, sentAt: 1.5 })), {
      kind: 'heartbeat',
      sentAt: 1.5,
    });
  });

  it('ignores what is not a relay packet, without throwing', () => {
    assert.equal(readRelay(new Uint8Array([1, 2, 3])).kind, 'ignored');
    const hs = encode({ type: 0x01, session: 0, seq: 1, flags: 0, token: 't', channel: 'c' });
    assert.equal(readRelay(hs).kind, 'ignored');
  });

  it('announces bundles in the handshake unless told not to, like a client from before bundles', () => {
    assert.equal(packetOf(new RelayOutbox('r').handshake('t').bytes).flags, FLAG_BUNDLES);
    assert.equal(packetOf(new RelayOutbox('r', false).handshake('t').bytes).flags, 0);
  });

  it('reads an AudioBundle as every frame it carries, in order', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array([]);
    const bytes = encode({
      type: PacketType.AudioBundle,
      session: 0,
      seq: 5,
      flags: 0,
      frames: [
        { speaker: 7, seq: 100, timestamp: 960, host: true, opus: a },
        { speaker: 8, seq: 3, timestamp: 1920, host: false, opus: b },
      ],
    });
    assert.deepEqual(readRelay(bytes), {
      kind: 'bundle',
      frames: [
        { speaker: 7, timestamp: 960, opus: a, host: true },
        { speaker: 8, timestamp: 1920, opus: b, host: false },
      ],
    });
  });

  it('50,000 mutated bundles: never throws, reads either whole frames or nothing', () => {
    const good = encode({
      type: PacketType.AudioBundle,
      session: 0,
      seq: 1,
      flags: 0,
      frames: [1, 2, 3].map((k) => ({
        speaker: k,
        seq: k,
        timestamp: k * 960,
        host: false,
        opus: new Uint8Array(20).fill(k),
      })),
    });
    let seed = 99;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const kinds = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const b = good.slice();
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++)
        b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const e = readRelay(rnd() < 0.2 ? b.subarray(0, Math.floor(rnd() * b.length)) : b);
      kinds.add(e.kind);
      if (e.kind === 'bundle')
        for (const f of e.frames) assert.ok(f.opus.length <= 1275 && f.opus.length >= 0);
    }
    assert.ok(kinds.has('bundle') && kinds.has('ignored'), [...kinds].join(', '));
  });
});
