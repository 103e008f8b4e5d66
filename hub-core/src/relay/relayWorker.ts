// The relay's worker thread: its own event loop, so password hashing or a burst of API calls
// in the main thread never delays a voice packet.
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import {
  DEFAULT_RELAY_LIMITS,
  RelayCore,
  type RelayLimits,
  type RoomVoiceCounters,
} from './RelayCore.js';
import { ErrorCode } from '../../../protocol/relay.js';
import { workerOfRoom } from './shard.js';
import { verifyVoiceToken } from './tokens.js';
import { DelaySampler } from '../latency.js';

export interface RelayWorkerData {
  host: string;
  port: number;
  secret: Uint8Array;
  limits?: Partial<RelayLimits>;
  /** This worker's index among `workers`: it admits the rooms that hash to it. */
  index: number;
  workers: number;
}

/** Main → worker. */
export type ToWorker =
  | { t: 'room'; roomId: string; members: number[]; bans: number[] }
  | { t: 'ws-in'; id: number; data: Uint8Array }
  | { t: 'close' };

/** Worker → main. */
export type FromWorker =
  | { t: 'listening'; port: number }
  | { t: 'stats'; counters: Record<string, number>; rooms: Record<string, RoomVoiceCounters> }
  | { t: 'ws-out'; id: number; data: Uint8Array }
  | { t: 'error'; message: string };

const wd = workerData as RelayWorkerData;
const port = parentPort!;
const socket = createSocket({
  type: wd.host.includes(':') ? 'udp6' : 'udp4',
  recvBufferSize: 4 << 20,
  sendBufferSize: 4 << 20,
});

function sendTo(to: string, data: Uint8Array): void {
  if (to.startsWith('ws:')) {
    port.postMessage({ t: 'ws-out', id: Number(to.slice(3)), data } satisfies FromWorker);
    return;
  }
  const i = to.lastIndexOf(':');
  socket.send(data, Number(to.slice(i + 1)), to.slice(0, i), delay.sent());
}

/** A token for a room of another worker is refused before it is used: it still works there. */
async function verify(token: string) {
  const v = await verifyVoiceToken(wd.secret, token);
  if (v.ok && workerOfRoom(v.claims.roomId, wd.workers) !== wd.index)
    return {
      ok: false as const,
      code: ErrorCode.WrongChannel,
      message: "this room's voice relay listens on another port: ask the hub for a new token",
    };
  return v;
}

const core = new RelayCore(verify, sendTo, {
  ...DEFAULT_RELAY_LIMITS,
  ...wd.limits,
});

// /metrics' relay delay: one packet in 64, from its arrival to its first copy sent.
const delay = new DelaySampler('relay_delay', 64);
socket.on('message', (msg, rinfo) => {
  delay.arrived();
  core.handle(`${rinfo.address}:${rinfo.port}`, msg);
  delay.done();
});
socket.on('error', (err) =>
  port.postMessage({ t: 'error', message: err.message } satisfies FromWorker),
);
socket.bind(wd.port, wd.host, () => {
  port.postMessage({ t: 'listening', port: socket.address().port } satisfies FromWorker);
});

const sweeper = setInterval(() => {
  core.sweep();
  port.postMessage({
    t: 'stats',
    counters: core.snapshot(),
    rooms: core.roomSnapshot(),
  } satisfies FromWorker);
}, 1000);

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'room':
      core.setRoom(m.roomId, m.members, m.bans);
      break;
    case 'ws-in':
      core.handle(`ws:${m.id}`, m.data);
      break;
    case 'close':
      clearInterval(sweeper);
      core.close();
      socket.close(() => process.exit(0));
      break;
  }
});
