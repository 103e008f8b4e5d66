// RelayCore's bundles (docs/relay-protocol.md), with real signed tokens and no sockets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLAG_BUNDLES, PacketType, decode, encode, type Packet } from '../../../protocol/relay.js';
import { DEFAULT_RELAY_LIMITS, RelayCore, type RelayLimits } from './RelayCore.js';
import { signVoiceToken, verifyVoiceToken } from './tokens.js';

const secret = new Uint8Array(32).fill(5);
const ROOM = 'room-b';

async function harness(limits: Partial<RelayLimits> = {}) {
  const clock = { t: 1000 };
  const out: { to: string; p: Packet; at: number }[] = [];
  const core = new RelayCore(
    (token) => verifyVoiceToken(secret, token),
    (to, data) => {
      const r = decode(data);
      assert.ok(r.ok, 'the relay sends only packets that decode');
      out.push({ to, p: r.packet, at: performance.now() });
    },
    { ...DEFAULT_RELAY_LIMITS, ...limits },
    // The relay's clock, moved by hand: who is talking does not depend on how busy the machine is.
    () => clock.t,
  );
  core.setRoom(ROOM, [1, 2, 3, 4], []);
  const seqs = new Map<string, number>();
  const sessions = new Map<string, number>();
  const join = async (userId: number, bundles: boolean) => {
    const addr = `10.0.0.${userId}:4000`;
    const { token } = await signVoiceToken(secret, {
      userId,
      username: `u${userId}`,
      roomId: ROOM,
      host: userId === 1,
    });
    const flags = bundles ? FLAG_BUNDLES : 0;
    core.handle(addr, encode({ type: 1, session: 0, seq: 1, flags, token, channel: ROOM }));
    let ack: Packet | undefined;
    for (let i = 0; i < 200 && !ack; i++) {
      await new Promise((r) => setTimeout(r, 5));
      ack = out.find((o) => o.to === addr && o.p.type === PacketType.Ack)?.p;
    }
    assert.ok(ack?.type === PacketType.Ack, `handshake of ${userId}`);
    sessions.set(addr, ack.session);
    seqs.set(addr, 2);
    core.handle(addr, encode({ type: 3, session: ack.session, seq: 2, flags: 0, channel: ROOM }));
    return { addr, ackFlags: ack.flags };
  };
  const talk = (addr: string, timestamp: number) => {
    const seq = seqs.get(addr)! + 1;
    seqs.set(addr, seq);
    const session = sessions.get(addr)!;
    const opus = new Uint8Array([timestamp & 0xff]);
    core.handle(addr, encode({ type: 2, session, seq, flags: 0, speaker: 0, timestamp, opus }));
  };
  /** What `addr` heard since `from`: [speaker, timestamp] per frame, per datagram. */
  const heard = (addr: string, from = 0) =>
    out
      .slice(from)
      .filter((o) => o.to === addr && (o.p.type === 2 || o.p.type === 9))
      .map((o) =>
        o.p.type === PacketType.Audio
          ? { single: true, frames: [[o.p.speaker, o.p.timestamp]] }
          : {
              single: false,
              frames:
                o.p.type === PacketType.AudioBundle
                  ? o.p.frames.map((f) => [f.speaker, f.timestamp])
                  : [],
            },
      );
  return { core, out, join, talk, heard, clock };
}

