// A finished recording on a real hub, made the way players make one: the host opens a room,
// joins it (the room's jackd and jacktrip -S start), connects a real jacktrip client sending a
// tone, records a few seconds with jack_capture and stops. Plus a zip reader for what gets saved.
import { X509Certificate } from 'node:crypto';
import type { JoinAnswer, Recording, RecordingStatus, RoomDetail } from '../protocol/api.js';
import { delay } from '../hub-core/src/index.js';
import type { JamHub } from './fixtures.js';
import { jackConnect, startJackTripClient, startTone, waitForPort, type Procs } from './jack.js';

export interface TakenRecording {
  room: RoomDetail;
  recording: Recording;
}

/** `host` records `seconds` of a room named `roomName`, with a 240 Hz tone on their track. */
export async function takeRecording(
  t: JamHub,
  procs: Procs,
  host: string,
  o: { roomName: string; seconds: number },
): Promise<TakenRecording> {
  const cli = (await procs.server('recsave')).name;
  await startTone(procs, cli);
  const room = await t.ok<RoomDetail>(host, 'POST', '/rooms', {
    name: o.roomName,
    patch_mode: 2,
    max_participants: 2,
  });
  const j = await t.ok<JoinAnswer>(host, 'POST', `/rooms/${room.id}/join`, {});
  const c = startJackTripClient(procs, cli, {
    host: j.jacktrip.host,
    port: j.jacktrip.port,
    remoteName: j.jacktrip.remote_name,
    username: j.jacktrip.username,
    password: j.jacktrip.password,
  });
  const outcome = await c.outcome;
  if (outcome !== 'connected') throw new Error(`jacktrip client: ${outcome}`);
  await waitForPort(cli, `${c.jackName}:receive_2`);
  await jackConnect(cli, 'jack_simple_client:output1', `${c.jackName}:send_1`);
  const rec = (action: 'start' | 'stop') =>
    t.ok<RecordingStatus>(host, 'POST', `/rooms/${room.id}/recording`, { action });
  await rec('start');
  await delay(o.seconds * 1000);
  const recording = (await rec('stop')).recording;
  if (recording?.state !== 'done') throw new Error(`recording not done: ${recording?.state}`);
  return { room, recording };
}

/** A test hub's certificate as main pins it: origin, SHA-256 fingerprint, PEM. */
export function pinOf(t: JamHub): { origin: string; fingerprint: string; cert_pem: string } {
  return {
    origin: t.url,
    fingerprint: new X509Certificate(t.ca).fingerprint256,
    cert_pem: t.ca,
  };
}

/** The names in a zip's central directory (read from its end, as unzip does). */
export function zipNames(zip: Buffer): string[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--)
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory at ${at}`);
    const nameLen = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extra + comment;
  }
  return names;
}
