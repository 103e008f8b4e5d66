// voice-frame-ipc: what one 20 ms voice frame costs main and the page to cross between them,
// both ways, before and after issue J moved frames from `invoke`/push to a MessagePort.
// Before: `voice.send`'s arguments parsed by zod, and each heard frame's `voice.frame` push
// parsed again (the two schemas are reproduced below as they were), and invoke's answer sent
// back per frame, each message structured-cloned as Electron's IPC does. After: the port's
// binary codec (protocol/ipc/voicePort.ts) on both ends and one clone of the bytes each way.
// Also the checks alone (zod's parses against the codec, no clones). Same frames, same process,
// side by side; the transport itself (Electron's pipes) is not measured.
import { z } from 'zod';
import {
  decodeIncoming,
  decodeOutgoing,
  encodeIncoming,
  encodeOutgoing,
} from '../../protocol/ipc.js';
import type { Results } from './lib.js';

// The contract's voice.send arguments and voice.frame push, before issue J.
const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (a Uint8Array)');
const sendArgs = z.tuple([
  z.object({ data: Bytes, timestamp: z.number().int().min(0).max(0xffffffff) }),
]);
const framePush = z.object({
  speaker: z.number().int(),
  seq: z.number().int(),
  timestamp: z.number().int(),
  host: z.boolean(),
  data: Bytes,
});

const FRAMES = 10_000;
const ROUNDS = 7;
const OPUS_BYTES = 160; // 64 kb/s × 20 ms

/**
 * CPU time (user + system) per frame, the best of ROUNDS rounds: the machine may be busy with
 * other work, and CPU time with the minimum is what this code costs when it runs.
 */
function timePerFrame(fn: (i: number) => void): number {
  for (let i = 0; i < 2000; i++) fn(i); // warm up
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < FRAMES; i++) fn(i);
    const used = process.cpuUsage(t0);
    best = Math.min(best, (used.user + used.system) / FRAMES);
  }
  return best;
}

export async function voiceFrameIpc(r: Results): Promise<void> {
  const opus = new Uint8Array(OPUS_BYTES).map((_, i) => i);
  let sink = 0;
  const before = timePerFrame((i) => {
    // Page → main: invoke('voice.send', {data, timestamp}), cloned, parsed by the router.
    const args = structuredClone([{ data: opus, timestamp: i * 960 }]);
    const parsed = sendArgs.parse(args);
    // invoke answers every call: {sent} goes back to the page, one more message per frame.
    sink += structuredClone({ sent: true }) ? 1 : 0;
    // Main → page: the push of a heard frame, parsed by RendererPush, then cloned.
    const payload = framePush.parse({
      speaker: 7,
      seq: i,
      timestamp: i * 960,
      host: false,
      data: parsed[0].data,
    });
    sink += structuredClone(payload).data.byteLength;
  });
  const after = timePerFrame((i) => {
    // Page → main over the port: encoded, cloned, decoded.
    const out = decodeOutgoing(structuredClone(encodeOutgoing({ data: opus, timestamp: i * 960 })));
    // Main → page: encoded, cloned, decoded.
    const heard = decodeIncoming(
      structuredClone(
        encodeIncoming({ speaker: 7, seq: i, timestamp: i * 960, host: false, data: out!.data }),
      ),
    );
    sink += heard!.data.byteLength;
  });
  // The checks alone, without the clones: zod's two parses against the port's codec.
  const frame = { speaker: 7, seq: 1, timestamp: 960, host: false, data: opus };
  const checksBefore = timePerFrame(() => {
    sink += sendArgs.parse([{ data: opus, timestamp: 960 }])[0].timestamp;
    sink += framePush.parse(frame).seq;
  });
  const checksAfter = timePerFrame(() => {
    sink += decodeOutgoing(encodeOutgoing({ data: opus, timestamp: 960 }))!.timestamp;
    sink += decodeIncoming(encodeIncoming(frame))!.seq;
  });
  if (sink === 0) throw new Error('no frame crossed');
  await Promise.resolve();
  console.log(
    `  per frame, both ways: before (invoke + reply + push, zod) ${before.toFixed(2)} µs | after (MessagePort) ${after.toFixed(2)} µs`,
  );
  console.log(
    `  the checks alone:     before (two zod parses) ${checksBefore.toFixed(2)} µs | after (codec) ${checksAfter.toFixed(2)} µs`,
  );
  r.add({
    name: 'voice-frame-ipc before (invoke + push)',
    value: before,
    unit: 'µs',
    goal: 'for comparison',
  });
  r.add({
    name: 'voice-frame-ipc after (MessagePort)',
    value: after,
    unit: 'µs',
    goal: '< before',
  });
  r.add({
    name: 'voice-frame-checks before (zod)',
    value: checksBefore,
    unit: 'µs',
    goal: 'for comparison',
  });
  r.add({
    name: 'voice-frame-checks after (codec)',
    value: checksAfter,
    unit: 'µs',
    goal: 'for comparison',
  });
}
