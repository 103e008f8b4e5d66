import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createStores } from '../src/app/stores.js';
import { desktopApi, type BacklineBridge } from '../../protocol/ipcClient.js';
import { createDesktopStore } from '../src/store/desktop.js';
import { createRoomStore } from '../src/store/room.js';
import { createRoomsStore } from '../src/store/rooms.js';
import { createSessionStore, type SessionStore } from '../src/store/session.js';
import { createVoiceStore } from '../src/store/voice.js';
import { HubClient } from '../src/transport/http.js';
import { WebPlatform } from '../src/platform/web.js';

type Answer = { status: number; body?: unknown; delayMs?: number };

/**
 * A stand-in hub on 127.0.0.1 that answers each path as the test says, and counts requests.
 * The WebSocket ticket is refused with 503, so a signed-in session's socket keeps retrying
 * (with its backoff timer) until it is closed: a store that forgets to close it keeps the
 * test process alive.
 */
async function fakeHub(routes: Record<string, Answer>) {
  const hits: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = `${req.method} ${req.url}`;
    hits.push(key);
    const a = routes[key] ?? { status: 404, body: { error: { code: 'nope', message: key } } };
    setTimeout(() => {
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    }, a.delayMs ?? 0);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    routes,
    hits,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const USER = { id: 1, username: 'alice', created_at: '2026-01-01T00:00:00Z' };
const NO_TICKET: Answer = { status: 503, body: { error: { code: 'busy', message: 'busy' } } };
const GONE: Answer = { status: 401, body: { error: { code: 'unauthorized', message: 'Sign in' } } };

/** The web platform, counting the sessions it is asked to forget. */
class CountingWeb extends WebPlatform {
  forgotten = 0;
  override forgetSession(): Promise<void> {
    this.forgotten++;
    return super.forgetSession();
  }
}

const listenersOf = (session: SessionStore) =>
  (session.getState().socket as unknown as { listeners: Set<unknown> }).listeners.size;

describe('store factories', () => {
  let hub: Awaited<ReturnType<typeof fakeHub>>;
  beforeEach(async () => {
    hub = await fakeHub({
      'GET /auth/me': { status: 200, body: USER },
      'POST /auth/ws-ticket': NO_TICKET,
      'POST /auth/logout': { status: 204 },
    });
  });
  afterEach(() => hub.close());

  it('session: started, it opens the hub that served the page; stopped, its socket closes', async () => {
    const session = createSessionStore({ platform: new WebPlatform(hub.origin) });
    assert.equal(session.getState().phase, 'restoring');
    session.start();
    await until(() => session.getState().phase === 'signed-in');
    assert.equal(session.getState().user?.username, 'alice');
    const socket = session.getState().socket!;
    await until(() => hub.hits.includes('POST /auth/ws-ticket'));
    session.stop();
    assert.equal(socket.status, 'closed');
    assert.equal(session.getState().phase, 'signed-out');
    assert.equal(session.getState().socket, null);
    await sleep(100); // a request already on its way when stop() came may still land
    const asked = hub.hits.length;
    await sleep(700); // past the socket's first backoff
    assert.equal(hub.hits.length, asked, 'nothing asks the hub once stopped');
  });

  it('session: a page no hub served starts signed out, without asking anyone', () => {
    const session = createSessionStore({ platform: new WebPlatform(undefined) });
    session.start();
    assert.equal(session.getState().phase, 'signed-out');
    session.stop();
    assert.deepEqual(hub.hits, []);
  });

  it('session: an answer that comes after stop() opens nothing', async () => {
    hub.routes['GET /auth/me'] = { status: 200, body: USER, delayMs: 200 };
    const session = createSessionStore({ platform: new WebPlatform(hub.origin) });
    session.start();
    await until(() => hub.hits.includes('GET /auth/me'));
    session.stop();
    await sleep(300);
    assert.equal(session.getState().socket, null);
    assert.notEqual(session.getState().phase, 'signed-in');
  });

  it('the HTTP client reports "unauthorized" once, however many requests get a 401', async () => {
    hub.routes['GET /rooms'] = GONE;
    let reported = 0;
    const client = new HubClient(
      hub.origin,
      { kind: 'cookie' },
      { onUnauthorized: () => reported++ },
    );
    for (let i = 0; i < 3; i++)
      await assert.rejects(client.request('GET', '/rooms'), { status: 401 });
    assert.equal(reported, 1);
  });

  it('a 401 on any request ends the session once, without the store that made it handling it', async () => {
    const platform = new CountingWeb(hub.origin);
    const session = createSessionStore({ platform });
    const rooms = createRoomsStore({ session });
    const room = createRoomStore({ session });
    session.start();
    rooms.start();
    room.start();
    await until(() => session.getState().phase === 'signed-in');
    hub.routes['GET /rooms'] = GONE;
    hub.routes['GET /rooms/r1'] = GONE;
    await Promise.all([rooms.getState().refresh(), room.getState().open('r1')]);
    assert.equal(session.getState().phase, 'signed-out');
    assert.equal(session.getState().error, 'Your session ended. Sign in again.');
    assert.equal(session.getState().socket, null);
    assert.equal(platform.forgotten, 1);
    assert.equal(rooms.getState().error, 'Sign in');
    room.stop();
    rooms.stop();
    session.stop();
  });

  it('room: follows the room on the session’s socket while open; stopped, it stops listening', async () => {
    hub.routes['GET /rooms/r1'] = {
      status: 200,
      body: { id: 'r1', name: 'Jam', you: { member: true, host: false }, members: [] },
    };
    const session = createSessionStore({ platform: new WebPlatform(hub.origin) });
    const room = createRoomStore({ session });
    session.start();
    room.start();
    await until(() => session.getState().phase === 'signed-in');
    const base = listenersOf(session);
    await room.getState().open('r1');
    assert.equal(room.getState().view?.detail?.name, 'Jam');
    assert.equal(room.getState().view?.error, null);
    assert.equal(listenersOf(session), base + 1);
    await room.getState().open('r1'); // again: still one listener
    assert.equal(listenersOf(session), base + 1);
    room.stop();
    assert.equal(listenersOf(session), base);
    assert.equal(room.getState().view, null);
    session.stop();
  });

  it('rooms: stopped, an answer still on its way is dropped', async () => {
    hub.routes['GET /rooms'] = { status: 200, body: [{ id: 'r1' }], delayMs: 150 };
    const session = createSessionStore({ platform: new WebPlatform(hub.origin) });
    const rooms = createRoomsStore({ session });
    session.start();
    rooms.start();
    await until(() => session.getState().phase === 'signed-in');
    const pending = rooms.getState().refresh();
    rooms.stop();
    await pending;
    assert.deepEqual(rooms.getState().rooms, []);
    rooms.start();
    await rooms.getState().refresh();
    assert.equal(rooms.getState().rooms.length, 1);
    rooms.stop();
    session.stop();
  });

  it('voice: in a browser signed in nowhere, joining fails and says why; stop is safe twice', async () => {
    const voice = createVoiceStore({ platform: new WebPlatform(hub.origin), hub: () => null });
    voice.start();
    await voice.getState().join(hub.origin, 'r1');
    assert.equal(voice.getState().active, false);
    assert.match(voice.getState().error ?? '', /Voice could not start: not signed in/);
    voice.stop();
    voice.stop();
    assert.equal(voice.getState().active, false);
  });

  it('desktop: started, it follows main’s pushes; stopped, it follows none', async () => {
    const listeners = new Map<string, Set<(p: unknown) => void>>();
    const preload = {
      kind: 'desktop',
      invoke: (channel: string) =>
        Promise.resolve({
          ok: true,
          value: channel === 'hubs.list' ? { hubs: [], recent_rooms: [] } : { state: 'stopped' },
        }),
      on(channel: string, cb: (p: unknown) => void) {
        const set = listeners.get(channel) ?? new Set();
        listeners.set(channel, set.add(cb));
        return () => void set.delete(cb);
      },
    } as unknown as BacklineBridge;
    const bridge = desktopApi(preload, { addEventListener() {} });
    const session = createSessionStore({ platform: new WebPlatform(undefined) });
    const desktop = createDesktopStore({ bridge, session, navigate: () => {} });
    const count = () => [...listeners.values()].reduce((n, set) => n + set.size, 0);
    desktop.start();
    assert.equal(count(), 5);
    for (const cb of listeners.get('host.status')!) cb({ state: 'running', upnp: true });
    assert.equal(desktop.getState().host.state, 'running');
    desktop.stop();
    assert.equal(count(), 0);
    await sleep(10); // the start's status answers, arriving after stop(), change nothing
    assert.equal(desktop.getState().host.state, 'running');

    const idle = createDesktopStore({ bridge: undefined, session, navigate: () => {} });
    idle.start();
    idle.stop();
    assert.equal(idle.getState().host.state, 'stopped');
  });

  it('the composition starts every store and stops them all, leaving nothing running', async () => {
    const stores = createStores(new WebPlatform(hub.origin));
    stores.start();
    await until(() => stores.session.getState().phase === 'signed-in');
    await stores.rooms.getState().refresh();
    await until(() => hub.hits.includes('POST /auth/ws-ticket'));
    stores.stop();
    assert.equal(stores.session.getState().socket, null);
    assert.equal(stores.room.getState().view, null);
    await sleep(100); // a request already on its way when stop() came may still land
    const asked = hub.hits.length;
    await sleep(700);
    assert.equal(hub.hits.length, asked);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}
