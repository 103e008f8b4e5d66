// Benchmarks of the voice relay (issue D).
import { createSocket, type Socket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { PacketType, decode, encode } from '../../protocol/relay.js';
import { Relay, signVoiceToken } from '../../hub-core/src/index.js';
import { percentile, sleep, sortNum, type Results } from './lib.js';

const now = () => performance.timeOrigin + performance.now();

async function udp(): Promise<Socket> {
  const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

/** A session on a standalone relay, by hand: handshake with a token signed by its secret, then join. */
async function session(relay: Relay, s: Socket, userId: number, roomId: string): Promise<number> {
  const { token } = await signVoiceToken(relay.secret, {
    userId,
    username: `u${userId}`,
    roomId,
    host: false,
  });
  const answer = (type: number) =>
    new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`relay did not answer ${type}`)), 3000);
      const on = (m: Buffer) => {
        const r = decode(m);
        if (r.ok && r.packet.type === PacketType.Ack && r.packet.ackType === type) {
          clearTimeout(t);
          s.off('message', on);
          resolve(r.packet.session);
        }
      };
      s.on('message', on);
    });
  const hs = answer(PacketType.Handshake);
  s.send(
    encode({ type: PacketType.Handshake, session: 0, seq: 1, flags: 0, token, channel: roomId }),
    relay.port,
    '127.0.0.1',
  );
  const id = await hs;
  const joined = answer(PacketType.JoinChannel);
  s.send(
    encode({ type: PacketType.JoinChannel, session: id, seq: 2, flags: 0, channel: roomId }),
    relay.port,
    '127.0.0.1',
  );
  await joined;
  return id;
}

