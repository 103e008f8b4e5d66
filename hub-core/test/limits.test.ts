// Login limits and the password-hashing queue under parallel load: 20 requests at a time over
// real HTTPS to a real hub (one bcrypt thread, cost 12).
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { startJamHub, type JamHub, type JsonResponse } from '../../testkit/fixtures.js';

type Json = Record<string, unknown>;

describe('login limits and the hashing queue under parallel requests', () => {
  let t: JamHub;

  /** POST JSON from a chosen local address (127.0.0.x), so the hub sees another client IP. */
  const postFrom = (from: string, path: string, body: unknown): Promise<JsonResponse> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = httpsRequest(
        `${t.url}${path}`,
        {
          method: 'POST',
          ca: t.ca,
          agent: false,
          localAddress: from,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: JSON.parse(text),
              text,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const login = (from: string, username: string, password: string) =>
    postFrom(from, '/auth/login', { username, password });
  const codeOf = (r: JsonResponse) => (r.body as { error?: Json }).error?.code;

  before(async () => {
    t = await startJamHub(['victim', 'host', 'bystander'], {
      authLimits: {
        loginPerIp: { limit: 1000, windowMs: 10 * 60_000 },
        registerPerIp: { limit: 100, windowMs: 60_000 },
      },
      passwordQueue: { maxPerKey: 2 },
      // The burst below is about the hashing queue, not the room-creation limits.
      env: { ROOM_CREATIONS_PER_USER: '1000', OPEN_ROOMS_PER_USER: '1000' },
    });
  });
  after(() => t.close());

  it('20 parallel wrong logins: at most 10 are checked (401), the rest 429; the lock is per user and IP', async () => {
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login('127.0.0.1', 'victim', `wrong-password-${i}`)),
    );
    const checked = burst.filter((r) => r.status === 401).length;
    for (const r of burst) {
      assert.ok(r.status === 401 || r.status === 429, `${r.status} ${r.text}`);
      if (r.status === 429) {
        assert.equal(codeOf(r), 'rate_limited');
        assert.ok(Number(r.headers['retry-after']) >= 1, r.text);
      }
    }
    assert.ok(checked >= 1 && checked <= 10, `${checked} of 20 parallel attempts were checked`);

    // More attempts, one after another, until the lock: exactly 10 wrong passwords in all.
    let total = checked;
    let last: JsonResponse | undefined;
    for (let i = 0; i < 20; i++) {
      last = await login('127.0.0.1', 'victim', `wrong-again-${i}`);
      if (last.status !== 401) break;
      total++;
    }
    assert.equal(total, 10, 'failed attempts that got a bcrypt check');
    assert.equal(last?.status, 429, last?.text);
    assert.equal((await login('127.0.0.1', 'victim', 'victim-password')).status, 429);

    // The owner, from anywhere else, still gets in: a stranger can't lock the account out.
    const owner = await login('127.0.0.2', 'victim', 'victim-password');
    assert.equal(owner.status, 200, owner.text);
    // And the stranger's lock covers this account only.
    assert.equal((await login('127.0.0.1', 'bystander', 'bystander-password')).status, 200);
  });

  it('a full hashing share answers 503 with Retry-After at once; another user’s login still goes through', async () => {
    const create = (i: number) =>
      t.api('host', 'POST', '/rooms', { name: `room ${i}`, passphrase: `pass phrase ${i}` });
    const [other, rooms] = await Promise.all([
      login('127.0.0.3', 'bystander', 'bystander-password'),
      Promise.all(Array.from({ length: 20 }, (_, i) => create(i))),
    ]);
    const busy = rooms.filter((r) => r.status === 503);
    const made = rooms.filter((r) => r.status === 201);
    assert.ok(busy.length >= 1, `statuses ${rooms.map((r) => r.status).join(' ')}`);
    assert.ok(made.length >= 1, `statuses ${rooms.map((r) => r.status).join(' ')}`);
    for (const r of rooms) assert.ok([201, 429, 503].includes(r.status), `${r.status} ${r.text}`);
    for (const r of busy) {
      assert.equal(codeOf(r), 'unavailable');
      assert.match((r.body as { error: Json }).error.message as string, /busy/);
      assert.ok(Number(r.headers['retry-after']) >= 1, JSON.stringify(r.headers));
    }
    assert.equal(other.status, 200, other.text);
    // Nothing was lost: after the burst, the same request succeeds.
    assert.equal((await create(99)).status, 201);
  });
});
