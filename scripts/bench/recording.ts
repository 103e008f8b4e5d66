// Benchmark of issue H's recorder, side by side in one run. For 2, 4 and 8 members, one room
// (its own jackd, dummy driver, 48 kHz, period 128, and `jacktrip -S` wiring everyone to
// everyone else) is measured over 30 s windows: with no recorder, then with each recorder of
// recorders.ts writing members*2 + 2 (mix) channels, then with no recorder again. Per window:
// the recorder's CPU against the room's jacktrip CPU in that same window (goal: <= 25 %), and
// the xruns the room's jackd reports (goal 0), with the clients it names as late. The
// no-recorder windows are the machine's own xrun rate while nothing records.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  delay,
  jackEnv,
  jacktripServerArgs,
  runTool,
  spawnChild,
  startJackd,
  stopChild,
  type Child,
} from '../../hub-core/src/index.js';
import { Procs, jackConnect, startJackTripClient, startTone, uniq } from '../../testkit/jack.js';
import type { Results } from './lib.js';
import {
  VARIANTS,
  XrunLog,
  counters,
  fileSeen,
  processTree,
  startRecorder,
  wireRecorder,
  type Counters,
  type Variant,
} from './recorders.js';

const WINDOW_MS = 30_000;
const HZ = 100; // USER_HZ on Linux
const RATE = 48_000;
const base = () => 20000 + Math.floor(Math.random() * 400) * 50;

interface Room {
  server: string;
  jackd: Child;
  jacktrip: Child;
  clients: Child[];
  members: string[];
  xruns: XrunLog;
}

/** A room of `n` members: jackd, `jacktrip -S -p 2`, and n jacktrip clients sending a tone. */
async function openRoom(procs: Procs, cli: string, n: number): Promise<Room> {
  const server = `blrec${n}-${uniq()}`;
  const xruns = new XrunLog();
  const jackd = await startJackd({ name: server, onLine: xruns.feed });
  const b = base();
  let ready: () => void = () => {};
  const up = new Promise<void>((r) => (ready = r));
  const jacktrip = spawnChild(
    'jacktrip',
    jacktripServerArgs({ tcpPort: b, udpBase: b + 1, patchMode: 2 }),
    jackEnv(server),
    (l) => l.includes('Waiting for client connections') && ready(),
  );
  const room: Room = { server, jackd, jacktrip, clients: [], members: [], xruns };
  try {
    await fill(room, procs, cli, up, b, n);
    return room;
  } catch (err) {
    await closeRoom(room);
    throw err;
  }
}

async function fill(
  room: Room,
  procs: Procs,
  cli: string,
  up: Promise<void>,
  b: number,
  n: number,
) {
  const server = room.server;
  await Promise.race([up, delay(10_000)]);
  for (let i = 0; i < n; i++) {
    const c = startJackTripClient(procs, cli, { host: '127.0.0.1', port: b, remoteName: `m${i}` });
    room.clients.push(c.child);
    const outcome = await c.outcome;
    if (outcome !== 'connected') throw new Error(`member ${i} did not connect: ${outcome}`);
    await jackConnect(cli, 'jack_simple_client:output1', `${c.jackName}:send_1`);
    await jackConnect(cli, 'jack_simple_client:output2', `${c.jackName}:send_2`);
  }
  for (let i = 0; i < 100 && room.members.length < n; i++) {
    const r = await runTool('jack_lsp', [], jackEnv(server), 3000);
    room.members = r.stdout
      .split('\n')
      .map((l) => /^(.+):receive_1$/.exec(l)?.[1])
      .filter((m): m is string => !!m);
    await delay(100);
  }
  if (room.members.length !== n) throw new Error(`room has ${room.members.length}/${n} members`);
}

async function closeRoom(room: Room): Promise<void> {
  await Promise.all(room.clients.map((c) => stopChild(c, 3000)));
  await stopChild(room.jacktrip, 3000);
  await stopChild(room.jackd, 3000);
}

interface Window {
  secs: number;
  rec?: Counters;
  jacktrip: Counters;
  xruns: ReturnType<XrunLog['since']>;
}

