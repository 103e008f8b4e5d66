// The relay spread over several workers, each with its own UDP port, and bundles over real UDP
// sockets on 127.0.0.1: the rooms' members meet on their room's worker, old and new clients
// share a room, and neither the relay nor a client falls over on mangled bundles.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, PacketType, decode, encode, type Packet } from '../../protocol/relay.js';
import { Relay } from '../src/relay/Relay.js';
import { RelayClient, RelayClientError, type AudioFrame } from '../src/relay/RelayClient.js';
import { workerOfRoom } from '../src/relay/shard.js';
import { signVoiceToken } from '../src/relay/tokens.js';

const WORKERS = 3;
const until = async (pred: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return pred();
};

describe('relay workers and bundles', () => {
  let relay: Relay;
  const sockets: Socket[] = [];
  const clients: RelayClient[] = [];
  /** One room per worker: room ids whose hash lands on worker 0, 1 and 2. */
  const rooms: string[] = [];

  const token = async (userId: number, roomId: string) =>
    (await signVoiceToken(relay.secret, { userId, username: `u${userId}`, roomId, host: false }))
      .token;
  const client = async (userId: number, roomId: string, bundles = true, port?: number) => {
    const c = await RelayClient.connect({
      host: '127.0.0.1',
      port: port ?? relay.portOf(roomId),
      channel: roomId,
      getToken: () => token(userId, roomId),
      bundles,
    });
    clients.push(c);
    return c;
  };
  const udp = async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    sockets.push(s);
    return s;
  };

  before(async () => {
    relay = await Relay.create({ host: '127.0.0.1', port: 0, workers: WORKERS });
    for (let i = 0; rooms.length < WORKERS; i++) {
      const id = `room-${i}`;
      if (workerOfRoom(id, WORKERS) === rooms.length) rooms.push(id);
    }
    rooms.forEach((id, k) => relay.setRoom(id, [10 * k + 1, 10 * k + 2, 10 * k + 3], []));
    await new Promise((r) => setTimeout(r, 50));
  });
  after(async () => {
    for (const c of clients) await c.close();
    for (const s of sockets) await new Promise<void>((r) => s.close(() => r()));
    await relay.close();
  });

  it('each worker listens on its own port, and a room’s token names its worker’s port', () => {
    assert.equal(relay.ports.length, WORKERS);
    assert.equal(new Set(relay.ports).size, WORKERS);
    rooms.forEach((id, k) => assert.equal(relay.portOf(id), relay.ports[k]));
    assert.equal(relay.port, relay.ports[0]);
  });

  it('a handshake at another worker’s port is refused (WrongChannel) and its token still works at the right one', async () => {
    const room = rooms[1]!;
    const t = await token(11, room);
    const s = await udp();
    const got: Packet[] = [];
    s.on('message', (m) => {
      const r = decode(m);
      if (r.ok) got.push(r.packet);
    });
    const hs = encode({ type: 1, session: 0, seq: 1, flags: 1, token: t, channel: room });
    s.send(hs, relay.ports[0], '127.0.0.1');
    assert.ok(await until(() => got.length > 0));
    const refusal = got[0]!;
    assert.ok(refusal.type === PacketType.Error, JSON.stringify(refusal));
    assert.equal(refusal.code, ErrorCode.WrongChannel);
    s.send(hs, relay.ports[1], '127.0.0.1');
    assert.ok(await until(() => got.length > 1));
    assert.equal(got[1]!.type, PacketType.Ack, JSON.stringify(got[1]));
    // And a client pointed at the wrong port gets the same clear refusal.
    await assert.rejects(
      client(12, room, true, relay.ports[2]),
      (e: unknown) => e instanceof RelayClientError && e.code === ErrorCode.WrongChannel,
    );
  });

  it('in every worker’s room, frames reach the others: bundled to new clients, one by one to old ones', async () => {
    for (const [k, room] of rooms.entries()) {
      const a = await client(10 * k + 1, room, true);
      const b = await client(10 * k + 2, room, true);
      const old = await client(10 * k + 3, room, false);
      assert.equal(a.bundled, true);
      assert.equal(old.bundled, false);
      const heard = { b: [] as AudioFrame[], old: [] as AudioFrame[] };
      b.on('audio', (f) => heard.b.push(f));
      old.on('audio', (f) => heard.old.push(f));
      const rawOld: number[] = [];
      // What reaches the old client on the wire: only Audio packets, never a bundle.
      const oldSocket = (old as unknown as { socket: Socket }).socket;
      oldSocket.on('message', (m: Buffer) => rawOld.push(m[3]!));
      for (let i = 0; i < 10; i++) {
        a.sendAudio(new Uint8Array([k, i]), i * 960);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(await until(() => heard.b.length === 10 && heard.old.length === 10), room);
      assert.deepEqual(
        heard.b.map((f) => [f.speaker, f.timestamp, ...f.opus]),
        Array.from({ length: 10 }, (_, i) => [10 * k + 1, i * 960, k, i]),
      );
      assert.ok(
        rawOld.every((t) => t === PacketType.Audio),
        rawOld.join(','),
      );
    }
  });

  it('counters add up over the workers', async () => {
    assert.ok(
      await until(() => (relay.counters.forwarded ?? 0) >= WORKERS * 20, 4000),
      JSON.stringify(relay.counters),
    );
    for (const room of rooms) assert.ok((relay.roomCounters(room)?.forwarded ?? 0) >= 20, room);
  });

  it('the WebSocket fallback reaches the worker of its handshake’s room', async () => {
    const room = rooms[2]!;
    const out: Packet[] = [];
    relay.on('wsout', (id, data) => {
      const r = decode(data);
      if (id === 7 && r.ok) out.push(r.packet);
    });
    relay.wsIn(
      7,
      encode({
        type: 1,
        session: 0,
        seq: 1,
        flags: 1,
        token: await token(23, room),
        channel: room,
      }),
    );
    assert.ok(await until(() => out.length > 0));
    const ack = out[0]!;
    assert.ok(ack.type === PacketType.Ack, JSON.stringify(ack));
    relay.wsIn(7, encode({ type: 3, session: ack.session, seq: 2, flags: 0, channel: room }));
    assert.ok(await until(() => out.some((p) => p.type === PacketType.Ack && p.ackType === 3)));
    relay.wsClosed(7);
  });

  it('20,000 mangled bundles and junk at a client and at each worker: nothing falls over, audio still flows', async () => {
    const room = rooms[0]!;
    const [a, b] = clients.filter((c) => c.userId === 1 || c.userId === 2);
    assert.ok(a && b);
    const heard: AudioFrame[] = [];
    b.on('audio', (f) => heard.push(f));
    const good = encode({
      type: PacketType.AudioBundle,
      session: 0,
      seq: 1,
      flags: 0,
      frames: [1, 2].map((k) => ({
        speaker: k,
        seq: k,
        timestamp: k,
        host: false,
        opus: new Uint8Array(30).fill(k),
      })),
    });
    let seed = 4242;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const attacker = await udp();
    for (let i = 0; i < 20_000; i++) {
      const m = good.slice();
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++)
        m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
      const bytes = rnd() < 0.2 ? m.subarray(0, Math.floor(rnd() * m.length)) : m;
      attacker.send(bytes, b.localPort, '127.0.0.1');
      attacker.send(bytes, relay.ports[i % WORKERS], '127.0.0.1');
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 300));
    heard.length = 0;
    a.sendAudio(new Uint8Array([9]), 123_456);
    assert.ok(
      await until(() => heard.some((f) => f.speaker === a.userId && f.timestamp === 123_456)),
      'a fresh frame still goes through',
    );
    assert.equal(relay.dead, false);
    assert.ok((relay.roomCounters(room)?.sessions ?? 0) >= 2);
  });
});
