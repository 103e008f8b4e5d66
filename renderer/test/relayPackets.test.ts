import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PacketType, decode, encode } from '../../protocol/relay.js';
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
      flags: 0,
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
      { kind: 'ack', session: 4, ackType: 1, ackSeq: 1, value: 42 },
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
});
