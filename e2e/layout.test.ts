// The web UI from a phone to a wide screen (issue L): every page at 390 × 844, 768 × 1024 and
// 1440 × 900 in real Chromium against a real hub whose room has a real jacktrip client. No page
// scrolls sideways; the header folds into a menu; a patch is made and removed by taps at phone
// size and confirmed by the room's JACK graph; the connect panel works by keyboard alone; axe
// finds nothing serious at phone size.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { JackGraph, JoinAnswer, RoomDetail } from '../protocol/api.js';
import { startJamHub, type JamHub } from '../testkit/fixtures.js';
import { Procs, startJackTripClient } from '../testkit/jack.js';
import { launch, seriousA11y, shot } from './browser.js';

// The three the issue names, then both ends of the range the layout supports.
const SIZES = [
  { width: 390, height: 844, phone: true },
  { width: 768, height: 1024, phone: false },
  { width: 1440, height: 900, phone: false },
  { width: 360, height: 740, phone: true },
  { width: 2560, height: 1440, phone: false },
] as const;
type Size = (typeof SIZES)[number];

const SRC = 'gus:receive_1';
const DST = 'system:playback_1';
const handle = (port: string) => `.react-flow__handle[data-handleid="${port}"]`;

async function open(browser: Browser, size: Size) {
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: size.width, height: size.height },
    // A phone: the page's meta viewport applies, and taps are touches.
    ...(size.phone ? { isMobile: true, hasTouch: true } : {}),
  });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  return { ctx, page, problems };
}

/** Nothing wider than the viewport as set (not innerWidth, which grows with the content). */
async function assertNoSideScroll(page: Page, size: Size, what: string): Promise<void> {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= size.width, `${what} at ${size.width} px is ${wide} px wide`);
}

async function graphOf(ctx: BrowserContext, url: string, roomId: string): Promise<JackGraph> {
  const r = await ctx.request.get(`${url}/jack/graph?room_id=${roomId}`);
  assert.equal(r.status(), 200);
  return (await r.json()) as JackGraph;
}
const has = (g: JackGraph, a: string, b: string) =>
  g.connections.some(([x, y]) => x === a && y === b);

/** Tab (forwards) until the focused element has this accessible name; fails after 80 presses. */
async function tabTo(page: Page, name: RegExp): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const here = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return '';
      const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null;
      return el.getAttribute('aria-label') ?? label ?? el.textContent ?? '';
    });
    if (name.test(here)) return;
  }
  assert.fail(`no focusable element named ${name} by Tab`);
}

/** Chooses an option in the focused <select> with arrow keys only. */
async function arrowSelect(page: Page, value: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if ((await page.evaluate(() => (document.activeElement as HTMLSelectElement).value)) === value)
      return;
    await page.keyboard.press('ArrowDown');
  }
  assert.fail(`${value} not reached with the arrow keys`);
}

