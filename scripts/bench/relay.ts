// Benchmarks of the voice relay (issues D and K). The load comes from generator processes
// (relayLoad.ts) and the raw dgram forwarder runs in its own process (rawForwarder.ts), so
// neither shares an event loop with the relay it is compared to.
import { availableParallelism } from 'node:os';
import {
  Generators,
  ROOM_SIZE,
  capacity,
  rawSystem,
  relaySystem,
  type StepResult,
  type System,
} from './relayCapacity.js';
import type { Results } from './lib.js';

const STEPS = [16, 32, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 3072];
const SECONDS = 3;

/**
 * Talkers held at p99 ≤ 5 ms (50 packets/s each, rooms of 8): the raw forwarder, the relay on one
 * worker, on one worker per core, and with bundles, in the same run. And what the bundle window
 * costs in delay at the lightest step.
 */
export async function relayThroughput(results: Results): Promise<void> {
  const cores = availableParallelism();
  const gen = await Generators.start();
  const stepNo = { n: 1 };
  const held: Record<string, number> = {};
  const first: Record<string, StepResult> = {};
  try {
    const run = async (key: string, make: () => Promise<System>) => {
      const system = await make();
      try {
        const c = await capacity(gen, system, stepNo, STEPS, SECONDS);
        held[key] = c.held;
        first[key] = c.results[0]!;
      } finally {
        await system.close();
      }
    };
    console.log(
      `  rooms of ${ROOM_SIZE}, 50 packets/s per talker, ${SECONDS} s per step; ${cores} cores, load from separate processes`,
    );
    await run('raw', rawSystem);
    await run('relay', () => relaySystem(1, false));
    await run('workers', () => relaySystem(cores, false));
    await run('bundles', () => relaySystem(cores, true));
  } finally {
    await gen.close();
  }
  const raw = held.raw!;
  // No ratio when the raw forwarder held nothing (the machine was too busy): NaN, not a pass.
  const ratio = (k: string) => (raw ? held[k]! / raw : NaN);
  console.log(
    `  talkers held at p99 <= 5 ms: raw ${raw}, relay ${held.relay}, ${cores} workers ${held.workers}, with bundles ${held.bundles}`,
  );
  const add = (name: string, value: number, unit: string, goal: string) =>
    results.add({ name: `relay-throughput.${name}`, value, unit, goal });
  add('raw_forwarder_talkers', raw, 'talkers', 'reference');
  add('relay_talkers', held.relay!, 'talkers', '>= 0.8x raw');
  add('relay_vs_raw', ratio('relay'), 'x', '>= 0.8x raw');
  add(`relay_${cores}_workers_talkers`, held.workers!, 'talkers', '> 1.0x raw');
  add(`relay_${cores}_workers_vs_raw`, ratio('workers'), 'x', '> 1.0x raw');
  add('relay_bundles_talkers', held.bundles!, 'talkers', '> 1.0x raw');
  add('relay_bundles_vs_raw', ratio('bundles'), 'x', '> 1.0x raw');
  // What the window costs: the same light load, with and without bundles.
  const plain = first.workers!;
  const bundled = first.bundles!;
  console.log(
    `  bundle window (3 ms) at ${bundled.talkers} talkers: p50 ${plain.p50.toFixed(2)} -> ${bundled.p50.toFixed(2)} ms, ` +
      `p99 ${plain.p99.toFixed(2)} -> ${bundled.p99.toFixed(2)} ms, datagrams in ${plain.datagramRate.toFixed(0)}/s -> ${bundled.datagramRate.toFixed(0)}/s`,
  );
  add('bundle_window_cost_p50', bundled.p50 - plain.p50, 'ms', '<= 3 (the window)');
  add('bundle_window_cost_p99', bundled.p99 - plain.p99, 'ms', '<= 3 (the window)');
}

/** 1,000 talkers in rooms of 8 at 50 packets/s each: delivery and one-way delay through the relay. */
export async function relayTalkers(results: Results): Promise<void> {
  const talkers = 1000;
  const cores = availableParallelism();
  const gen = await Generators.start();
  const system = await relaySystem(cores, true);
  let r: StepResult;
  try {
    await system.step(gen, talkers, 1);
    r = await gen.run(talkers, 500, 5000);
  } finally {
    await system.close();
    await gen.close();
  }
  console.log(
    `  ${talkers} talkers (${talkers / ROOM_SIZE} rooms of ${ROOM_SIZE}), ${system.name}, 5 s: sent ${r.sentRate.toFixed(0)} pkt/s (target ${talkers * 50}); ` +
      `delivered ${r.delivered.toFixed(1)} %; one-way p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
  );
  results.add({
    name: 'relay-1000-talkers.p99_added_latency',
    value: r.p99,
    unit: 'ms',
    goal: '<= 20',
  });
  results.add({
    name: 'relay-1000-talkers.p50_added_latency',
    value: r.p50,
    unit: 'ms',
    goal: '<= 5',
  });
  results.add({
    name: 'relay-1000-talkers.delivered',
    value: r.delivered,
    unit: '%',
    goal: '>= 99',
  });
  results.add({
    name: 'relay-1000-talkers.sent_rate',
    value: r.sentRate,
    unit: 'pkt/s',
    goal: `${talkers * 50}`,
  });
}
