// A load generator for the relay benchmarks, run as its own process (child_process.fork), so
// that generating the load is not what limits the relay's figures. It talks for a set of
// talkers at 50 packets/s each, on phases spread over the 20 ms frame, and listens on the same
// sockets: every frame carries its send time (same machine, same clock), so each receiver
// measures one-way delay. Speaks to its parent over IPC only (messages below).
import { createSocket, type Socket } from 'node:dgram';
import { FLAG_BUNDLES, PacketType, decode, encode } from '../../protocol/relay.js';

export interface LoadTalker {
  userId: number;
  roomId: string;
  /** Where this talker sends: the relay worker of its room, or the raw forwarder. */
  port: number;
  /** A voice token; none for the raw forwarder (no handshake). */
  token?: string;
}

export type ToLoad =
  | { t: 'setup'; talkers: LoadTalker[]; bundles: boolean }
  | { t: 'run'; warmupMs: number; ms: number }
  | { t: 'exit' };

export type FromLoad =
  | { t: 'ready'; ports: number[] }
  | { t: 'failed'; message: string }
  | {
      t: 'done';
      /** Frames sent inside the measured window. */
      sent: number;
      /** Frames received (alone or in bundles) that were sent inside the window. */
      received: number;
      /** Datagrams received inside the window. */
      datagrams: number;
      /** One-way delays, in buckets of BUCKET_MS; the last bucket holds everything beyond. */
      hist: number[];
    };

export const BUCKET_MS = 0.02;
export const BUCKETS = 5000; // 100 ms
const FRAME_MS = 20;
const OPUS_BYTES = 60;

const send = (m: FromLoad) => process.send?.(m);
const now = () => performance.timeOrigin + performance.now();

interface Live {
  s: Socket;
  t: LoadTalker;
  session: number;
  seq: number;
}
let live: Live[] = [];
let window = { from: Infinity, to: -Infinity };
let stats = { received: 0, datagrams: 0, hist: new Array<number>(BUCKETS).fill(0) };

function record(sentAt: number, at: number): void {
  if (sentAt < window.from || sentAt > window.to) return;
  stats.received++;
  const b = Math.min(BUCKETS - 1, Math.max(0, Math.floor((at - sentAt) / BUCKET_MS)));
  stats.hist[b]!++;
}

/** Reads the send times out of a datagram: raw-forwarded or relayed Audio, or an AudioBundle. */
function onDatagram(m: Buffer): void {
  const at = now();
  if (at >= window.from && at <= window.to + 1000) stats.datagrams++;
  if (m.length < 16) return;
  if (m[3] === PacketType.Audio && m.length >= 32) return record(m.readDoubleBE(24), at);
  if (m[3] !== PacketType.AudioBundle) return;
  let off = 17;
  for (let i = 0; i < m[16]! && off + 15 <= m.length; i++) {
    const len = m.readUInt16BE(off + 13);
    if (len >= 8) record(m.readDoubleBE(off + 15), at);
    off += 15 + len;
  }
}

async function open(t: LoadTalker, bundles: boolean): Promise<Live> {
  const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  // Connected: no address lookup per datagram, and only the relay (or forwarder) is heard.
  await new Promise<void>((r) => s.connect(t.port, '127.0.0.1', r));
  const l: Live = { s, t, session: 0, seq: 1 };
  if (t.token !== undefined) {
    const answer = (type: number) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to packet type ${type}`)), 5000);
        const on = (m: Buffer) => {
          const r = decode(m);
          if (r.ok && r.packet.type === PacketType.Error) {
            clearTimeout(timer);
            s.off('message', on);
            reject(new Error(`relay refused: ${r.packet.message}`));
          } else if (r.ok && r.packet.type === PacketType.Ack && r.packet.ackType === type) {
            clearTimeout(timer);
            s.off('message', on);
            resolve(r.packet.session);
          }
        };
        s.on('message', on);
      });
    const hs = answer(PacketType.Handshake);
    const flags = bundles ? FLAG_BUNDLES : 0;
    const channel = t.roomId;
    s.send(encode({ type: 1, session: 0, seq: l.seq++, flags, token: t.token, channel }));
    l.session = await hs;
    const joined = answer(PacketType.JoinChannel);
    s.send(encode({ type: 3, session: l.session, seq: l.seq++, flags: 0, channel }));
    await joined;
  }
  s.on('message', onDatagram);
  return l;
}

async function setup(talkers: LoadTalker[], bundles: boolean): Promise<void> {
  await close();
  const out: Live[] = [];
  for (let i = 0; i < talkers.length; i += 32)
    out.push(...(await Promise.all(talkers.slice(i, i + 32).map((t) => open(t, bundles)))));
  live = out;
  send({ t: 'ready', ports: live.map((l) => l.s.address().port) });
}

/**
 * 50 frames/s per talker, each on its own phase of the 20 ms frame (1 ms steps, drawn from a
 * seeded generator: players of a room are not in step with one another).
 */
async function run(warmupMs: number, ms: number): Promise<void> {
  stats = { received: 0, datagrams: 0, hist: new Array<number>(BUCKETS).fill(0) };
  const slots: Live[][] = Array.from({ length: FRAME_MS }, () => []);
  let seed = 20_240_601;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  for (const l of live) slots[Math.floor(rnd() * FRAME_MS)]!.push(l);
  const opus = new Uint8Array(OPUS_BYTES);
  const view = new DataView(opus.buffer);
  const start = now();
  window = { from: start + warmupMs, to: start + warmupMs + ms };
  let sent = 0;
  let next = 0; // the next 1 ms slot to send, counted from start
  while (now() < window.to) {
    const due = Math.floor(now() - start);
    for (; next <= due; next++) {
      const at = now();
      view.setFloat64(0, at);
      const inWindow = at >= window.from && at <= window.to;
      for (const l of slots[next % FRAME_MS]!) {
        const timestamp = Math.floor(next / FRAME_MS) * 960;
        l.s.send(
          encode({
            type: 2,
            session: l.session,
            seq: l.seq++,
            flags: 0,
            speaker: 0,
            timestamp,
            opus,
          }),
        );
        if (inWindow) sent++;
      }
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 500)); // late frames still count
  send({ t: 'done', sent, ...stats });
}

async function close(): Promise<void> {
  await Promise.all(live.map((l) => new Promise<void>((r) => l.s.close(() => r()))));
  live = [];
}

process.on('message', (m: ToLoad) => {
  const fail = (err: unknown) =>
    send({ t: 'failed', message: err instanceof Error ? err.message : String(err) });
  if (m.t === 'setup') setup(m.talkers, m.bundles).catch(fail);
  else if (m.t === 'run') run(m.warmupMs, m.ms).catch(fail);
  else void close().then(() => process.exit(0));
});
