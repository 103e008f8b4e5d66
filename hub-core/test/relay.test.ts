// The voice relay over real UDP sockets on 127.0.0.1, with tokens from the real HTTPS API.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, PacketType, decode, encode, type Packet } from '../../protocol/relay.js';
import { RelayClient, type AudioFrame } from '../src/relay/RelayClient.js';
import { signVoiceToken } from '../src/relay/tokens.js';
import WebSocket from 'ws';
import { startJamHub, type JamHub } from '../../testkit/fixtures.js';

/** A bare UDP peer that speaks the codec by hand, for the cases a well-behaved client never makes. */
class RawPeer {
  readonly got: Packet[] = [];
  private constructor(readonly socket: Socket) {}
  static async open(): Promise<RawPeer> {
    const s = createSocket('udp4');
    const p = new RawPeer(s);
    s.on('message', (m) => {
      const r = decode(m);
      if (r.ok) p.got.push(r.packet);
    });
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return p;
  }
  sendRaw(port: number, data: Uint8Array): void {
    this.socket.send(data, port, '127.0.0.1');
  }
  async next(pred: (p: Packet) => boolean, ms = 3000): Promise<Packet | undefined> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const hit = this.got.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }
  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

const opus = (n: number) => new Uint8Array(60).fill(n & 0xff);

