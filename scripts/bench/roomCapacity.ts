// Room capacity (issue K): live rooms of 2 players each on one machine, started one after
// another until the next one fails, its audio does not come through, or the CPU is used up.
// Every room carries a tone from one player to the other, checked in each new room. The
// players' jacktrip clients run on a client-side JACK server per room, which counts against
// JACK's registry like the room's own: so it gets a namespace of its own too where the machine
// allows it (as players' machines would each have their own JACK).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent as HttpsAgent } from 'node:https';
import { delay, probeJackIsolation, type JackServer } from '../../hub-core/src/index.js';
import {
  Procs,
  isTone,
  jackConnect,
  record,
  startJackTripClient,
  startTone,
  waitForPort,
  wavStat,
  type JtClient,
} from '../../testkit/jack.js';
import { hubApi, spawnHub, type Results } from './lib.js';
import { benchHubEnv, commOf, connectOpts, joinRoom, ticks, users } from './rooms.js';

/** Rooms tried at most: the goal is 24; past 40 the run only costs time and memory. */
const MAX_ROOMS = 40;
/** Our processes' share of every core that counts as saturated. */
const CPU_LIMIT = 0.9;
/** Free memory below which no further room is started (each room's two jackds take ~210 MB). */
const MIN_FREE_MB = 2048;
const HZ = 100; // USER_HZ on Linux

const memAvailableMb = (): number =>
  Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;

/** The whole machine's busy share over `ms`, from /proc/stat (other work included). */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Every process under `root` (one pass over /proc: there are hundreds), parents first. */
function tree(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]!) ?? []));
  return out;
}

/**
 * CPU of this bench's process tree over `ms`, in cores: all of it, the hub's side (the hub
 * process and its rooms' programs, by program), and the whole machine's busy share.
 */
async function ourCpu(
  ms: number,
  hubPid: number,
): Promise<{ cores: number; hub: number; byProgram: string; machine: number }> {
  const pids = tree(process.pid);
  const onHub = new Set(tree(hubPid));
  // The window runs from the first read to the last: reading hundreds of /proc files on a busy
  // machine takes a while, and a shorter window would overstate the share.
  const s0 = performance.now();
  const t0 = pids.map(ticks);
  const m0 = machineTicks();
  await delay(ms);
  const m1 = machineTicks();
  const t1 = pids.map(ticks);
  const secs = (performance.now() - s0) / 1000;
  const by = new Map<string, number>();
  let all = 0;
  let hub = 0;
  pids.forEach((p, i) => {
    // A process gone meanwhile reads 0: it counts for nothing rather than negative.
    const c = Math.max(0, t1[i]! - t0[i]!) / HZ / secs;
    all += c;
    if (!onHub.has(p)) return;
    hub += c;
    const name = p === hubPid ? 'hub' : commOf(p);
    by.set(name, (by.get(name) ?? 0) + c);
  });
  const byProgram = [...by]
    .sort((a, b) => b[1] - a[1])
    .map(([n, c]) => `${n} ${(c * 100).toFixed(0)}%`)
    .join(', ');
  return {
    cores: all,
    hub,
    byProgram,
    machine: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
  };
}

interface Room {
  cli: JackServer;
  a: JtClient;
  b: JtClient;
}

