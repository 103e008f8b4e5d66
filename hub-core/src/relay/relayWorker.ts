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
import { verifyVoiceToken } from './tokens.js';
import { DelaySampler } from '../latency.js';

export interface RelayWorkerData {
  host: string;
  port: number;
  secret: Uint8Array;
  limits?: Partial<RelayLimits>;
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

const core = new RelayCore((token) => verifyVoiceToken(wd.secret, token), sendTo, {
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
      socket.close(() => process.exit(0));
      break;
  }
});
