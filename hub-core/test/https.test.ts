// The account flow over a real TLS socket on 127.0.0.1, verified against the hub's own cert.
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { httpsJson, startHub, type TestHub } from '../../testkit/fixtures.js';

type Json = Record<string, unknown>;

describe('accounts over HTTPS', () => {
  let t: TestHub;
  let url: string;
  let ca: string;
  before(async () => {
    t = await startHub({
      env: { SESSION_TTL_HOURS: '2' },
      authLimits: {
        loginPerIp: { limit: 6, windowMs: 60_000 },
        loginFailuresPerUserIp: { limit: 100, windowMs: 60_000 },
        registerPerIp: { limit: 100, windowMs: 60_000 },
      },
    });
    url = await t.hub.listen();
    ca = t.hub.certificate!.certPem;
  });
  after(() => t.close());

  it('presents the certificate whose fingerprint the hub reports', async () => {
    const fp = await new Promise<string>((resolve, reject) => {
      const { port } = new URL(url);
      const s = connect(
        { host: '127.0.0.1', port: Number(port), ca, servername: 'localhost' },
        () => {
          resolve(s.getPeerX509Certificate()!.fingerprint256);
          s.end();
        },
      );
      s.on('error', reject);
    });
    assert.equal(fp, t.hub.fingerprint256);
    const health = await httpsJson(`${url}/health`, { ca });
    assert.equal((health.body as { tls: Json }).tls.fingerprint256, fp);
  });

  it('register, login, me, logout, then 401; expired token 401; wrong password = unknown user', async () => {
    const reg = await httpsJson(`${url}/auth/register`, {
      method: 'POST',
      body: { username: 'myuser', password: 'mypassword' },
      ca,
    });
    assert.equal(reg.status, 201, reg.text);
    const login = await httpsJson(`${url}/auth/login`, {
      method: 'POST',
      body: { username: 'myuser', password: 'mypassword' },
      ca,
    });
    assert.equal(login.status, 200);
    const token = (login.body as Json).token as string;
    const me = await httpsJson(`${url}/auth/me`, { token, ca });
    assert.equal(me.status, 200);
    assert.equal((me.body as Json).username, 'myuser');
    assert.equal(
      (await httpsJson(`${url}/auth/logout`, { method: 'POST', token, ca })).status,
      204,
    );
    assert.equal((await httpsJson(`${url}/auth/me`, { token, ca })).status, 401);

    const regToken = (reg.body as Json).token as string;
    assert.equal((await httpsJson(`${url}/auth/me`, { token: regToken, ca })).status, 200);
    t.clock.advance(2 * 3_600_000);
    assert.equal((await httpsJson(`${url}/auth/me`, { token: regToken, ca })).status, 401);

    const wrong = await httpsJson(`${url}/auth/login`, {
      method: 'POST',
      body: { username: 'myuser', password: 'wrong-password' },
      ca,
    });
    const unknown = await httpsJson(`${url}/auth/login`, {
      method: 'POST',
      body: { username: 'ghost', password: 'wrong-password' },
      ca,
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.text, unknown.text);
  });

  it('rate-limits logins per IP with 429 and Retry-After', async () => {
    let limited: Awaited<ReturnType<typeof httpsJson>> | undefined;
    for (let i = 0; i < 8 && !limited; i++) {
      const res = await httpsJson(`${url}/auth/login`, {
        method: 'POST',
        body: { username: `nobody${i}`, password: 'whatever1' },
        ca,
      });
      if (res.status === 429) limited = res;
      else assert.equal(res.status, 401);
    }
    assert.ok(limited, 'expected a 429 within 8 attempts');
    assert.equal((limited.body as { error: Json }).error.code, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});