describe('voice relay', () => {
  let t: JamHub;
  let url: string;
  let ca: string;
  let relayPort: number;
  let roomId: string;
  let tokens: Record<string, string>;
  let ids: Record<string, number>;
  const clients: RelayClient[] = [];
  const peers: RawPeer[] = [];
  const api = (...a: Parameters<JamHub['api']>) => t.api(...a);

  const voiceToken = async (user: string) => {
    const r = await api(user, 'POST', `/rooms/${roomId}/voice-token`);
    assert.equal(r.status, 200, r.text);
    return (r.body as { token: string }).token;
  };
  const client = async (user: string, heartbeatMs = 1000) => {
    const c = await RelayClient.connect({
      host: '127.0.0.1',
      port: relayPort,
      channel: roomId,
      getToken: () => voiceToken(user),
      heartbeatMs,
    });
    clients.push(c);
    return c;
  };
  const peer = async () => {
    const p = await RawPeer.open();
    peers.push(p);
    return p;
  };
  const handshakeWith = async (token: string) => {
    const p = await peer();
    p.sendRaw(
      relayPort,
      encode({ type: PacketType.Handshake, session: 0, seq: 1, flags: 0, token, channel: roomId }),
    );
    return p.next((x) => x.type === PacketType.Ack || x.type === PacketType.Error);
  };
  /** A raw peer's handshake as `user`; resolves with the relay's Ack. */
  const rawHandshake = async (p: RawPeer, user: string) => {
    p.sendRaw(
      relayPort,
      encode({
        type: PacketType.Handshake,
        session: 0,
        seq: 1,
        flags: 0,
        token: await voiceToken(user),
        channel: roomId,
      }),
    );
    const ack = await p.next((x) => x.type === PacketType.Ack);
    assert.ok(ack && ack.type === PacketType.Ack, JSON.stringify(p.got));
    return ack;
  };
  const rawJoin = (p: RawPeer, session: number) =>
    p.sendRaw(
      relayPort,
      encode({ type: PacketType.JoinChannel, session, seq: 2, flags: 0, channel: roomId }),
    );
  const counters = async () => {
    await new Promise((r) => setTimeout(r, 1200)); // the worker publishes them every second
    return t.hub.relay.counters;
  };
  /** Counters once `pred` holds (they are published every second), or the last seen after 5 s. */
  const countersWhen = async (pred: (c: Record<string, number>) => boolean) => {
    const end = Date.now() + 5000;
    while (Date.now() < end && !pred(t.hub.relay.counters))
      await new Promise((r) => setTimeout(r, 100));
    return t.hub.relay.counters;
  };

  before(async () => {
    t = await startJamHub(['ana', 'ben', 'cal', 'dee'], {
      relayLimits: { sessionTimeoutMs: 2000, handshakeTimeoutMs: 1500 },
    });
    ({ url, ca, tokens, ids } = t);
    relayPort = t.hub.relay.port;
    const room = await api('ana', 'POST', '/rooms', {
      name: 'voice',
      patch_mode: 5,
      max_participants: 4,
    });
    roomId = (room.body as { id: string }).id;
    for (const u of ['ana', 'ben', 'dee'])
      assert.equal((await api(u, 'POST', `/rooms/${roomId}/join`, {})).status, 200);
  });
  after(async () => {
    for (const c of clients) await c.close();
    for (const p of peers) await p.close();
    await t.close();
  });

  it('only members get voice tokens; the handshake refuses bad signatures, expired tokens, non-members', async () => {
    assert.equal((await api('cal', 'POST', `/rooms/${roomId}/voice-token`)).status, 403);
    const forged = await signVoiceToken(new Uint8Array(32).fill(7), {
      userId: ids.ana!,
      username: 'ana',
      roomId,
      host: true,
    });
    const expired = await signVoiceToken(
      t.hub.relay.secret,
      { userId: ids.ana!, username: 'ana', roomId, host: true },
      -5,
    );
    const outsider = await signVoiceToken(t.hub.relay.secret, {
      userId: ids.cal!,
      username: 'cal',
      roomId,
      host: false,
    });
    for (const [token, code] of [
      [forged.token, ErrorCode.BadToken],
      [expired.token, ErrorCode.TokenExpired],
      [outsider.token, ErrorCode.NotMember],
      ['not.a.jwt', ErrorCode.BadToken],
    ] as const) {
      const answer = await handshakeWith(token);
      assert.ok(
        answer && answer.type === PacketType.Error,
        `expected an error for code ${code}: ${JSON.stringify(answer)}`,
      );
      assert.equal(answer.code, code);
    }
  });

  let ana: RelayClient;
  let ben: RelayClient;

  it('forwards audio to the other members, named by the relay; mute stops it, the host can server-mute', async () => {
    ana = await client('ana');
    ben = await client('ben');
    assert.equal(ben.userId, ids.ben);
    const heardByBen: AudioFrame[] = [];
    const heardByAna: AudioFrame[] = [];
    ben.on('audio', (f) => heardByBen.push(f));
    ana.on('audio', (f) => heardByAna.push(f));
    for (let i = 0; i < 20; i++) ana.sendAudio(opus(i), i * 960);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(heardByBen.length, 20);
    assert.equal(heardByAna.length, 0, 'the sender does not hear itself');
    assert.equal(heardByBen[0]!.speaker, ids.ana);
    assert.equal(heardByBen[0]!.host, true);
    assert.deepEqual(heardByBen[5]!.opus, opus(5));

    await ben.mute(true);
    ben.sendAudio(opus(1), 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(heardByAna.length, 0, 'muted audio is dropped');
    await ben.mute(false);
    ben.sendAudio(opus(2), 960);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(heardByAna.length, 1);

    const notes: { userId: number; muted: boolean; byHost: boolean }[] = [];
    ben.on('mute', (m) => notes.push(m));
    await assert.rejects(ben.mute(true, ids.ana), /host/, 'only the host mutes others');
    await ana.mute(true, ids.ben);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(notes.at(-1), { userId: ids.ben, muted: true, byHost: true });
    await assert.rejects(ben.mute(false), /host muted you/);
    ben.sendAudio(opus(3), 1920);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(heardByAna.length, 1, 'server-muted audio is dropped');
    await ana.mute(false, ids.ben);
  });

  it('drops packets carrying a valid session id from another address', async () => {
    const before = await counters();
    const heard: AudioFrame[] = [];
    ana.on('audio', (f) => heard.push(f));
    // Ben's session id from another address and port.
    const mallory = await peer();
    mallory.sendRaw(
      relayPort,
      encode({
        type: PacketType.Audio,
        session: ben.sessionId,
        seq: 1_000_000,
        flags: 0,
        speaker: 0,
        timestamp: 0,
        opus: opus(9),
      }),
    );
    // Ana's session id from yet another socket.
    const frame = encode({
      type: PacketType.Audio,
      session: ana.sessionId,
      seq: 5,
      flags: 0,
      speaker: 0,
      timestamp: 0,
      opus: opus(1),
    });
    const raw = createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => raw.send(frame, relayPort, '127.0.0.1', () => r()));
    await new Promise<void>((r) => raw.close(() => r()));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(heard.length, 0);
    const after = await countersWhen((c) => c.dropped_spoofed! >= before.dropped_spoofed! + 2);
    assert.ok(after.dropped_spoofed! >= before.dropped_spoofed! + 2, JSON.stringify(after));
  });

  it('drops replays and duplicates of a session’s own sequence numbers', async () => {
    const p = await peer();
    const ack = await rawHandshake(p, 'dee');
    rawJoin(p, ack.session);
    await p.next((x) => x.type === PacketType.Ack && x.ackType === PacketType.JoinChannel);
    const heard: AudioFrame[] = [];
    ana.on('audio', (f) => f.speaker === ids.dee && heard.push(f));
    const before = await counters();
    const pkt = encode({
      type: PacketType.Audio,
      session: ack.session,
      seq: 10,
      flags: 0,
      speaker: 0,
      timestamp: 0,
      opus: opus(4),
    });
    p.sendRaw(relayPort, pkt);
    p.sendRaw(relayPort, pkt);
    p.sendRaw(
      relayPort,
      encode({
        type: PacketType.Audio,
        session: ack.session,
        seq: 9,
        flags: 0,
        speaker: 0,
        timestamp: 0,
        opus: opus(4),
      }),
    );
    p.sendRaw(relayPort, pkt);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      heard.map((f) => f.seq),
      [10, 9],
    );
    const after = await counters();
    assert.equal(after.dropped_replayed! - before.dropped_replayed!, 2);
  });

  it('drops a session that never joins, or goes silent, and the client handshakes again by itself', async () => {
    const p = await peer();
    const ack = await rawHandshake(p, 'dee');
    await new Promise((r) => setTimeout(r, 2600)); // handshake timeout 1.5 s, swept every second
    rawJoin(p, ack.session);
    const err = await p.next((x) => x.type === PacketType.Error);
    assert.equal(err?.type === PacketType.Error && err.code, ErrorCode.UnknownSession);

    // A client whose heartbeats stop (interval 60 s) loses its session after 2 s...
    const quiet = await client('dee', 60_000);
    const first = quiet.sessionId;
    const again = new Promise<string>((r) => quiet.once('rehandshake', r));
    const ready = new Promise<void>((r) => quiet.on('ready', () => r()));
    await new Promise((r) => setTimeout(r, 3200));
    quiet.sendAudio(opus(1), 0); // ...learns it from the relay's error, and handshakes again.
    assert.match(await again, /forgot/);
    await ready;
    assert.notEqual(quiet.sessionId, first);
    const heard: AudioFrame[] = [];
    ana.on('audio', (f) => f.speaker === ids.dee && heard.push(f));
    quiet.sendAudio(opus(2), 960);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(heard.length, 1);
  });

  it("a banned member's session is dropped and cannot come back", async () => {
    const dee = clients.at(-1)!;
    const errors: number[] = [];
    dee.on('relayerror', (e) => errors.push(e.code));
    assert.equal(
      (await api('ana', 'POST', `/rooms/${roomId}/ban`, { user_id: ids.dee })).status,
      200,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(errors.includes(ErrorCode.Banned), JSON.stringify(errors));
    const banned = await signVoiceToken(t.hub.relay.secret, {
      userId: ids.dee!,
      username: 'dee',
      roomId,
      host: false,
    });
    const answer = await handshakeWith(banned.token);
    assert.equal(answer?.type === PacketType.Error && answer.code, ErrorCode.Banned);
  });

  it('the WebSocket fallback carries the same packets for a client whose UDP is blocked', async () => {
    const ws = new WebSocket(`${url.replace('https:', 'wss:')}/ws/voice?token=${tokens.ben}`, {
      ca,
    });
    const got: Packet[] = [];
    ws.on('message', (d: Buffer) => {
      const r = decode(new Uint8Array(d));
      if (r.ok) got.push(r.packet);
    });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const next = async (pred: (p: Packet) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const hit = got.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 20));
      }
      return undefined;
    };
    ws.send(
      encode({
        type: PacketType.Handshake,
        session: 0,
        seq: 1,
        flags: 0,
        token: await voiceToken('ben'),
        channel: roomId,
      }),
    );
    const ack = await next((p) => p.type === PacketType.Ack);
    assert.ok(ack, JSON.stringify(got));
    ws.send(
      encode({
        type: PacketType.JoinChannel,
        session: ack.session,
        seq: 2,
        flags: 0,
        channel: roomId,
      }),
    );
    assert.ok(await next((p) => p.type === PacketType.Ack && p.ackType === PacketType.JoinChannel));
    const heard: AudioFrame[] = [];
    ana.on('audio', (f) => f.timestamp === 4242 && heard.push(f));
    ws.send(
      encode({
        type: PacketType.Audio,
        session: ack.session,
        seq: 3,
        flags: 0,
        speaker: 0,
        timestamp: 4242,
        opus: opus(7),
      }),
    );
    ana.sendAudio(opus(8), 4343);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(heard.length, 1, 'UDP listener hears the WebSocket talker');
    assert.ok(
      got.some((p) => p.type === PacketType.Audio && p.timestamp === 4343),
      'WebSocket listener hears the UDP talker',
    );
    ws.close();
  });

  it('100,000 random and mutated datagrams: the relay survives and the pair keeps ≥ 99.9 % of its frames', async () => {
    const frames = 500; // each way, 50 per second for 10 s
    const got = { ana: new Set<number>(), ben: new Set<number>() };
    ana.on('audio', (f) => f.speaker === ids.ben && got.ana.add(f.timestamp));
    ben.on('audio', (f) => f.speaker === ids.ana && got.ben.add(f.timestamp));
    const attackers = await Promise.all([peer(), peer(), peer(), peer()]);
    const templates = [
      encode({
        type: PacketType.Audio,
        session: ana.sessionId,
        seq: 1,
        flags: 0,
        speaker: 0,
        timestamp: 0,
        opus: opus(1),
      }),
      encode({
        type: PacketType.Audio,
        session: ben.sessionId,
        seq: 1,
        flags: 0,
        speaker: 0,
        timestamp: 0,
        opus: opus(2),
      }),
      encode({
        type: PacketType.Handshake,
        session: 0,
        seq: 1,
        flags: 0,
        token: 'x'.repeat(200),
        channel: roomId,
      }),
      encode({
        type: PacketType.SetMute,
        session: ben.sessionId,
        seq: 2,
        flags: 0,
        muted: true,
        target: ids.ana!,
      }),
      encode({
        type: PacketType.JoinChannel,
        session: ana.sessionId,
        seq: 3,
        flags: 0,
        channel: 'other',
      }),
      // A bundle is the relay's to send: one from a client is dropped, whole or mangled.
      encode({
        type: PacketType.AudioBundle,
        session: ana.sessionId,
        seq: 4,
        flags: 0,
        frames: [1, 2].map((k) => ({
          speaker: k,
          seq: k,
          timestamp: k,
          host: true,
          opus: opus(k),
        })),
      }),
      encode({
        type: PacketType.Handshake,
        session: 0,
        seq: 1,
        flags: 0xffff,
        token: 'y'.repeat(100),
        channel: roomId,
      }),
    ];
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const fuzzPacket = (): Uint8Array => {
      const kind = rnd();
      if (kind < 0.3) {
        const b = new Uint8Array(Math.floor(rnd() * 1600));
        for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
        return b;
      }
      const b = templates[Math.floor(rnd() * templates.length)]!.slice();
      const flips = 1 + Math.floor(rnd() * 4);
      for (let i = 0; i < flips; i++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      if (kind > 0.9) return b.subarray(0, Math.floor(rnd() * b.length));
      return b;
    };
    const total = 100_000;
    let sent = 0;
    const fuzzing = (async () => {
      const perTick = Math.ceil(total / (frames / 50) / 50); // spread over the talk, every 20 ms
      while (sent < total) {
        for (let i = 0; i < perTick && sent < total; i++, sent++)
          attackers[sent % attackers.length]!.sendRaw(relayPort, fuzzPacket());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const start = performance.now();
    for (let i = 0; i < frames; i++) {
      ana.sendAudio(opus(i), i);
      ben.sendAudio(opus(i), i);
      const due = start + (i + 1) * 20;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    await fuzzing;
    await new Promise((r) => setTimeout(r, 500));
    const kept = (got.ana.size + got.ben.size) / (2 * frames);
    const c = await counters();
    console.log(
      `fuzz: ${sent} datagrams; legit frames kept ${(kept * 100).toFixed(2)} %; relay counters ${JSON.stringify(c)}`,
    );
    assert.equal(sent, total);
    assert.ok(kept >= 0.999, `kept ${(kept * 100).toFixed(2)} % of the pair's frames`);
    const dropped =
      c.dropped_malformed! +
      c.dropped_oversized! +
      c.dropped_spoofed! +
      c.dropped_unauthenticated! +
      c.dropped_rate_limited!;
    assert.ok(dropped >= total * 0.9, `dropped ${dropped} of ${total}`);
    assert.equal((await api('ana', 'GET', '/health')).status, 200);
    // The host sees the room's own figures; nobody else does.
    const stats = (await api('ana', 'GET', `/rooms/${roomId}/voice-stats`)).body as Record<
      string,
      number
    >;
    assert.ok(stats.forwarded! >= 2 * frames, JSON.stringify(stats));
    assert.ok(stats.sessions! >= 2);
    assert.equal((await api('ben', 'GET', `/rooms/${roomId}/voice-stats`)).status, 403);
    // The relay still serves: a fresh frame goes through.
    const n = got.ben.size;
    ana.sendAudio(opus(1), 999_999);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.ben.size, n + 1);
  });
  it('a voice token opens one session, once: a copy from elsewhere is refused, a repeat from its own address is answered again', async () => {
    // Cal has no voice session yet, so the per-user limit (2) can't be what refuses the copy.
    assert.equal((await api('cal', 'POST', `/rooms/${roomId}/join`, {})).status, 200);
    const token = await voiceToken('cal');
    const hs = encode({
      type: PacketType.Handshake,
      session: 0,
      seq: 1,
      flags: 0,
      token,
      channel: roomId,
    });
    const owner = await peer();
    owner.sendRaw(relayPort, hs);
    const ack = await owner.next((x) => x.type === PacketType.Ack);
    assert.ok(ack?.type === PacketType.Ack, JSON.stringify(owner.got));
    // A copy of the token from another address, within its 60 s.
    const thief = await peer();
    thief.sendRaw(relayPort, hs);
    const refused = await thief.next(
      (x) => x.type === PacketType.Ack || x.type === PacketType.Error,
    );
    assert.equal(refused?.type === PacketType.Error && refused.code, ErrorCode.TokenUsed);
    assert.match(refused?.type === PacketType.Error ? refused.message : '', /already used/);
    // The same datagram again from its owner (duplicated on the way, or retried): the same session.
    owner.got.length = 0;
    owner.sendRaw(relayPort, hs);
    const again = await owner.next((x) => x.type === PacketType.Ack || x.type === PacketType.Error);
    assert.ok(again?.type === PacketType.Ack, JSON.stringify(again));
    assert.equal(again.session, ack.session);
  });

  it("the host's mute outlives the muted player's session: a new handshake is still muted, and told so", async () => {
    const heard: AudioFrame[] = [];
    ana.on('audio', (f) => f.speaker === ids.ben && heard.push(f));
    await ana.mute(true, ids.ben);
    await ben.close();
    const told: { userId: number; muted: boolean; byHost: boolean }[] = [];
    const again = await RelayClient.connect({
      host: '127.0.0.1',
      port: relayPort,
      channel: roomId,
      getToken: () => voiceToken('ben'),
    });
    clients.push(again);
    again.on('mute', (m) => told.push(m));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(told, [{ userId: ids.ben, muted: true, byHost: true }]);
    await assert.rejects(again.mute(false), /host muted you/);
    again.sendAudio(opus(5), 123_456);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(heard.length, 0, 'a muted player is silent after re-handshaking');
    await ana.mute(false, ids.ben);
    again.sendAudio(opus(6), 123_457);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(heard.length, 1, 'and heard again once the host lifts the mute');
  });
});