describe('layout e2e: phone, tablet and desktop sizes, touch patching, keyboard, axe', () => {
  let hub: JamHub;
  let browser: Browser;
  let roomId: string;
  const procs = new Procs();

  before(async () => {
    hub = await startJamHub(['hana', 'gus']);
    browser = await launch();
    // A room hosted by hana (manual patching), with a long name, and gus's real jacktrip in it.
    const room = await hub.ok<RoomDetail>('hana', 'POST', '/rooms', {
      name: 'Thursday rehearsal at the old boathouse',
      patch_mode: 5,
    });
    roomId = room.id;
    await hub.ok('hana', 'POST', `/rooms/${roomId}/join`);
    const join = await hub.ok<JoinAnswer>('gus', 'POST', `/rooms/${roomId}/join`);
    await hub.ok('gus', 'POST', `/rooms/${roomId}/chat`, {
      body: 'Running ten minutes late, start without me and I will patch in from the car park.',
    });
    const jack = await procs.server('gus');
    const client = startJackTripClient(procs, jack.name, {
      host: join.jacktrip.host,
      port: join.jacktrip.port,
      remoteName: join.jacktrip.remote_name,
      username: join.jacktrip.username,
      password: join.jacktrip.password,
    });
    assert.equal(await client.outcome, 'connected');
  });
  after(async () => {
    await browser?.close();
    await procs.stopAll();
    await hub?.close();
  });

  for (const size of SIZES) {
    it(`connect, rooms, room and patchbay fit ${size.width} × ${size.height}`, async () => {
      const { ctx, page, problems } = await open(browser, size);
      const tag = `layout-${size.width}`;
      const check = async (what: string) => {
        await shot(page, `${tag}-${what}`);
        await assertNoSideScroll(page, size, what);
        if (size.phone) assert.deepEqual(await seriousA11y(page), [], `axe: ${what}`);
      };

      await page.goto(hub.url);
      await page.getByLabel('Username').waitFor();
      await check('connect');
      await page.getByLabel('Username').fill('hana');
      await page.getByLabel('Password').fill('hana-password');
      await page.getByRole('button', { name: 'Sign in' }).last().click();
      await page.getByRole('heading', { name: 'Rooms' }).waitFor();
      const name = page.getByRole('link', { name: 'Thursday rehearsal at the old boathouse' });
      await name.waitFor();
      const nameBox = (await name.boundingBox())!;
      assert.ok(nameBox.width >= 150, `the room's name gets ${nameBox.width} px`);
      await check('rooms');

      // The header folds into a menu on a phone; Sign out is inside it, on the screen.
      const menu = page.getByRole('button', { name: 'Menu' });
      const signOut = page.getByRole('button', { name: 'Sign out' });
      if (size.phone) {
        assert.equal(await signOut.isVisible(), false, 'folded away');
        await menu.click();
        assert.equal(await menu.getAttribute('aria-expanded'), 'true');
        await signOut.waitFor();
        await assertNoSideScroll(page, size, 'rooms, menu open');
        await shot(page, `${tag}-menu`);
        await signOut.focus();
        await page.keyboard.press('Escape');
        assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'Escape folds it');
      } else assert.equal(await menu.isVisible(), false, 'no menu on a wide screen');
      const box = (await (size.phone ? menu : signOut).boundingBox())!;
      assert.ok(box.x + box.width <= size.width, 'the header ends on the screen');

      await page.goto(`${hub.url}/room/${roomId}`);
      await page.getByTestId('chat-message').first().waitFor();
      await page.getByRole('button', { name: 'Get connection details' }).click();
      await page.getByTestId('jacktrip-command').waitFor();
      const input = page.getByLabel('Chat message', { exact: true });
      const chatBox = (await input.boundingBox())!;
      assert.ok(chatBox.width >= Math.min(200, size.width / 3), `chat input ${chatBox.width} px`);
      if (size.phone) {
        // One column: the chat takes the width; host controls stay reachable.
        const chat = (await page.locator('.chat').boundingBox())!;
        assert.ok(chat.width >= size.width - 40, `the chat is ${chat.width} px wide`);
        await page.getByRole('button', { name: 'Close room' }).scrollIntoViewIfNeeded();
        const close = (await page.getByRole('button', { name: 'Close room' }).boundingBox())!;
        assert.ok(close.x >= 0 && close.x + close.width <= size.width, 'Close room on screen');
        await input.fill('On my way');
        await page.getByRole('button', { name: 'Send' }).click();
        await page.getByTestId('chat-message').filter({ hasText: 'On my way' }).last().waitFor();
      }
      await check('room');

      await page.goto(`${hub.url}/patchbay/${roomId}`);
      await page.locator(handle(SRC)).waitFor({ timeout: 20_000 });
      await page.locator(handle(DST)).waitFor();
      const minimap = page.locator('.react-flow__minimap');
      assert.equal(await minimap.isVisible(), !size.phone, 'the minimap only where it fits');
      if (size.phone) {
        const canvas = (await page.getByTestId('patchbay-canvas').boundingBox())!;
        assert.ok(canvas.width >= size.width - 2, `the canvas is ${canvas.width} px wide`);
        assert.ok(canvas.height >= 400, `the canvas is ${canvas.height} px high`);
      }
      await check('patchbay');
      if (size.phone) {
        await page.getByRole('button', { name: /^Connect and cords/ }).click();
        await page.getByLabel('From (output)').waitFor();
        await assertNoSideScroll(page, size, 'patchbay, sheet open');
        await shot(page, `${tag}-patchbay-sheet`);
      }

      assert.deepEqual(problems, [], 'no errors or CSP refusals');
      await ctx.close();
    });
  }

  it('patches by touch at 390 px: tap an output, then an input; tap the cord to remove it', async () => {
    const size = SIZES[0];
    const { ctx, page, problems } = await open(browser, size);
    await page.goto(hub.url);
    await page.getByLabel('Username').fill('hana');
    await page.getByLabel('Password').fill('hana-password');
    await page.getByRole('button', { name: 'Sign in' }).last().tap();
    await page.getByRole('heading', { name: 'Rooms' }).waitFor();
    await page.goto(`${hub.url}/patchbay/${roomId}`);
    await page.locator(handle(SRC)).waitFor({ timeout: 20_000 });
    const edge = page.getByTestId(`rf__edge-${SRC}=>${DST}`);
    assert.equal(has(await graphOf(ctx, hub.url, roomId), SRC, DST), false);

    await page.locator(handle(SRC)).tap();
    await page.locator(handle(DST)).tap();
    await edge.waitFor({ timeout: 10_000 });
    assert.equal(has(await graphOf(ctx, hub.url, roomId), SRC, DST), true, 'JACK has it');
    await shot(page, 'layout-390-patchbay-tapped');

    await edge.locator('.react-flow__edge-interaction').tap({ force: true });
    await page.getByRole('button', { name: 'Disconnect cord' }).tap();
    await edge.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(has(await graphOf(ctx, hub.url, roomId), SRC, DST), false, 'JACK dropped it');

    // Two fingers spread apart zoom in; one finger dragged pans. Raw touch events, as a phone
    // sends them; the canvas's transform follows.
    const transform = () =>
      page.locator('.react-flow__viewport').evaluate((el) => (el as HTMLElement).style.transform);
    const scaleOf = (t: string) => Number(/scale\(([\d.]+)\)/.exec(t)?.[1]);
    const canvas = (await page.getByTestId('patchbay-canvas').boundingBox())!;
    const cx = canvas.x + canvas.width / 2;
    const cy = canvas.y + canvas.height - 80;
    const cdp = await ctx.newCDPSession(page);
    const touch = (
      type: 'touchStart' | 'touchMove' | 'touchEnd',
      points: { x: number; y: number; id: number }[],
    ) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
    const fingers = (d: number) => [
      { x: cx - d, y: cy, id: 1 },
      { x: cx + d, y: cy, id: 2 },
    ];
    const before = await transform();
    await touch('touchStart', fingers(30));
    for (let d = 40; d <= 120; d += 10) await touch('touchMove', fingers(d));
    await touch('touchEnd', []);
    const zoomed = await transform();
    assert.ok(scaleOf(zoomed) > scaleOf(before) * 1.5, `pinch: ${before} → ${zoomed}`);
    await touch('touchStart', [{ x: cx, y: cy, id: 1 }]);
    for (let i = 1; i <= 8; i++)
      await touch('touchMove', [{ x: cx + 10 * i, y: cy - 5 * i, id: 1 }]);
    await touch('touchEnd', []);
    const panned = await transform();
    assert.notEqual(panned, zoomed, 'pan moves the canvas');
    assert.equal(scaleOf(panned), scaleOf(zoomed), 'a pan keeps the zoom');
    await cdp.detach();

    assert.deepEqual(problems, [], 'no errors');
    await ctx.close();
  });

  it('drives the connect panel by keyboard alone at 390 px', async () => {
    const size = SIZES[0];
    const { ctx, page, problems } = await open(browser, size);
    await page.goto(hub.url);
    await page.getByLabel('Username').fill('hana');
    await page.getByLabel('Password').fill('hana-password');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Rooms' }).waitFor();
    await page.goto(`${hub.url}/patchbay/${roomId}`);
    await page.locator(handle(SRC)).waitFor({ timeout: 20_000 });

    await tabTo(page, /^Connect and cords/);
    await page.keyboard.press('Enter');
    await tabTo(page, /^From \(output\)$/);
    await arrowSelect(page, SRC);
    await tabTo(page, /^To \(input\)$/);
    await arrowSelect(page, DST);
    await tabTo(page, /^Connect$/);
    await page.keyboard.press('Enter');
    await page.getByTestId(`rf__edge-${SRC}=>${DST}`).waitFor({ timeout: 10_000 });
    assert.equal(has(await graphOf(ctx, hub.url, roomId), SRC, DST), true, 'JACK has it');

    await tabTo(page, new RegExp(`^Disconnect ${SRC} from ${DST}$`));
    await page.keyboard.press('Enter');
    await page
      .getByTestId(`rf__edge-${SRC}=>${DST}`)
      .waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(has(await graphOf(ctx, hub.url, roomId), SRC, DST), false, 'JACK dropped it');

    assert.deepEqual(problems, [], 'no errors');
    await ctx.close();
  });
});
