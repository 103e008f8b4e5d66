// Sessions and their sockets against a real hub over HTTPS and WebSockets: single-use
// WebSocket tickets, logs without credentials, sockets that end with their session, the
// per-user socket cap, the Origin check, account removal and the database's file modes.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { RoomDetail } from '../../protocol/api.js';
import { httpsJson, startJamHub, type JamHub } from '../../testkit/fixtures.js';
import { alive } from '../../testkit/jack.js';
import { TestSocket } from '../../testkit/wsclient.js';

type Json = Record<string, unknown>;

/**
 * A raw WebSocket (any path, binary or JSON). `closed` resolves with how the hub closed it, or
 * rejects when it is still open after 15 s (a generous bound, only there to fail clearly).
 */
async function rawSocket(
  url: string,
  ca: string,
  headers?: Record<string, string>,
): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url, { ca, headers });
  const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${url.split('?')[0]} is still open`)), 15_000);
    ws.on('close', (code, reason) => {
      clearTimeout(t);
      resolve({ code, reason: reason.toString() });
    });
  });
  closed.catch(() => undefined); // awaited (or not) by the test
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return { ws, closed };
}

describe('sessions, tickets and sockets', () => {
  let t: JamHub;
  let wss: string;
  const open: WebSocket[] = [];

  const ticket = async (user: string) => {
    const r = await t.api(user, 'POST', '/auth/ws-ticket');
    assert.equal(r.status, 200, r.text);
    return r.body as { ticket: string; expires_at: string };
  };
  /** A request with a given bearer token (or none), headers and JSON body. */
  const fetchAs = (
    token: string | undefined,
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ) => {
    // Node sends a DELETE body only with an explicit length.
    const rawBody = body === undefined ? undefined : JSON.stringify(body);
    if (rawBody !== undefined) headers['content-length'] = String(Buffer.byteLength(rawBody));
    return httpsJson(`${t.url}${path}`, { method, token, ca: t.ca, headers, rawBody });
  };
  const removeAccount = (user: string, body: unknown) =>
    fetchAs(t.tokens[user], 'DELETE', '/auth/me', {}, body);
  const login = async (user: string) => {
    const r = await t.api(user, 'POST', '/auth/login', {
      username: user,
      password: `${user}-password`,
    });
    assert.equal(r.status, 200, r.text);
    return r.body as { token: string; session_id: string };
  };
  /** The three kinds of socket, opened as the session behind `token`. */
  const threeSockets = async (token: string) => {
    const s = await Promise.all(
      ['/ws', '/ws/patchbay', '/ws/voice'].map((p) =>
        rawSocket(`${wss}${p}`, t.ca, { authorization: `Bearer ${token}` }),
      ),
    );
    for (const x of s) open.push(x.ws);
    return s;
  };

  before(async () => {
    t = await startJamHub(['amy', 'bob', 'cyd', 'dot', 'eli'], {
      env: { SESSION_TTL_HOURS: '1', WS_MAX_PER_USER: '6' },
      authLimits: { registerPerIp: { limit: 100, windowMs: 60_000 } },
    });
    wss = t.url.replace('https:', 'wss:');
  });
  after(async () => {
    for (const ws of open) ws.terminate();
    const pids = t.hub.supervisor.pids;
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} left running`);
  });

  it('a WebSocket ticket opens one socket, once, within 30 s, on every WebSocket path', async () => {
    for (const path of ['/ws', '/ws/patchbay', '/ws/voice']) {
      const { ticket: tk, expires_at } = await ticket('amy');
      assert.match(tk, /^[A-Za-z0-9_-]{32}$/);
      const life = Date.parse(expires_at) - t.clock();
      assert.ok(life > 0 && life <= 30_000, `ticket lives ${life} ms`);
      const first = await rawSocket(`${wss}${path}?ticket=${tk}`, t.ca);
      open.push(first.ws);
      const again = await rawSocket(`${wss}${path}?ticket=${tk}`, t.ca);
      assert.equal((await again.closed).code, 4401, `${path}: a used ticket is refused`);
      // The first socket is still open and authenticated.
      assert.equal(first.ws.readyState, WebSocket.OPEN, path);
      first.ws.close();
    }
    const hello = await TestSocket.open(`${wss}/ws?ticket=${(await ticket('amy')).ticket}`, t.ca);
    assert.equal((await hello.next((m) => m.type === 'hello')).type, 'hello');
    hello.close();

    const stale = await ticket('amy');
    t.clock.advance(30_001);
    const late = await rawSocket(`${wss}/ws?ticket=${stale.ticket}`, t.ca);
    assert.equal((await late.closed).code, 4401, 'an expired ticket is refused');
    for (const bad of ['x'.repeat(32), 'not a ticket', '']) {
      const s = await rawSocket(`${wss}/ws?ticket=${encodeURIComponent(bad)}`, t.ca);
      assert.equal((await s.closed).code, 4401, `ticket ${JSON.stringify(bad)}`);
    }
    assert.equal((await t.api('nobody', 'POST', '/auth/ws-ticket')).status, 401);
  });

  it('logs carry neither tokens nor tickets, and log URLs without their query', async () => {
    const byToken = await TestSocket.open(`${wss}/ws/patchbay?token=${t.tokens.bob}`, t.ca);
    await byToken.next((m) => m.type === 'hello');
    byToken.close();
    await t.api('bob', 'GET', `/rooms?token=${t.tokens.bob}`);
    const secrets: [string, string][] = [['session token', t.tokens.bob!]];
    const check = () => {
      const logs = t.logs();
      for (const [name, secret] of secrets)
        assert.equal(logs.includes(secret), false, `${name} in the log`);
      const urls = logs
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { req?: { url?: string } }).req?.url)
        .filter((u): u is string => u !== undefined);
      assert.deepEqual(
        urls.filter((u) => /[?#]/.test(u)),
        [],
      );
      return urls;
    };
    check();

    const tk = (await ticket('bob')).ticket;
    const byTicket = await TestSocket.open(`${wss}/ws?ticket=${tk}`, t.ca);
    await byTicket.next((m) => m.type === 'hello');
    const voiceTk = (await ticket('bob')).ticket;
    const voice = await rawSocket(`${wss}/ws/voice?ticket=${voiceTk}&x=1`, t.ca);
    await t.api('bob', 'GET', `/rooms?ticket=${tk}`);
    byTicket.close();
    voice.ws.close();
    await voice.closed;
    secrets.push(['ticket', tk], ['voice ticket', voiceTk]);
    const urls = check();
    for (const p of ['/ws', '/ws/patchbay', '/ws/voice', '/rooms'])
      assert.ok(urls.includes(p), `${p} logged by its path: ${JSON.stringify(urls.slice(-8))}`);
  });

  it('logout, a revoke and expiry close every socket of that session (4401), and only those', async () => {
    const a = await login('cyd');
    const b = await login('cyd');
    const c = await login('cyd');
    const ofA = await threeSockets(a.token);
    const ofB = await threeSockets(b.token);
    assert.equal((await fetchAs(a.token, 'POST', '/auth/logout')).status, 204);
    for (const s of ofA) assert.deepEqual(await s.closed, { code: 4401, reason: 'signed out' });
    for (const s of ofB) assert.equal(s.ws.readyState, WebSocket.OPEN, 'other sessions stay');

    // Session c signs session b out.
    assert.equal((await fetchAs(c.token, 'DELETE', `/auth/sessions/${b.session_id}`)).status, 204);
    for (const s of ofB)
      assert.deepEqual(await s.closed, { code: 4401, reason: 'session revoked' });

    // Session c expires: its sockets close without anyone asking.
    const ofC = await threeSockets(c.token);
    t.clock.advance(3_600_000);
    for (const s of ofC)
      assert.deepEqual(await s.closed, { code: 4401, reason: 'session expired' });
    // Every other session of the hub expired too: log the test users in again.
    for (const u of ['amy', 'bob', 'cyd', 'dot', 'eli']) t.tokens[u] = (await login(u)).token;
  });

  it('a user holds at most WS_MAX_PER_USER sockets; the next is refused with 4429', async () => {
    const as = (user: string, path = '/ws') =>
      rawSocket(`${wss}${path}`, t.ca, { authorization: `Bearer ${t.tokens[user]}` });
    const held = [];
    for (let i = 0; i < 6; i++) {
      const s = await as('dot');
      open.push(s.ws);
      held.push(s);
    }
    const extra = await as('dot', '/ws/voice');
    open.push(extra.ws);
    const refused = await extra.closed;
    assert.equal(refused.code, 4429);
    assert.match(refused.reason, /too many connections/);
    // Other users are not affected, and a closed socket frees its place.
    const other = await as('eli');
    open.push(other.ws);
    held[0]!.ws.close();
    await held[0]!.closed;
    const again = await as('dot');
    open.push(again.ws);
    assert.equal(again.ws.readyState, WebSocket.OPEN);
    for (const s of [...held, other, again]) s.ws.close();
  });

  it('cookies count only from the hub’s own origin: scheme, host and port', async () => {
    const r = await t.api('amy', 'POST', '/auth/login', {
      username: 'amy',
      password: 'amy-password',
    });
    const jar = String(r.headers['set-cookie']).split(';')[0]!;
    const host = new URL(t.url).host;
    const post = (origin: string) =>
      fetchAs(undefined, 'POST', '/rooms', { cookie: jar, origin }, { name: 'by cookie' });
    assert.equal((await post(`https://${host}`)).status, 201);
    for (const origin of [`http://${host}`, `https://${host.replace(/:\d+$/, ':1')}`]) {
      assert.equal((await post(origin)).status, 403, origin);
      const s = await rawSocket(`${wss}/ws`, t.ca, { cookie: jar, origin });
      open.push(s.ws);
      assert.equal((await s.closed).code, 4401, origin);
    }
    const same = await TestSocket.open(`${wss}/ws`, t.ca, {
      cookie: jar,
      origin: `https://${host}`,
    });
    await same.next((m) => m.type === 'hello');
    same.close();
    const ticketByCookie = await fetchAs(undefined, 'POST', '/auth/ws-ticket', {
      cookie: jar,
      origin: `https://${host}`,
    });
    assert.equal(ticketByCookie.status, 200, 'the web UI gets its tickets by cookie');
    assert.equal(
      (
        await fetchAs(undefined, 'POST', '/auth/ws-ticket', {
          cookie: jar,
          origin: `http://${host}`,
        })
      ).status,
      403,
    );
  });

  it('DELETE /auth/me with the password: rooms close, memberships go, sockets close', async () => {
    const mine = await t.ok<RoomDetail>('eli', 'POST', '/rooms', { name: 'eli hosts' });
    const theirs = await t.ok<RoomDetail>('amy', 'POST', '/rooms', { name: 'amy hosts' });
    await t.ok('eli', 'POST', `/rooms/${theirs.id}/join`);
    const amyWatches = await TestSocket.open(`${wss}/ws`, t.ca, {
      authorization: `Bearer ${t.tokens.amy}`,
    });
    amyWatches.send({ type: 'subscribe', room_id: theirs.id });
    await amyWatches.next((m) => m.type === 'subscribed');
    const sockets = await threeSockets(t.tokens.eli!);

    const wrong = await removeAccount('eli', { password: 'not-the-password' });
    assert.equal(wrong.status, 403, wrong.text);
    assert.equal((wrong.body as { error: Json }).error.code, 'forbidden');
    assert.equal((await t.api('eli', 'GET', '/auth/me')).status, 200, 'still there');
    assert.equal((await removeAccount('eli', {})).status, 400);

    const mark = amyWatches.mark;
    const gone = await removeAccount('eli', { password: 'eli-password' });
    assert.equal(gone.status, 204, gone.text);
    for (const s of sockets)
      assert.deepEqual(await s.closed, { code: 4401, reason: 'account removed' });
    assert.equal((await t.api('eli', 'GET', '/auth/me')).status, 401);
    const relogin = await t.api('eli', 'POST', '/auth/login', {
      username: 'eli',
      password: 'eli-password',
    });
    assert.equal(relogin.status, 401);
    assert.equal((await t.api('amy', 'GET', `/rooms/${mine.id}`)).status, 404, 'hosted room gone');
    const left = await amyWatches.next(
      (m) => m.type === 'participants' && !JSON.stringify(m.members).includes('"eli"'),
      10_000,
      mark,
    );
    assert.ok(left);
    const room = await t.ok<RoomDetail>('amy', 'GET', `/rooms/${theirs.id}`);
    assert.equal(
      room.members.some((m) => m.username === 'eli'),
      false,
    );
    amyWatches.close();
  });

  it('hub.db and its -wal and -shm files are readable by their owner only', () => {
    for (const f of ['hub.db', 'hub.db-wal', 'hub.db-shm']) {
      const mode = statSync(join(t.dir, f)).mode & 0o777;
      assert.equal(mode.toString(8), '600', f);
    }
  });
});
