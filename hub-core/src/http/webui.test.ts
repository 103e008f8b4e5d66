import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpsJson, startJamHub, tempDir, type JamHub } from '../../../testkit/fixtures.js';
import { TestSocket } from '../../../testkit/wsclient.js';

/** Browser sessions (the HttpOnly cookie) and the web UI the hub serves at /. */
describe('web UI and cookie sessions', () => {
  let t: JamHub;
  const web = tempDir('backline-web-');
  const get = (path: string, headers: Record<string, string> = {}) =>
    httpsJson(`${t.url}${path}`, { ca: t.ca, headers });

  before(async () => {
    mkdirSync(join(web.path, 'assets'));
    writeFileSync(join(web.path, 'index.html'), '<!doctype html><title>Backline</title>');
    writeFileSync(join(web.path, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(web.path, 'favicon.svg'), '<svg/>');
    t = await startJamHub(['alice'], { config: { webRoot: web.path } });
  });
  after(async () => {
    await t.close();
    web.remove();
  });

  it('serves the app at /, /room/{id} and /patchbay/{id}, with a strict CSP', async () => {
    for (const path of ['/', '/room/abc-123', '/patchbay/abc-123']) {
      const r = await get(path);
      assert.equal(r.status, 200, path);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.match(r.text, /<title>Backline/);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe/);
      assert.equal(r.headers['cache-control'], 'no-cache');
    }
    // The API keeps its paths: GET /rooms is JSON, not the page.
    const rooms = await httpsJson(`${t.url}/rooms`, { ca: t.ca, token: t.tokens.alice });
    assert.ok(Array.isArray(rooms.body));
  });

  it('serves hashed assets for a year, and answers 304 to a matching ETag', async () => {
    const r = await get('/assets/index-abc123.js');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /javascript/);
    assert.match(String(r.headers['cache-control']), /immutable/);
    const again = await get('/assets/index-abc123.js', { 'if-none-match': String(r.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal((await get('/assets/nope.js')).status, 404);
    assert.equal((await get('/assets/../../etc/passwd')).status, 404);
  });

  it('login sets an HttpOnly SameSite=Strict Secure cookie that authenticates the API', async () => {
    const r = await httpsJson(`${t.url}/auth/login`, {
      method: 'POST',
      ca: t.ca,
      body: { username: 'alice', password: 'alice-password' },
    });
    assert.equal(r.status, 200);
    const cookie = String(r.headers['set-cookie']);
    assert.match(cookie, /^backline_session=[A-Za-z0-9_-]+;/);
    for (const attr of ['HttpOnly', 'SameSite=Strict', 'Secure', 'Path=/', 'Max-Age='])
      assert.ok(cookie.includes(attr), attr);
    const jar = cookie.split(';')[0]!;

    const me = await get('/auth/me', { cookie: jar });
    assert.equal(me.status, 200);
    assert.equal((me.body as { username: string }).username, 'alice');

    // A state change by cookie from the hub's own page works; from another origin it doesn't.
    const host = new URL(t.url).host;
    const create = (origin: string) =>
      httpsJson(`${t.url}/rooms`, {
        method: 'POST',
        ca: t.ca,
        body: { name: 'By cookie' },
        headers: { cookie: jar, origin },
      });
    assert.equal((await create(`https://${host}`)).status, 201);
    const foreign = await create('https://evil.example');
    assert.equal(foreign.status, 403);
    assert.equal((foreign.body as { error: { code: string } }).error.code, 'forbidden');

    // A garbled cookie is just no session.
    assert.equal((await get('/auth/me', { cookie: 'backline_session=%%%; x=1' })).status, 401);

    // The WebSocket takes the cookie from the hub's own origin, and refuses it cross-site.
    const ws = await TestSocket.open(`${t.url.replace('https', 'wss')}/ws`, t.ca, {
      cookie: jar,
      origin: `https://${host}`,
    });
    assert.equal((await ws.next((m) => m.type === 'hello')).type, 'hello');
    ws.ws.close();
    const evil = await TestSocket.open(`${t.url.replace('https', 'wss')}/ws`, t.ca, {
      cookie: jar,
      origin: 'https://evil.example',
    });
    assert.equal((await evil.closed).code, 4401);

    // Logout clears the cookie and ends the session.
    const out = await httpsJson(`${t.url}/auth/logout`, {
      method: 'POST',
      ca: t.ca,
      headers: { cookie: jar, origin: `https://${host}` },
    });
    assert.equal(out.status, 204);
    assert.match(String(out.headers['set-cookie']), /backline_session=; .*Max-Age=0/);
    assert.equal((await get('/auth/me', { cookie: jar })).status, 401);
  });
});

describe('web UI not built', () => {
  it('answers / with a 503 that says how to build it; the API still works', async () => {
    const t = await startJamHub(['bob'], { config: { webRoot: '/nonexistent/backline-ui' } });
    try {
      const r = await httpsJson(`${t.url}/`, { ca: t.ca });
      assert.equal(r.status, 503);
      assert.match(r.text, /npm run build:renderer/);
      const me = await httpsJson(`${t.url}/auth/me`, { ca: t.ca, token: t.tokens.bob });
      assert.equal(me.status, 200);
    } finally {
      await t.close();
    }
  });
});
