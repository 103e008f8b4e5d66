// The hub's web UI in two real Chromium profiles (host and guest) against a real hub, with a
// real jacktrip client whose ports show up in the patchbay.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { startJamHub, type JamHub } from '../testkit/fixtures.js';
import { Procs, startJackTripClient } from '../testkit/jack.js';
import type { JackGraph } from '../protocol/api.js';
import { launch, person, seriousA11y, shot } from './browser.js';

const XSS_NAME = 'Jam <img src=x onerror="window.__pwned=1">';
const XSS_CHAT = '<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3"> riff?';

async function register(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Create account' }).first().click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${username}-password`);
  await page.getByRole('button', { name: 'Create account' }).last().click();
  await page.getByRole('heading', { name: 'Rooms' }).waitFor();
}

/** The jacktrip connection details, read off the room screen as a player would copy them. */
async function connectionDetails(page: Page): Promise<Record<string, string>> {
  const card = page.locator('section', { has: page.getByRole('heading', { name: 'Connection' }) });
  await card.locator('dl.details').waitFor();
  return card
    .locator('dl.details .detail')
    .evaluateAll((els) =>
      Object.fromEntries(
        els.map((el) => [
          el.querySelector('dt')!.textContent,
          el.querySelector('code')!.textContent,
        ]),
      ),
    );
}

async function graphOf(ctx: BrowserContext, url: string, roomId: string): Promise<JackGraph> {
  const r = await ctx.request.get(`${url}/jack/graph?room_id=${roomId}`);
  assert.equal(r.status(), 200);
  return (await r.json()) as JackGraph;
}

const has = (g: JackGraph, a: string, b: string) =>
  g.connections.some(([x, y]) => x === a && y === b);

