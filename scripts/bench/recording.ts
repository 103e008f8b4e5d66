// Benchmark of issue H's recorder: its CPU with 2, 4 and 8 members over 30 s, against the
// room's jacktrip CPU in the same window (goal: recorder <= 25 % of it), and the xruns the
// room's JACK server reports while recording (goal 0). The hub runs jackd through a wrapper
// (its JACKD_BIN setting) that keeps jackd's messages in a file, where the xruns are counted.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay, stopChild } from '../../hub-core/src/index.js';
import {
  Procs,
  jackConnect,
  startJackTripClient,
  startTone,
  type JtClient,
} from '../../testkit/jack.js';
import { hubApi, spawnHub, type Results } from './lib.js';
import { benchHubEnv, childPids, commOf, connectOpts, joinRoom, ticks, users } from './rooms.js';

const WINDOW_MS = 30_000;
const HZ = 100; // USER_HZ on Linux

/** Every descendant of a process, with its command name. */
async function tree(pid: number): Promise<{ pid: number; comm: string }[]> {
  const out: { pid: number; comm: string }[] = [];
  const queue = [pid];
  while (queue.length) {
    const kids = await childPids(queue.shift()!);
    out.push(...kids);
    queue.push(...kids.map((k) => k.pid));
  }
  return out;
}

const xrunsIn = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /xrun/i.test(l)).length;

export async function recordingCpu(results: Results): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'backline-benchrec-'));
  const log = join(dir, 'jackd.log');
  writeFileSync(log, '');
  const wrapper = join(dir, 'jackd');
  writeFileSync(wrapper, `#!/bin/sh\nexec jackd "$@" 2>>'${log}'\n`);
  chmodSync(wrapper, 0o755);
  const hub = await spawnHub(benchHubEnv({ JACKD_BIN: wrapper, HUB_RECORDING_MIN_FREE_MB: '64' }));
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true });
  const procs = new Procs();
  try {
    const names = Array.from({ length: 8 }, (_, i) => `rec${i}`);
    const tokens = await users(hub, agent, names);
    const cli = (await procs.server('brec')).name;
    await startTone(procs, cli);
    for (const n of [2, 4, 8]) {
      const room = await hubApi(
        hub,
        agent,
        'POST',
        '/rooms',
        { name: `rec ${n}`, patch_mode: 2, max_participants: n },
        tokens[0],
      );
      const clients: JtClient[] = [];
      for (let i = 0; i < n; i++) {
        const c = startJackTripClient(
          procs,
          cli,
          connectOpts(await joinRoom(hub, agent, room.id, tokens[i])),
        );
        if ((await c.outcome) !== 'connected') throw new Error(`client ${i} did not connect`);
        await jackConnect(cli, 'jack_simple_client:output1', `${c.jackName}:send_1`);
        clients.push(c);
      }
      const path = `/rooms/${String(room.id)}/recording`;
      await hubApi(hub, agent, 'POST', path, { action: 'start' }, tokens[0]);
      await delay(2000);
      const watch = (await tree(hub.child.pid!)).filter((p) =>
        ['jack_rec', 'jacktrip'].includes(p.comm),
      );
      const x0 = xrunsIn(log);
      const t0 = watch.map((w) => ticks(w.pid));
      const s0 = performance.now();
      await delay(WINDOW_MS);
      const secs = (performance.now() - s0) / 1000;
      const pct = watch.map((w, i) => ({
        comm: commOf(w.pid),
        pct: ((ticks(w.pid) - t0[i]!) / HZ / secs) * 100,
      }));
      const of = (comm: string) =>
        pct.filter((p) => p.comm === comm).reduce((a, p) => a + p.pct, 0);
      const xruns = xrunsIn(log) - x0;
      await hubApi(hub, agent, 'POST', path, { action: 'stop' }, tokens[0]);
      const rec = of('jack_rec');
      const jt = of('jacktrip');
      console.log(
        `  ${n} members: jack_rec ${rec.toFixed(1)}%, the room's jacktrip ${jt.toFixed(1)}%, ${xruns} xruns`,
      );
      results.add({
        name: `recording.${n}_members.recorder`,
        value: rec,
        unit: '%core',
        goal: 'reference',
      });
      results.add({
        name: `recording.${n}_members.recorder_vs_jacktrip`,
        value: jt > 0 ? (rec / jt) * 100 : NaN,
        unit: '%',
        goal: '<= 25',
      });
      results.add({
        name: `recording.${n}_members.xruns`,
        value: xruns,
        unit: 'xruns',
        goal: '== 0',
      });
      await hubApi(hub, agent, 'POST', `/rooms/${String(room.id)}/close`, undefined, tokens[0]);
      await Promise.all(clients.map((c) => stopChild(c.child, 2000)));
    }
  } finally {
    await procs.stopAll();
    agent.destroy();
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
