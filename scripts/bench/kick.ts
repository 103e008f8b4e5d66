// Benchmark of issue G's kick: how long after the host's kick request nothing of the removed
// player is left in the room (their JACK client, with its ports and cords, gone from the room's
// server), and until their own jacktrip has stopped. Goal: within 2 s.
import { Agent as HttpsAgent } from 'node:https';
import { stopChild } from '../../hub-core/src/index.js';
import { Procs, roomScope, startJackTripClient } from '../../testkit/jack.js';
import { hubApi, median, spawnHub, type Results } from './lib.js';
import { benchHubEnv } from './rooms.js';

const ROUNDS = 5;

export async function kickToSilence(results: Results): Promise<void> {
  const hub = await spawnHub(benchHubEnv());
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true });
  const procs = new Procs();
  try {
    const register = async (n: string) => {
      const r = await hubApi(hub, agent, 'POST', '/auth/register', {
        username: n,
        password: `${n}-password`,
      });
      return { token: r.token as string, id: Number(r.user_id) };
    };
    const host = (await register('kickhost')).token;
    const cli = (await procs.server('bkick')).name;
    const gone: number[] = [];
    const stopped: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const name = `kicked${i}`;
      const guest = await register(name);
      const room = await hubApi(hub, agent, 'POST', '/rooms', { name: `kick ${i}` }, host);
      const connect = async (tok: string) => {
        const j = (await hubApi(hub, agent, 'POST', `/rooms/${String(room.id)}/join`, {}, tok)) as {
          port: number;
          jacktrip: { host: string; port: number; username: string; password: string };
        };
        const c = startJackTripClient(procs, cli, {
          host: j.jacktrip.host,
          port: j.jacktrip.port,
          remoteName: j.jacktrip.username,
          username: j.jacktrip.username,
          password: j.jacktrip.password,
        });
        const outcome = await c.outcome;
        if (outcome !== 'connected') throw new Error(`${j.jacktrip.username}: ${outcome}`);
        return { c, port: j.port };
      };
      const { port } = await connect(host);
      const { c } = await connect(guest.token);
      // The room's own server (named after its port block): its client list is the truth.
      let left = 0;
      const evmon = roomScope(`backline-${port}`).spawn('jack_evmon', [], (l) => {
        if (l === `Client ${name} unregistered`) left = performance.now();
      });
      await new Promise((r) => setTimeout(r, 300)); // let jack_evmon register
      const t0 = performance.now();
      await hubApi(
        hub,
        agent,
        'POST',
        `/rooms/${String(room.id)}/kick`,
        { user_id: guest.id },
        host,
      );
      await c.child.exited;
      const exitedAt = performance.now();
      for (let k = 0; k < 100 && left === 0; k++) await new Promise((r) => setTimeout(r, 20));
      await stopChild(evmon, 1000);
      if (left === 0) throw new Error(`round ${i}: ${name}'s JACK client never left the room`);
      gone.push(left - t0);
      stopped.push(exitedAt - t0);
      await hubApi(hub, agent, 'POST', `/rooms/${String(room.id)}/close`, undefined, host);
    }
    console.log(
      `  removed from the room after ${gone.map((x) => x.toFixed(0)).join(', ')} ms; their jacktrip stopped after ${stopped.map((x) => x.toFixed(0)).join(', ')} ms`,
    );
    results.add({ name: 'kick-to-silence.p50', value: median(gone), unit: 'ms', goal: '<= 2000' });
    results.add({
      name: 'kick-to-silence.max',
      value: Math.max(...gone),
      unit: 'ms',
      goal: '<= 2000',
    });
    results.add({
      name: 'kick-to-silence.client_stopped_max',
      value: Math.max(...stopped),
      unit: 'ms',
      goal: '<= 2000',
    });
  } finally {
    await procs.stopAll();
    agent.destroy();
    await hub.stop();
  }
}