async function measure(room: Room, recPids: number[]): Promise<Window> {
  const mark = room.xruns.mark();
  const r0 = counters(recPids);
  const j0 = counters([room.jacktrip.pid]);
  const s0 = performance.now();
  await delay(WINDOW_MS);
  const secs = (performance.now() - s0) / 1000;
  const d = (a: Counters, b: Counters): Counters => ({
    ticks: b.ticks - a.ticks,
    writes: b.writes - a.writes,
    wakeups: b.wakeups - a.wakeups,
  });
  return {
    secs,
    rec: recPids.length ? d(r0, counters(recPids)) : undefined,
    jacktrip: d(j0, counters([room.jacktrip.pid])),
    xruns: room.xruns.since(mark),
  };
}

const pct = (w: Window, c: Counters) => (c.ticks / HZ / w.secs) * 100;
const lateList = (w: Window) =>
  [...w.xruns.byClient].map(([who, k]) => `${who} ${k}`).join(', ') || 'none';

function baseline(results: Results, n: number, label: string, w: Window): void {
  console.log(
    `  ${n} members, ${label}: jacktrip ${pct(w, w.jacktrip).toFixed(1)}% of a core, ` +
      `${w.xruns.total} xruns (late: ${lateList(w)})`,
  );
  const name = `recording.${n}_members.${label}`;
  results.add({
    name: `${name}.jacktrip`,
    value: pct(w, w.jacktrip),
    unit: '%core',
    goal: 'reference',
  });
  results.add({ name: `${name}.xruns`, value: w.xruns.total, unit: 'xruns', goal: 'reference' });
}

async function recordWith(results: Results, room: Room, v: Variant, dir: string): Promise<void> {
  const n = room.members.length;
  const channels = n * 2 + 2;
  const name = `recording.${n}_members.${v.key}`;
  if (v.maxChannels !== undefined && channels > v.maxChannels) {
    console.log(
      `  ${n} members, ${v.key}: n/a (${channels} channels; the format holds ${v.maxChannels})`,
    );
    return;
  }
  const file = join(dir, `${n}-${v.key}.${v.ext}`);
  // The recorder stops by itself 20 s after the window: the file's size is bounded.
  const seconds = WINDOW_MS / 1000 + 20;
  const rec = await startRecorder(v, room.server, file, seconds, channels);
  try {
    await wireRecorder(room.server, v.client, room.members);
    await delay(2000);
    const w = await measure(room, await processTree(rec.child.pid));
    const cpu = pct(w, w.rec!);
    const jt = pct(w, w.jacktrip);
    const late = w.xruns.byClient.get(v.client) ?? 0;
    await stopChild(rec.child, 5000);
    const seen = await fileSeen(file);
    console.log(
      `  ${n} members, ${v.key}${v.label ? ` (${v.label})` : ''}: ${cpu.toFixed(1)}% of a core, jacktrip ${jt.toFixed(1)}%, ` +
        `${w.xruns.total} xruns (late: ${lateList(w)}); ` +
        `${Math.round(w.rec!.writes / w.secs)} writes/s, ${Math.round(w.rec!.wakeups / w.secs)} ` +
        `context switches/s; after SIGTERM a reader sees ${(seen.frames / RATE).toFixed(2)} s ` +
        `of ${(seen.bytes / 1e6).toFixed(1)} MB`,
    );
    results.add({ name: `${name}.recorder`, value: cpu, unit: '%core', goal: 'reference' });
    results.add({
      name: `${name}.recorder_vs_jacktrip`,
      value: jt > 0 ? (cpu / jt) * 100 : NaN,
      unit: '%',
      goal: '<= 25',
    });
    results.add({ name: `${name}.xruns`, value: w.xruns.total, unit: 'xruns', goal: '== 0' });
    results.add({ name: `${name}.xruns_recorder_late`, value: late, unit: 'xruns', goal: '== 0' });
  } finally {
    await stopChild(rec.child, 5000);
    rmSync(file, { force: true });
  }
}

export async function recordingCpu(results: Results): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'backline-benchrec-'));
  const procs = new Procs();
  try {
    const cli = (await procs.server('brec')).name;
    await startTone(procs, cli);
    for (const n of [2, 4, 8]) {
      const room = await openRoom(procs, cli, n);
      try {
        await delay(3000);
        baseline(results, n, 'no_recorder', await measure(room, []));
        for (const v of VARIANTS) await recordWith(results, room, v, dir);
        baseline(results, n, 'no_recorder_after', await measure(room, []));
      } finally {
        await closeRoom(room);
      }
    }
  } finally {
    await procs.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}
