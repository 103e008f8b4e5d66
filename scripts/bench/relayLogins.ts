// The relay-logins benchmark: the voice relay's delay while the hub checks passwords.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Agent as HttpsAgent } from 'node:https';
import { RelayClient } from '../../hub-core/src/index.js';
import { hubApi, percentile, sleep, sortNum, spawnHub, type Results } from './lib.js';

const now = () => performance.timeOrigin + performance.now();

// 50 logins kept in flight until SIGTERM; prints how many finished. argv: url, ca file, n.
// Each attempt names a new, unknown account: it costs the hub the same bcrypt check as a real
// login, and no per-account limit (2 checks at once, 10 failures) cuts the load short.
const LOGIN_LOAD = `
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
const [url, caFile, n] = process.argv.slice(1);
const agent = new Agent({ ca: readFileSync(caFile, 'utf8'), keepAlive: true, maxSockets: Number(n) });
let done = 0, running = true;
process.on('SIGTERM', () => { running = false; });
const login = () => new Promise((resolve) => {
  const r = request(url + '/auth/login', { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', resolve); });
  r.on('error', resolve);
  r.end(JSON.stringify({ username: 'load-' + Math.random().toString(36).slice(2), password: 'load-password' }));
});
await Promise.all(Array.from({ length: Number(n) }, async () => { while (running) { await login(); done++; } }));
console.log('logins ' + done);
agent.destroy();
`;

/** The relay's p99 one-way delay with and without 50 logins at once (bcrypt must not touch it). */
export async function relayLogins(results: Results): Promise<void> {
  const hub = await spawnHub({
    JACKTRIP_BASE_PORT: String(20000 + Math.floor(Math.random() * 400) * 50),
    JACKTRIP_PORT_RANGE: '50',
    LOGIN_ATTEMPTS_PER_IP: '1000000',
    REGISTRATIONS_PER_IP: '1000',
  });
  const agent = new HttpsAgent({ ca: hub.ca, keepAlive: true, maxSockets: 100 });
  const call = (method: string, path: string, body?: unknown, token?: string) =>
    hubApi(hub, agent, method, path, body, token);
  const clients: RelayClient[] = [];
  try {
    const a = (
      await call('POST', '/auth/register', { username: 'talk1', password: 'talk1-password' })
    ).token as string;
    const b = (
      await call('POST', '/auth/register', { username: 'talk2', password: 'talk2-password' })
    ).token as string;
    const room = (await call('POST', '/rooms', { name: 'voice', patch_mode: 5 }, a)).id as string;
    for (const t of [a, b]) await call('POST', `/rooms/${room}/join`, {}, t);
    const vt = async (t: string) =>
      (await call('POST', `/rooms/${room}/voice-token`, undefined, t)) as {
        token: string;
        relay: { port: number };
      };
    const port = (await vt(a)).relay.port;
    for (const t of [a, b]) {
      clients.push(
        await RelayClient.connect({
          host: '127.0.0.1',
          port,
          channel: room,
          getToken: async () => (await vt(t)).token,
        }),
      );
    }
    let delays: number[] = [];
    clients[1]!.on('audio', (f) =>
      delays.push(now() - new DataView(f.opus.buffer, f.opus.byteOffset, 8).getFloat64(0)),
    );
    const talk = async (seconds: number) => {
      delays = [];
      const frame = new Uint8Array(60);
      const start = performance.now();
      for (let n = 0; performance.now() - start < seconds * 1000; n++) {
        new DataView(frame.buffer).setFloat64(0, now());
        clients[0]!.sendAudio(frame, n * 960);
        await sleep(Math.max(0, start + (n + 1) * 20 - performance.now()));
      }
      await sleep(200);
      return sortNum(delays);
    };
    await talk(1); // warm-up
    const idle = await talk(8);
    // The logins come from another process, so this one measures the relay, not its own load.
    // At nice 19: in real life the 50 clients run on their own machines, not on the hub's cores.
    const loginLoad = spawn(
      'nice',
      [
        '-n',
        '19',
        process.execPath,
        '--input-type=module',
        '-e',
        LOGIN_LOAD,
        hub.url,
        join(hub.dataDir, 'certs', 'hub-cert.pem'),
        '50',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let loginOut = '';
    loginLoad.stdout.on('data', (d: Buffer) => (loginOut += d.toString()));
    await sleep(500);
    const loaded = await talk(8);
    loginLoad.kill('SIGTERM');
    await new Promise((r) => loginLoad.once('exit', r));
    const logins = Number(/logins (\d+)/.exec(loginOut)?.[1] ?? 0);
    const f = (x: number[]) =>
      `p50 ${percentile(x, 50).toFixed(2)} / p99 ${percentile(x, 99).toFixed(2)} ms (n=${x.length})`;
    console.log(
      `  relay one-way delay idle: ${f(idle)}; with 50 logins in flight: ${f(loaded)} (${logins} logins done)`,
    );
    results.add({
      name: 'relay-logins.idle_p99',
      value: percentile(idle, 99),
      unit: 'ms',
      goal: '<= 2',
    });
    results.add({
      name: 'relay-logins.50_logins_p99',
      value: percentile(loaded, 99),
      unit: 'ms',
      goal: '<= 2',
    });
    results.add({
      name: 'relay-logins.p99_ratio_loaded_vs_idle',
      value: percentile(loaded, 99) / percentile(idle, 99),
      unit: 'x',
      goal: '<= 1.5',
    });
  } finally {
    for (const c of clients) await c.close();
    agent.destroy();
    await hub.stop();
  }
}