describe('relay bundles', () => {
  it('a client that announces bundles gets them (and the Ack says so); one from before bundles keeps single frames', async () => {
    const h = await harness();
    const old = await h.join(1, false);
    const b = await h.join(2, true);
    const c = await h.join(3, true);
    assert.equal(old.ackFlags, 0);
    assert.equal(b.ackFlags, FLAG_BUNDLES);
    // One speaker alone: nobody else is talking, so the bundle leaves at once.
    const mark = h.out.length;
    h.talk(b.addr, 960);
    assert.deepEqual(h.heard(old.addr, mark), [{ single: true, frames: [[2, 960]] }]);
    assert.deepEqual(h.heard(c.addr, mark), [{ single: false, frames: [[2, 960]] }]);
    assert.deepEqual(h.heard(b.addr, mark), [], 'the speaker does not hear itself');
    h.core.close();
  });

  it('with several talking, one datagram per listener carries every speaker’s frame of the window', async () => {
    const h = await harness({ bundleWindowMs: 30 });
    const [a, b, c, d] = [
      await h.join(1, true),
      await h.join(2, true),
      await h.join(3, true),
      await h.join(4, false),
    ];
    // Three speakers start talking (each counts as talking for 60 ms after a frame).
    h.talk(a.addr, 1);
    h.talk(b.addr, 1);
    h.talk(c.addr, 1);
    await new Promise((r) => setTimeout(r, 40)); // the windows end
    const mark = h.out.length;
    h.talk(a.addr, 2);
    h.talk(b.addr, 2);
    h.talk(c.addr, 2);
    // A listens to b and c: both frames, one datagram, sent when the second arrived.
    assert.deepEqual(h.heard(a.addr, mark), [
      {
        single: false,
        frames: [
          [2, 2],
          [3, 2],
        ],
      },
    ]);
    assert.deepEqual(h.heard(b.addr, mark), [
      {
        single: false,
        frames: [
          [1, 2],
          [3, 2],
        ],
      },
    ]);
    assert.deepEqual(h.heard(c.addr, mark), [
      {
        single: false,
        frames: [
          [1, 2],
          [2, 2],
        ],
      },
    ]);
    // The old client got three datagrams.
    assert.equal(h.heard(d.addr, mark).length, 3);
    h.core.close();
  });

  it('a frame waits no longer than the window for the speakers who stay silent', async () => {
    const h = await harness({ bundleWindowMs: 20 });
    const a = await h.join(1, true);
    const b = await h.join(2, true);
    const c = await h.join(3, true);
    h.talk(a.addr, 1);
    h.talk(b.addr, 1);
    await new Promise((r) => setTimeout(r, 30));
    h.clock.t += 20;
    const mark = h.out.length;
    const sentAt = performance.now();
    h.talk(a.addr, 2); // b stays silent this time: c's bundle holds a's frame until the window ends
    assert.deepEqual(h.heard(c.addr, mark), []);
    await new Promise((r) => setTimeout(r, 60)); // registered after the window's timer: runs after it
    assert.deepEqual(h.heard(c.addr, mark), [{ single: false, frames: [[1, 2]] }]);
    const at = h.out.slice(mark).find((o) => o.to === c.addr)!.at;
    assert.ok(at - sentAt >= 19, `held ${(at - sentAt).toFixed(1)} ms, the whole window`);
    h.core.close();
  });

  it('bundles never pass 1400 bytes: a full one leaves and the next frame starts another', async () => {
    const h = await harness({ bundleWindowMs: 20 });
    const a = await h.join(1, true);
    const b = await h.join(2, true);
    const c = await h.join(3, true);
    const d = await h.join(4, true);
    const session = (addr: string) =>
      h.out.find((o) => o.to === addr && o.p.type === PacketType.Ack)!.p.session;
    const big = (addr: string, seq: number) =>
      h.core.handle(
        addr,
        encode({
          type: 2,
          session: session(addr),
          seq,
          flags: 0,
          speaker: 0,
          timestamp: seq,
          opus: new Uint8Array(600),
        }),
      );
    for (const x of [a, b, c]) h.talk(x.addr, 1); // all three are talking now
    await new Promise((r) => setTimeout(r, 30));
    h.clock.t += 20;
    const mark = h.out.length;
    big(a.addr, 10);
    big(b.addr, 10);
    big(c.addr, 10);
    await new Promise((r) => setTimeout(r, 40));
    const toD = h.out.slice(mark).filter((o) => o.to === d.addr);
    assert.equal(toD.length, 2, 'two 600-byte frames fit, the third goes in the next datagram');
    for (const o of toD) assert.equal(o.p.type, PacketType.AudioBundle);
    assert.deepEqual(
      toD.map((o) => (o.p.type === 9 ? o.p.frames.length : 0)),
      [2, 1],
    );
    h.core.close();
  });

  it('window 0: no bundles, and the Ack does not offer them', async () => {
    const h = await harness({ bundleWindowMs: 0 });
    const a = await h.join(1, true);
    const b = await h.join(2, true);
    assert.equal(a.ackFlags, 0);
    const mark = h.out.length;
    h.talk(a.addr, 5);
    assert.deepEqual(h.heard(b.addr, mark), [{ single: true, frames: [[1, 5]] }]);
    h.core.close();
  });

  it('a frame goes at once when no other speaker’s next frame is due within the window', async () => {
    const h = await harness({ bundleWindowMs: 3 });
    const a = await h.join(1, true);
    const b = await h.join(2, true);
    const c = await h.join(3, true);
    h.talk(a.addr, 1); // a at phase 0 ms of the 20 ms frame
    h.clock.t += 10;
    h.talk(b.addr, 1); // b at phase 10 ms
    h.clock.t += 10;
    const mark = h.out.length;
    h.talk(a.addr, 2); // b's next frame is 10 ms away: nothing to wait for
    assert.deepEqual(h.heard(c.addr, mark), [{ single: false, frames: [[1, 2]] }]);
    assert.deepEqual(h.heard(b.addr, mark), [{ single: false, frames: [[1, 2]] }]);
    h.clock.t += 18;
    const mark2 = h.out.length;
    h.talk(b.addr, 2); // a's next frame is due in 2 ms: c waits for it; a (the one due) does not
    assert.deepEqual(h.heard(c.addr, mark2), []);
    assert.deepEqual(h.heard(a.addr, mark2), [{ single: false, frames: [[2, 2]] }]);
    h.clock.t += 2;
    h.talk(a.addr, 3);
    assert.deepEqual(h.heard(c.addr, mark2), [
      {
        single: false,
        frames: [
          [2, 2],
          [1, 3],
        ],
      },
    ]);
    h.core.close();
  });
});