async function centre(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).boundingBox();
  assert.ok(box, `${selector} is on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

describe('web UI e2e: two players, a private room, chat, the patchbay, a kick', () => {
  let hub: JamHub;
  let browser: Browser;
  const procs = new Procs();

  before(async () => {
    hub = await startJamHub([]);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await procs.stopAll();
    await hub?.close();
  });

  it('works end to end, renders script payloads as text, and passes an axe scan', async () => {
    const host = await person(browser);
    const guest = await person(browser);

    // Connect screen: accessible, then both register.
    await host.page.goto(hub.url);
    await host.page.getByLabel('Username').waitFor();
    assert.deepEqual(await seriousA11y(host.page), [], 'connect screen');
    await shot(host.page, '01-connect');
    await register(host.page, hub.url, 'hana');
    await register(guest.page, hub.url, 'gus');

    // The host creates a private room in manual patch mode; its name carries a script payload.
    await host.page.getByLabel('Name', { exact: true }).fill(XSS_NAME);
    await host.page.getByLabel('Passphrase (makes the room private)').fill('open sesame');
    await host.page.getByLabel('Who hears whom').selectOption('5');
    await host.page.getByRole('button', { name: 'Create room' }).click();
    await host.page.waitForURL(/\/room\/[A-Za-z0-9-]+$/);
    const roomId = new URL(host.page.url()).pathname.split('/').pop()!;
    await host.page.getByRole('heading', { name: XSS_NAME }).waitFor();

    // The guest sees it in the live list (it refreshes by itself) and joins with the passphrase.
    const row = guest.page.getByRole('row', { name: new RegExp('Jam <img') });
    await row.waitFor({ timeout: 15_000 });
    assert.deepEqual(await seriousA11y(guest.page), [], 'rooms screen');
    await shot(guest.page, '02-rooms');
    await row.getByRole('button', { name: /^Join/ }).click();
    const pass = guest.page.getByLabel(/^Passphrase for/);
    await pass.fill('wrong guess');
    await guest.page.getByRole('button', { name: 'Join', exact: true }).click();
    await guest.page
      .getByRole('alert')
      .filter({ hasText: /passphrase/i })
      .waitFor();
    await pass.fill('open sesame');
    await guest.page.getByRole('button', { name: 'Join', exact: true }).click();
    await guest.page.waitForURL(new RegExp(`/room/${roomId}$`));

    // Chat both ways, payloads included.
    const say = async (p: Page, text: string) => {
      await p.getByLabel('Chat message', { exact: true }).fill(text);
      await p.getByRole('button', { name: 'Send' }).click();
    };
    await say(host.page, 'Welcome, Gus!');
    await guest.page.getByTestId('chat-message').filter({ hasText: 'Welcome, Gus!' }).waitFor();
    await say(guest.page, XSS_CHAT);
    await host.page.getByTestId('chat-message').filter({ hasText: XSS_CHAT }).waitFor();
    await guest.page.getByTestId('chat-message').filter({ hasText: XSS_CHAT }).waitFor();
    for (const p of [host.page, guest.page]) {
      assert.equal(await p.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
      assert.equal(await p.locator('.messages img, h1 img').count(), 0, 'no markup from payloads');
    }
    await guest.page.getByTestId('participant').filter({ hasText: 'hana' }).waitFor();
    assert.deepEqual(await seriousA11y(guest.page), [], 'room screen (guest)');
    assert.deepEqual(await seriousA11y(host.page), [], 'room screen (host)');
    await shot(guest.page, '03-room-guest');
    await shot(host.page, '04-room-host');

    // The guest's real jacktrip client connects with the details the room screen shows.
    const d = await connectionDetails(guest.page);
    const jack = await procs.server('gus');
    const client = startJackTripClient(procs, jack.name, {
      host: d['Hub host']!,
      port: Number(d.Port),
      remoteName: d['Remote name']!,
      username: d.Username!,
      password: d.Password!,
    });
    assert.equal(await client.outcome, 'connected');
    await host.page
      .getByTestId('participant')
      .filter({ hasText: 'gus' })
      .getByRole('img', { name: 'audio connected', exact: true })
      .waitFor({ timeout: 20_000 });

    // The host records the room: the guest sees REC and who started it, then the recording.
    await host.page.getByRole('button', { name: 'Record', exact: true }).click();
    await guest.page
      .getByRole('status')
      .filter({ hasText: /^● REC$/ })
      .waitFor({ timeout: 10_000 });
    await guest.page.getByText('hana started recording this room').waitFor();
    await host.page.getByText(/^0:0[1-9] · /).waitFor({ timeout: 10_000 });
    await host.page.getByRole('button', { name: 'Stop recording' }).click();
    await guest.page
      .getByRole('status')
      .filter({ hasText: /^● REC$/ })
      .waitFor({ state: 'detached' });
    await guest.page.getByRole('link', { name: 'Download' }).waitFor({ timeout: 10_000 });
    await guest.page.getByTestId('room-banner').getByRole('button', { name: 'Dismiss' }).click();

    // The host opens the patchbay: the client's ports appear as handles.
    await host.page.getByRole('link', { name: 'Patchbay' }).click();
    await host.page.waitForURL(new RegExp(`/patchbay/${roomId}$`));
    const src = 'gus:receive_1';
    const dst = 'system:playback_1';
    const srcHandle = `.react-flow__handle[data-handleid="${src}"]`;
    const dstHandle = `.react-flow__handle[data-handleid="${dst}"]`;
    await host.page.locator(srcHandle).waitFor({ timeout: 20_000 });
    await host.page.locator(dstHandle).waitFor();
    const edge = host.page.getByTestId(`rf__edge-${src}=>${dst}`);
    assert.equal(await edge.count(), 0);
    assert.equal(has(await graphOf(host.ctx, hub.url, roomId), src, dst), false);

    // Drag output → input. The cord is drawn only once the hub reports JACK has it.
    const a = await centre(host.page, srcHandle);
    const b = await centre(host.page, dstHandle);
    await host.page.mouse.move(a.x, a.y);
    await host.page.mouse.down();
    await host.page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
    await host.page.mouse.move(b.x, b.y, { steps: 8 });
    await host.page.mouse.up();
    await edge.waitFor({ timeout: 10_000 });
    assert.equal(has(await graphOf(host.ctx, hub.url, roomId), src, dst), true, 'JACK has it');
    await shot(host.page, '05-patchbay-connected');

    // Select the cord and press Delete: it goes once JACK reports it gone.
    await edge.locator('.react-flow__edge-interaction').click({ force: true });
    await host.page.keyboard.press('Delete');
    await edge.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(has(await graphOf(host.ctx, hub.url, roomId), src, dst), false, 'JACK dropped it');
    await shot(host.page, '06-patchbay-disconnected');

    // Without a mouse: the side panel's selects and Connect button.
    await host.page.getByLabel('From (output)').selectOption('gus:receive_2');
    await host.page.getByLabel('To (input)').selectOption('system:playback_2');
    await host.page.getByRole('button', { name: 'Connect', exact: true }).click();
    await host.page.getByTestId('rf__edge-gus:receive_2=>system:playback_2').waitFor();
    assert.equal(
      has(await graphOf(host.ctx, hub.url, roomId), 'gus:receive_2', 'system:playback_2'),
      true,
    );

    // Kick: the guest is told, clearly.
    await host.page.getByRole('link', { name: '← Room' }).click();
    await host.page.getByRole('button', { name: 'Remove gus' }).click();
    const banner = guest.page.getByTestId('room-banner');
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /removed you/);
    await shot(guest.page, '07-kicked');
    await host.page
      .getByTestId('participant')
      .filter({ hasText: 'gus' })
      .waitFor({ state: 'detached' });

    assert.deepEqual(host.problems, [], 'host page: no errors, CSP refusals or alerts');
    assert.deepEqual(guest.problems, [], 'guest page: no errors, CSP refusals or alerts');
    await host.ctx.close();
    await guest.ctx.close();
  });
});
