// The web UI's WebSocket in real Chromium against a real hub: opened with a single-use ticket
// (never a session token in a URL), and closed by the hub when the session is signed out
// elsewhere, after which the page is back at its sign-in screen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '@playwright/test';
import { httpsJson, startJamHub, type JamHub } from '../testkit/fixtures.js';
import { launch, person, shot } from './browser.js';

describe('web UI session and its WebSocket', () => {
  let hub: JamHub;
  let browser: Browser;

  before(async () => {
    hub = await startJamHub(['tess']);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('opens /ws with a ticket, and leaves the room list when the session is revoked elsewhere', async () => {
    const { page, problems } = await person(browser);
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(hub.url);
    await page.getByLabel('Username').fill('tess');
    await page.getByLabel('Password').fill('tess-password');
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('heading', { name: 'Rooms' }).waitFor();
    for (let i = 0; i < 100 && sockets.length === 0; i++) await page.waitForTimeout(100);
    assert.equal(sockets.length, 1, JSON.stringify(sockets));
    const url = new URL(sockets[0]!);
    assert.equal(url.pathname, '/ws');
    assert.match(url.searchParams.get('ticket') ?? '', /^[A-Za-z0-9_-]{32}$/);
    assert.equal(url.searchParams.has('token'), false);

    // Another device signs the browser's session out.
    const list = await hub.api('tess', 'GET', '/auth/sessions');
    const browserSession = (list.body as { sessions: { id: string; current: boolean }[] }).sessions
      .filter((s) => !s.current)
      .at(0);
    assert.ok(browserSession, list.text);
    const revoke = await httpsJson(`${hub.url}/auth/sessions/${browserSession.id}`, {
      method: 'DELETE',
      token: hub.tokens.tess,
      ca: hub.ca,
    });
    assert.equal(revoke.status, 204);
    await page.getByText('Your session ended. Sign in again.').waitFor({ timeout: 15_000 });
    await page.getByLabel('Username').waitFor();
    await shot(page, 'session-ended');
    assert.deepEqual(problems, []);
  });
});
