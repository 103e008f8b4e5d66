import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHub, type TestHub } from '../../../testkit/fixtures.js';

type Json = Record<string, unknown>;

describe('auth routes (in memory)', () => {
  let t: TestHub;
  before(async () => {
    t = await startHub({
      env: { SESSION_TTL_HOURS: '1' },
      authLimits: {
        loginPerIp: { limit: 1000, windowMs: 60_000 },
        loginFailuresPerUserIp: { limit: 3, windowMs: 60_000 },
        registerPerIp: { limit: 1000, windowMs: 60_000 },
      },
    });
  });
  after(() => t.close());

  const post = (url: string, payload: unknown, token?: string) =>
    t.hub.app.inject({
      method: 'POST',
      url,
      payload: payload as Json,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const get = (url: string, token?: string) =>
    t.hub.app.inject({
      method: 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('register, login, me, sessions, logout; the token is dead after logout', async () => {
    const reg = await post('/auth/register', {
      username: 'myuser',
      password: 'mypassword',
      email: 'me@example.org',
    });
    assert.equal(reg.statusCode, 201, reg.body);
    const r = reg.json<Json>();
    assert.match(r.token as string, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual((r.user as Json).username, 'myuser');
    assert.equal('password_hash' in (r.user as Json), false);

    const login = await post('/auth/login', { username: 'myuser', password: 'mypassword' });
    assert.equal(login.statusCode, 200);
    const token = login.json<Json>().token as string;
    assert.notEqual(token, r.token);

    const me = await get('/auth/me', token);
    assert.equal(me.statusCode, 200);
    assert.equal(me.json<Json>().username, 'myuser');
    assert.equal(me.json<Json>().email, 'me@example.org');

    const sessions = await get('/auth/sessions', token);
    const list = sessions.json<{ sessions: Json[] }>().sessions;
    assert.equal(list.length, 2);
    assert.equal(list.filter((s) => s.current).length, 1);

    // Sign out the registration's session from this one.
    const del = await t.hub.app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${r.session_id as string}`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(del.statusCode, 204);
    assert.equal((await get('/auth/me', r.token as string)).statusCode, 401);
    const again = await t.hub.app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${r.session_id as string}`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(again.statusCode, 404);

    assert.equal((await post('/auth/logout', undefined, token)).statusCode, 204);
    const after = await get('/auth/me', token);
    assert.equal(after.statusCode, 401);
    assert.equal(after.json<{ error: Json }>().error.code, 'unauthorized');
  });

  it('stores only a hash of the token', async () => {
    const res = await post('/auth/register', { username: 'hashcheck', password: 'longenough' });
    const token = res.json<Json>().token as string;
    const logs = t.logs();
    assert.equal(logs.includes(token), false, 'token in logs');
    assert.equal(logs.includes('longenough'), false, 'password in logs');
  });

  it('an expired token is refused', async () => {
    const res = await post('/auth/register', { username: 'expiring', password: 'longenough' });
    const token = res.json<Json>().token as string;
    assert.equal((await get('/auth/me', token)).statusCode, 200);
    t.clock.advance(3_600_000 + 1);
    const me = await get('/auth/me', token);
    assert.equal(me.statusCode, 401);
    assert.match(me.json<{ error: Json }>().error.message as string, /expired/);
  });

  it('a wrong password gets the same answer as an unknown user', async () => {
    await post('/auth/register', { username: 'carol', password: 'carol-password' });
    const wrong = await post('/auth/login', { username: 'carol', password: 'not-her-password' });
    const unknown = await post('/auth/login', {
      username: 'nobody-here',
      password: 'not-her-password',
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(wrong.json(), unknown.json());
  });

  it('failed logins per username hit the limit: 429 with Retry-After', async () => {
    await post('/auth/register', { username: 'dave', password: 'dave-password' });
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await post('/auth/login', { username: 'dave', password: 'wrong-password' })).statusCode,
        401,
      );
    }
    const limited = await post('/auth/login', { username: 'DAVE', password: 'dave-password' });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json<{ error: Json }>().error.code, 'rate_limited');
    const retry = Number(limited.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    t.clock.advance(61_000);
    assert.equal(
      (await post('/auth/login', { username: 'dave', password: 'dave-password' })).statusCode,
      200,
    );
  });

  it('refuses weak, overlong and malformed registrations with clear messages', async () => {
    const cases: [unknown, RegExp][] = [
      [{ username: 'eve', password: 'short' }, /at least 8 characters/],
      [{ username: 'eve', password: 'x'.repeat(73) }, /at most 72 bytes/],
      [{ username: 'eve', password: 'é'.repeat(37) }, /at most 72 bytes/], // 37 chars, 74 bytes
      [{ username: 'e', password: 'longenough' }, /username must be 3 to 32/],
      [{ username: '<script>', password: 'longenough' }, /username must be/],
      [{ username: 'eve', password: 'longenough', email: 'nope' }, /email/],
      [{ username: 'eve' }, /password/],
      [{ username: 42, password: 'longenough' }, /username/],
    ];
    for (const [payload, pattern] of cases) {
      const res = await post('/auth/register', payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      const err = res.json<{ error: Json }>().error;
      assert.equal(err.code, 'bad_request');
      assert.match(err.message as string, pattern, JSON.stringify(payload));
    }
  });

  it('a taken username is refused (any case) without saying who has it', async () => {
    await post('/auth/register', { username: 'frank', password: 'longenough' });
    const dup = await post('/auth/register', { username: 'FRANK', password: 'otherpassword' });
    assert.equal(dup.statusCode, 409);
    assert.equal(
      dup.json<{ error: Json }>().error.message,
      'This username is not available, choose another',
    );
  });

  it('maps transport-level errors: bad JSON, wrong type, too large, unknown route, bad session id', async () => {
    const badJson = await t.hub.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: '{"username":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json<{ error: Json }>().error.code, 'bad_request');

    const text = await t.hub.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: 'username=a',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.statusCode, 415);

    const huge = await post('/auth/register', { username: 'big', password: 'x'.repeat(100_000) });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json<{ error: Json }>().error.code, 'payload_too_large');

    const missing = await get('/nope');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ error: Json }>().error.code, 'not_found');

    const res = await post('/auth/register', { username: 'grace', password: 'longenough' });
    const token = res.json<Json>().token as string;
    const badId = await t.hub.app.inject({
      method: 'DELETE',
      url: '/auth/sessions/' + encodeURIComponent("' OR 1=1 --"),
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(badId.statusCode, 400);
    assert.equal((await get('/auth/me', 'Bearer garbage')).statusCode, 401);
    assert.equal((await get('/auth/me', 'x'.repeat(43))).statusCode, 401);
  });

  it('health and metrics need no auth and report version, uptime and counts; docs are served', async () => {
    const h = await get('/health');
    assert.equal(h.statusCode, 200);
    const body = h.json<Json>();
    assert.equal(body.status, 'ok');
    assert.match(body.version as string, /^\d+\.\d+\.\d+/);
    assert.equal(typeof body.uptime_seconds, 'number');
    assert.ok(((body.counts as Json).users as number) >= 1);
    assert.equal((body.tls as Json).fingerprint256, t.hub.fingerprint256);
    assert.equal(h.headers['x-content-type-options'], 'nosniff');
    assert.match(String(h.headers['content-security-policy']), /default-src 'none'/);
    assert.match(String(h.headers['strict-transport-security']), /max-age/);

    const spec = (await get('/docs/json')).json<{ paths: Record<string, unknown> }>();
    for (const p of [
      '/auth/register',
      '/auth/login',
      '/auth/logout',
      '/auth/me',
      '/auth/sessions',
      '/health',
    ]) {
      assert.ok(p in spec.paths, `${p} in OpenAPI`);
    }
    assert.equal((await get('/docs/')).statusCode, 200);
    const metrics = await get('/metrics');
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /^backline_users \d+$/m);
    assert.match(metrics.body, /^backline_info\{version="\d+\.\d+\.\d+"\} 1$/m);
  });
});