export async function roomCapacity(results: Results): Promise<void> {
  const probe = await probeJackIsolation();
  console.log(
    probe.isolation === 'none'
      ? `  no namespaces here (${probe.reason}): rooms share JACK's 8-server registry`
      : `  each room's JACK, and each room's players' JACK, in a namespace of its own (${probe.isolation})`,
  );
  const hub = await spawnHub(
    benchHubEnv({
      JACKTRIP_PORT_RANGE: String(MAX_ROOMS * 4 + 10),
      OPEN_ROOMS_PER_USER: '100',
      ROOM_CREATIONS_PER_USER: '100',
      LOG_LEVEL: 'error',
    }),
  );
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true });
  const procs = new Procs();
  const dir = mkdtempSync(join(tmpdir(), 'backline-capacity-'));
  const rooms: Room[] = [];
  const cores = cpus().length;
  let stopped = `${MAX_ROOMS} rooms, the most this bench tries`;
  let verified = 0;
  try {
    // The same two players in every room (each room is a JACK graph and a jacktrip of its own).
    const [tokA, tokB] = await users(hub, agent, ['capa', 'capb']);
    for (let i = 0; i < MAX_ROOMS; i++) {
      if (memAvailableMb() < MIN_FREE_MB) {
        stopped = `less than ${MIN_FREE_MB} MB of memory left`;
        break;
      }
      const t0 = performance.now();
      let room: Room;
      try {
        room = await startRoom(i, tokA!, tokB!);
      } catch (err) {
        stopped = `room ${i + 1} failed: ${(err as Error).message.slice(0, 200)}`;
        break;
      }
      rooms.push(room);
      // The tone through the new room, recorded at the other player (again, up to 3 times,
      // while the hub's wiring of the room may still be on its way).
      const file = join(dir, `room${i + 1}.wav`);
      let s = { rms: 0, max: 0, freq: 0 };
      for (let attempt = 0; attempt < 3 && !isTone(s); attempt++) {
        await record(room.cli.scope, file, 2, [`${room.b.jackName}:receive_1`]);
        s = await wavStat(file);
        rmSync(file, { force: true });
      }
      const cpu = await ourCpu(3000, hub.child.pid!);
      console.log(
        `  room ${String(i + 1).padStart(2)}: up and checked in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
          `tone ${isTone(s) ? 'clean' : 'BAD'} (rms ${s.rms.toFixed(3)}, ${s.freq} Hz); ` +
          `CPU (% of one core, ${cores * 100}% in all): ours ${(cpu.cores * 100).toFixed(0)}%, ` +
          `hub side ${(cpu.hub * 100).toFixed(0)}% (${cpu.byProgram}); machine ${(cpu.machine * 100).toFixed(0)}% busy`,
      );
      if (!isTone(s) || Math.abs(s.freq - 240) > 30) {
        stopped = `room ${i + 1}'s audio did not come through cleanly`;
        break;
      }
      verified = i + 1;
      if (cpu.cores >= CPU_LIMIT * cores) {
        stopped = `our processes use ${(cpu.cores * 100).toFixed(0)}% of ${cores} cores`;
        break;
      }
    }
  } finally {
    console.log(`  stopped: ${stopped}`);
    results.add({
      name: 'room-capacity.rooms_2_players_audio_checked',
      value: verified,
      unit: 'rooms',
      goal: '>= 24',
    });
    await procs.stopAll();
    agent.destroy();
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  async function startRoom(i: number, tokA: string, tokB: string): Promise<Room> {
    const created = await hubApi(
      hub,
      agent,
      'POST',
      '/rooms',
      { name: `capacity ${i + 1}`, patch_mode: 2, max_participants: 2 },
      tokA,
    );
    if (typeof created.id !== 'string') throw new Error(`create: ${JSON.stringify(created)}`);
    const ja = await joinRoom(hub, agent, created.id, tokA);
    const jb = await joinRoom(hub, agent, created.id, tokB);
    if (!ja.jacktrip || !jb.jacktrip) throw new Error(`join: ${JSON.stringify(ja ?? jb)}`);
    const cli = await procs.server(`cap${i + 1}`, 128, probe.isolation);
    const connect = async (j: typeof ja) => {
      const c = startJackTripClient(procs, cli.scope, connectOpts(j));
      const outcome = await c.outcome;
      if (outcome !== 'connected') throw new Error(`${j.jacktrip.username}: ${outcome}`);
      await waitForPort(cli.scope, `${c.jackName}:receive_1`);
      return c;
    };
    const a = await connect(ja);
    const b = await connect(jb);
    await startTone(procs, cli.scope);
    await jackConnect(cli.scope, 'jack_simple_client:output1', `${a.jackName}:send_1`);
    return { cli, a, b };
  }
}