// A plain forwarder in a worker thread, as cheap as Node can forward: no parsing, one lookup.
const RAW_FORWARDER = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
const routes = new Map(workerData.routes);
s.on('message', (m, r) => { const to = routes.get(r.port); if (to) s.send(m, to, '127.0.0.1'); });
s.bind(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));
parentPort.on('message', () => s.close(() => process.exit(0)));
`;

/** Sends as fast as the senders can for `ms`, counting what arrives at the receivers. */
async function blast(
  senders: { s: Socket; frame: (seq: number) => Uint8Array }[],
  receivers: Socket[],
  port: number,
  ms: number,
): Promise<number> {
  let got = 0;
  for (const r of receivers) r.on('message', () => got++);
  const end = performance.now() + ms;
  let seq = 10;
  while (performance.now() < end) {
    for (let k = 0; k < 50; k++, seq++)
      for (const x of senders) x.s.send(x.frame(seq), port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  await sleep(300);
  for (const r of receivers) r.removeAllListeners('message');
  return got / (ms / 1000);
}

/** Forwarding throughput of the relay against a raw dgram forwarder, 8 pairs, same run. */
export async function relayThroughput(results: Results): Promise<void> {
  const pairs = 8;
  const ms = 3000;
  const opus = new Uint8Array(80);
  // Raw forwarder.
  const rawSenders = await Promise.all(Array.from({ length: pairs }, udp));
  const rawReceivers = await Promise.all(Array.from({ length: pairs }, udp));
  const routes = rawSenders.map((s, i) => [s.address().port, rawReceivers[i]!.address().port]);
  const w = new Worker(RAW_FORWARDER, { eval: true, workerData: { routes } });
  const rawPort = await new Promise<number>((r) => w.once('message', r));
  const frame = encode({
    type: PacketType.Audio,
    session: 1,
    seq: 1,
    flags: 0,
    speaker: 0,
    timestamp: 0,
    opus,
  });
  const raw = await blast(
    rawSenders.map((s) => ({ s, frame: () => frame })),
    rawReceivers,
    rawPort,
    ms,
  );
  w.postMessage('close');
  await new Promise((r) => w.once('exit', r));

  // The relay, with its per-session rate limit lifted: this measures the forwarding engine.
  const relay = await Relay.create({
    host: '127.0.0.1',
    port: 0,
    limits: { packetsPerSecond: 1e9, burst: 1e9 },
  });
  try {
    const senders = await Promise.all(Array.from({ length: pairs }, udp));
    const receivers = await Promise.all(Array.from({ length: pairs }, udp));
    const ids: number[] = [];
    for (let i = 0; i < pairs; i++) {
      relay.setRoom(`room${i}`, [2 * i + 1, 2 * i + 2], []);
    }
    await sleep(50);
    for (let i = 0; i < pairs; i++) {
      ids.push(await session(relay, senders[i]!, 2 * i + 1, `room${i}`));
      await session(relay, receivers[i]!, 2 * i + 2, `room${i}`);
    }
    const relayed = await blast(
      senders.map((s, i) => ({
        s,
        frame: (seq: number) =>
          encode({
            type: PacketType.Audio,
            session: ids[i]!,
            seq,
            flags: 0,
            speaker: 0,
            timestamp: 0,
            opus,
          }),
      })),
      receivers,
      relay.port,
      ms,
    );
    for (const s of [...senders, ...receivers, ...rawSenders, ...rawReceivers]) s.close();
    console.log(
      `  ${pairs} pairs, ${ms / 1000} s: raw dgram forwarder ${raw.toFixed(0)} packets/s, relay ${relayed.toFixed(0)} packets/s`,
    );
    results.add({
      name: 'relay-throughput.raw_forwarder',
      value: raw,
      unit: 'pkt/s',
      goal: 'reference',
    });
    results.add({
      name: 'relay-throughput.relay',
      value: relayed,
      unit: 'pkt/s',
      goal: '>= 0.8 x raw',
    });
    results.add({
      name: 'relay-throughput.ratio',
      value: relayed / raw,
      unit: 'x',
      goal: '>= 0.8',
    });
  } finally {
    await relay.close();
  }
}

/** 1,000 talkers in channels of 8 at 50 packets/s each: delivery and one-way delay through the relay. */
export async function relayTalkers(results: Results): Promise<void> {
  const talkers = 1000;
  const perRoom = 8;
  const seconds = 5;
  const relay = await Relay.create({ host: '127.0.0.1', port: 0 });
  const socks: Socket[] = [];
  try {
    for (let r = 0; r < talkers / perRoom; r++) {
      relay.setRoom(
        `room${r}`,
        Array.from({ length: perRoom }, (_, k) => r * perRoom + k + 1),
        [],
      );
    }
    await sleep(100);
    const ids: number[] = [];
    for (let i = 0; i < talkers; i++) {
      const s = await udp();
      socks.push(s);
      ids.push(await session(relay, s, i + 1, `room${Math.floor(i / perRoom)}`));
    }
    const delays: number[] = [];
    let received = 0;
    for (const s of socks) {
      s.on('message', (m) => {
        received++;
        // Audio payload: speaker(4) timestamp(4) then our 8-byte send time.
        if (m.length >= 32 && m[3] === PacketType.Audio) delays.push(now() - m.readDoubleBE(24));
      });
    }
    const opus = new Uint8Array(60);
    const view = new DataView(opus.buffer);
    let sent = 0;
    const start = performance.now();
    for (let n = 0; performance.now() - start < seconds * 1000; n++) {
      for (let i = 0; i < talkers; i++) {
        view.setFloat64(0, now());
        socks[i]!.send(
          encode({
            type: PacketType.Audio,
            session: ids[i]!,
            seq: 10 + n,
            flags: 0,
            speaker: 0,
            timestamp: n * 960,
            opus,
          }),
          relay.port,
          '127.0.0.1',
        );
        sent++;
      }
      const due = start + (n + 1) * 20;
      await sleep(Math.max(0, due - performance.now()));
    }
    await sleep(500);
    const expected = sent * (perRoom - 1);
    const sorted = sortNum(delays);
    const achieved = sent / seconds;
    console.log(
      `  ${talkers} talkers (${talkers / perRoom} rooms of ${perRoom}), ${seconds} s: sent ${achieved.toFixed(0)} pkt/s (target ${talkers * 50}); ` +
        `delivered ${received} of ${expected} (${((received / expected) * 100).toFixed(1)} %); one-way p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`,
    );
    results.add({
      name: 'relay-1000-talkers.p99_added_latency',
      value: percentile(sorted, 99),
      unit: 'ms',
      goal: '<= 20',
    });
    results.add({
      name: 'relay-1000-talkers.p50_added_latency',
      value: percentile(sorted, 50),
      unit: 'ms',
      goal: '<= 5',
    });
    results.add({
      name: 'relay-1000-talkers.delivered',
      value: (received / expected) * 100,
      unit: '%',
      goal: '>= 99',
    });
    results.add({
      name: 'relay-1000-talkers.sent_rate',
      value: achieved,
      unit: 'pkt/s',
      goal: `${talkers * 50}`,
    });
  } finally {
    for (const s of socks) s.close();
    await relay.close();
  }
}
