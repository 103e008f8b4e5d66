import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  APP_ROUTES,
  ROOM_ID_PATTERN,
  isAppPath,
  parseRoute,
  routePath,
  type Route,
} from './routes.js';

describe('the app’s routes', () => {
  it('reads a room and its patchbay from a path, and anything else as home', () => {
    assert.deepEqual(parseRoute('/room/abc-123'), { name: 'room', roomId: 'abc-123' });
    assert.deepEqual(parseRoute('/patchbay/abc/'), { name: 'patchbay', roomId: 'abc' });
    for (const path of [
      '/',
      '/room/',
      '/room/a/b',
      '/room/a%20b',
      `/room/${'a'.repeat(65)}`,
      '/x/a',
    ])
      assert.deepEqual(parseRoute(path), { name: 'home' }, path);
  });

  it('writes each route back to the path it was read from', () => {
    const routes: Route[] = [
      { name: 'home' },
      { name: 'room', roomId: 'r1' },
      { name: 'patchbay', roomId: 'r1' },
    ];
    for (const route of routes) assert.deepEqual(parseRoute(routePath(route)), route);
  });

  it('serves the page at one server path per route', () => {
    const asPath = (pattern: string) => pattern.replace(/:\w+/, 'r1');
    assert.deepEqual(
      APP_ROUTES.map((pattern) => parseRoute(asPath(pattern)).name),
      ['home', 'room', 'patchbay'],
    );
  });

  it('tells the app’s pages from every other path', () => {
    for (const path of ['/', '/room/r1', '/room/r1/', '/patchbay/r1'])
      assert.equal(isAppPath(path), true, path);
    for (const path of [
      '',
      '/x',
      '/room',
      '/room/',
      '/room/a.b',
      '/assets/app.js',
      '/patchbay/a/b',
    ])
      assert.equal(isAppPath(path), false, path);
  });

  it('accepts the room ids the hub makes, and nothing that could leave a path segment', () => {
    assert.equal(ROOM_ID_PATTERN.test('0f3a-B9'), true);
    for (const id of ['', 'a/b', 'a b', 'a.b', '..', 'a'.repeat(65)])
      assert.equal(ROOM_ID_PATTERN.test(id), false, id);
  });
});
