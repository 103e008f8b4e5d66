// `npm run relay-probe -- --hub URL --room ID --users N --seconds S`: N test users log in (or
// use --tokens), join the room, talk over the voice relay with synthetic 20 ms frames, and the
// probe prints sent, received, lost and late counts and the p50/p99 one-way delay.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parseArgs } from 'node:util';
import { RelayClient } from '../hub-core/src/index.js';
import { ROOM_ID_PATTERN } from '../protocol/rules.js';

const USAGE = `usage: npm run relay-probe -- --hub https://host:8000 --room <room id> [--users 2] [--seconds 10]
  [--tokens t1,t2,...]  bearer tokens to use instead of logging in test users
  [--prefix probe]      test users are <prefix>1..N, registered on first use
  [--password probe-password] [--passphrase <room passphrase>]
  [--ca hub-cert.pem | --insecure]   trust the hub's certificate, or skip the check`;

function fail(msg: string): never {
  console.error(`relay-probe: ${msg}\n${USAGE}`);
  process.exit(2);
}

const options = {
  hub: { type: 'string' },
  room: { type: 'string' },
  users: { type: 'string', default: '2' },
  seconds: { type: 'string', default: '10' },
  tokens: { type: 'string' },
  prefix: { type: 'string', default: 'probe' },
  password: { type: 'string', default: 'probe-password' },
  passphrase: { type: 'string' },
  ca: { type: 'string' },
  insecure: { type: 'boolean', default: false },
} as const;
function parse() {
  try {
    return parseArgs({ options }).values;
  } catch (err) {
    return fail((err as Error).message);
  }
}
const args = parse();
if (!args.hub || !/^https?:\/\/[^/]+\/?$/.test(args.hub))
  fail('--hub must be the hub URL, e.g. https://localhost:8000');
if (!args.room || !ROOM_ID_PATTERN.test(args.room)) fail('--room must be a room id');
const users = Number(args.users);
const seconds = Number(args.seconds);
if (!Number.isInteger(users) || users < 2 || users > 32) fail('--users must be 2 to 32');
if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
  fail('--seconds must be 0 to 3600');
const hub = args.hub.replace(/\/$/, '');
const roomId = args.room;
let ca: string | undefined;
try {
  ca = args.ca ? readFileSync(args.ca, 'utf8') : undefined;
} catch (err) {
  fail(`cannot read --ca: ${(err as Error).message}`);
}
const agent = new Agent({ ca, rejectUnauthorized: !args.insecure, keepAlive: true });

function call(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (payload) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const r = request(`${hub}${path}`, { method, agent, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let json: Record<string, unknown>;
        try {
          json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          json = { error: { message: text.slice(0, 200) } };
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    r.on('error', reject);
    r.end(payload);
  });
}

const errMsg = (j: Record<string, unknown>) =>
  ((j.error as { message?: string } | undefined)?.message ?? JSON.stringify(j)).slice(0, 200);

async function login(i: number): Promise<string> {
  const body = { username: `${args.prefix}${i}`, password: args.password };
  let r = await call('POST', '/auth/login', body);
  if (r.status === 401) r = await call('POST', '/auth/register', body);
  if (r.status >= 300) throw new Error(`${body.username}: ${r.status} ${errMsg(r.json)}`);
  return r.json.token as string;
}

const tokens = args.tokens
  ? args.tokens.split(',').filter(Boolean)
  : await Promise.all(Array.from({ length: users }, (_, i) => login(i + 1)));
if (tokens.length < 2) fail('need at least 2 tokens');
const url = new URL(hub);
const clients: RelayClient[] = [];
const delays: number[] = [];
let sent = 0;
let received = 0;
let late = 0;
const now = () => performance.timeOrigin + performance.now();
try {
  for (const token of tokens) {
    const j = await call(
      'POST',
      `/rooms/${roomId}/join`,
      args.passphrase ? { passphrase: args.passphrase } : {},
      token,
    );
    if (j.status >= 300) throw new Error(`join: ${j.status} ${errMsg(j.json)}`);
    const first = await call('POST', `/rooms/${roomId}/voice-token`, undefined, token);
    if (first.status >= 300) throw new Error(`voice token: ${first.status} ${errMsg(first.json)}`);
    const relay = first.json.relay as { host: string; port: number };
    const c = await RelayClient.connect({
      host: relay.host === 'localhost' ? '127.0.0.1' : relay.host || url.hostname,
      port: relay.port,
      channel: roomId,
      getToken: async () =>
        (await call('POST', `/rooms/${roomId}/voice-token`, undefined, token)).json.token as string,
    });
    c.on('audio', (f) => {
      received++;
      const d = now() - new DataView(f.opus.buffer, f.opus.byteOffset, 8).getFloat64(0);
      delays.push(d);
      if (d > 40) late++;
    });
    clients.push(c);
  }
  console.log(
    `relay-probe: ${clients.length} users in room ${roomId}, sending 50 frames/s each for ${seconds} s`,
  );
  const frame = new Uint8Array(80);
  const start = performance.now();
  for (let n = 0; performance.now() - start < seconds * 1000; n++) {
    for (const c of clients) {
      new DataView(frame.buffer).setFloat64(0, now());
      c.sendAudio(frame, n * 960);
      sent++;
    }
    const due = start + (n + 1) * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
  await new Promise((r) => setTimeout(r, 500));
} finally {
  for (const c of clients) await c.close();
  agent.destroy();
}
const expected = sent * (clients.length - 1);
delays.sort((a, b) => a - b);
const pct = (p: number) =>
  delays.length
    ? delays[Math.min(delays.length - 1, Math.ceil((p / 100) * delays.length) - 1)]!
    : NaN;
console.log(
  `sent ${sent} frames; received ${received} of ${expected}; lost ${expected - received} (${(((expected - received) / Math.max(1, expected)) * 100).toFixed(2)} %); ` +
    `late (> 40 ms) ${late}; one-way delay p50 ${pct(50).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms`,
);
