// The audio round trip through a Backline room against bare `jacktrip -S`, same run (issue K).
import { spawn } from 'node:child_process';
import type { Agent } from 'node:https';
import { Agent as HttpsAgent } from 'node:https';
import { delay, jackEnv, jacktripServerArgs, stopChild } from '../../hub-core/src/index.js';
import { Procs, jackConnect, startJackTripClient, waitForPort } from '../../testkit/jack.js';
import { hubApi as api, median, req, spawnHub, type HubProcess, type Results } from './lib.js';
import { base, connectOpts, joinRoom, users } from './rooms.js';

const PERIOD = 64;
const RUNS = 10;

/** Runs jack_iodelay on `server` through `send`/`receive` for `seconds`; the most common round trip in frames. */
async function iodelay(
  server: string,
  send: string,
  receive: string,
  seconds = 4,
): Promise<number> {
  const p = spawn('stdbuf', ['-o0', 'jack_iodelay'], {
    env: jackEnv(server),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => p.on('exit', r));
  try {
    await waitForPort(server, 'jack_delay:out');
    await jackConnect(server, 'jack_delay:out', send);
    await jackConnect(server, receive, 'jack_delay:in');
    await delay(seconds * 1000);
  } finally {
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 2000).unref();
    await exited;
  }
  const frames = out
    .split(/[\r\n]+/)
    .map((l) => /([\d.]+) frames\s+[\d.]+ ms total roundtrip/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .slice(-12)
    .map((x) => Math.round(Number(x)));
  if (frames.length === 0) throw new Error('jack_iodelay gave no reading');
  const counts = new Map<number, number>();
  for (const f of frames) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/** Bare JackTrip: a hub server in client-loopback mode (-p 1) at `period`; round trip in frames. */
async function bareRoundTrip(period: number): Promise<number> {
  const procs = new Procs();
  try {
    const hubJack = (await procs.server(`bare${period}`, period)).name;
    const cli = (await procs.server(`barec${period}`, period)).name;
    const b = base();
    const args = jacktripServerArgs({ tcpPort: b, udpBase: b + 1, patchMode: 2 }).map(
      (a, i, arr) => (arr[i - 1] === '-p' ? '1' : a),
    );
    await new Promise<void>((resolve) =>
      procs.spawn(
        'jacktrip',
        args,
        hubJack,
        (l) => l.includes('Waiting for client connections') && resolve(),
      ),
    );
    const c = startJackTripClient(procs, cli, { host: '127.0.0.1', port: b, remoteName: 'bare' });
    if ((await c.outcome) !== 'connected') throw new Error('bare client did not connect');
    return await iodelay(cli, `${c.jackName}:send_1`, `${c.jackName}:receive_1`);
  } finally {
    await procs.stopAll();
  }
}

/**
 * The same through a Backline room (mode 5, the patchbay looping the player back to
 * themselves), on a hub started once; the player leaves after each run, so every run gets a
 * freshly started room engine, as every bare run gets a fresh jacktrip -S.
 */
async function backlineRoundTrip(
  hub: HubProcess,
  agent: Agent,
  token: string,
  roomId: unknown,
  period: number,
): Promise<number> {
  const procs = new Procs();
  try {
    const j = await joinRoom(hub, agent, roomId, token);
    const cli = (await procs.server(`blc${period}`, period)).name;
    const c = startJackTripClient(procs, cli, connectOpts(j));
    if ((await c.outcome) !== 'connected') throw new Error('backline client did not connect');
    await waitForPort(cli, `${c.jackName}:receive_1`);
    // The hub's graph shows the player's ports a moment after the client connects.
    const loop = { room_id: roomId, source: 'looper:receive_1', dest: 'looper:send_1' };
    for (let tries = 0; ; tries++) {
      const r = await req(`${hub.url}/jack/connect`, agent, 'POST', loop, token);
      if (r.status === 200) break;
      if (tries === 50 || !r.text.includes('unknown port'))
        throw new Error(`/jack/connect: ${r.status} ${r.text}`);
      await delay(100);
    }
    const frames = await iodelay(cli, `${c.jackName}:send_1`, `${c.jackName}:receive_1`);
    await stopChild(c.child, 2000);
    return frames;
  } finally {
    await procs.stopAll();
    await api(hub, agent, 'POST', `/rooms/${String(roomId)}/leave`, {}, token);
  }
}

/**
 * Round trip at a 64-frame period through a Backline room against bare `jacktrip -S`,
 * alternately, 10 runs each. The figure moves by whole periods from run to run (the phase of
 * two free-running JACK servers), so the minimum and the median of each are compared.
 */
export async function roundTrip(results: Results): Promise<void> {
  const hub = await spawnHub({
    JACKTRIP_BASE_PORT: String(base()),
    JACKTRIP_PORT_RANGE: '50',
    JACK_PERIOD: String(PERIOD),
  });
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true });
  try {
    const [tok] = await users(hub, agent, ['looper']);
    const room = await api(hub, agent, 'POST', '/rooms', { name: 'latency', patch_mode: 5 }, tok);
    const bare: number[] = [];
    const backline: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(await bareRoundTrip(PERIOD));
      backline.push(await backlineRoundTrip(hub, agent, tok!, room.id, PERIOD));
    }
    const ms = (f: number) => ((f / 48000) * 1000).toFixed(2);
    const show = (xs: number[]) =>
      `${xs.join('/')} frames (min ${Math.min(...xs)} = ${ms(Math.min(...xs))} ms, median ${median(xs)} = ${ms(median(xs))} ms)`;
    console.log(`  period ${PERIOD}: bare jacktrip ${show(bare)}`);
    console.log(`  period ${PERIOD}: Backline room ${show(backline)}`);
    const p = `round-trip.p${PERIOD}`;
    const add = (name: string, value: number, unit: string, goal: string) =>
      results.add({ name: `${p}.${name}`, value, unit, goal });
    add('bare_jacktrip.min', Math.min(...bare), 'frames', 'reference');
    add('bare_jacktrip.median', median(bare), 'frames', 'reference');
    add('backline.min', Math.min(...backline), 'frames', '<= bare');
    add('backline.median', median(backline), 'frames', '<= bare');
    const added = (l: number, b: number) => (l - b) / PERIOD;
    add('added_periods.min', added(Math.min(...backline), Math.min(...bare)), 'periods', '<= 0');
    add('added_periods.median', added(median(backline), median(bare)), 'periods', '<= 0');
  } finally {
    agent.destroy();
    await hub.stop();
  }
}
