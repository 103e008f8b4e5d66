// Talkback in the browser (issue L): two real Chromium profiles, members of one room on a real
// hub, each with voice on. The talker's microphone is Chromium's fake device; its Opus frames
// (WebCodecs) go over the hub's /ws/voice to the relay, which forwards them to the listener over
// its own /ws/voice. Counted where the listener decodes them. Then the two clear refusals: a
// browser without WebCodecs, and a microphone the browser refuses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from '@playwright/test';
import type { RoomDetail } from '../protocol/api.js';
import { startJamHub, type JamHub } from '../testkit/fixtures.js';
import { launch, person, shot } from './browser.js';

const FAKE_MIC = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const ROOM = 'Talkback';

async function signInToRoom(page: Page, hub: JamHub, user: string, roomId: string) {
  await page.goto(hub.url);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`${user}-password`);
  await page.getByRole('button', { name: 'Sign in' }).last().click();
  await page.getByRole('heading', { name: 'Rooms' }).waitFor();
  await page.goto(`${hub.url}/room/${roomId}`);
  await page.getByRole('heading', { name: 'Voice' }).waitFor();
}

async function voiceOn(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Turn voice on' }).click();
  await page.locator('[data-voice-state="live"]').waitFor({ timeout: 15_000 });
}

/** Frames the listener has decoded from `speaker` so far (the voice panel's row). */
const framesFrom = (page: Page, speaker: string) =>
  page
    .locator(`li[data-user="${speaker}"]`)
    .getAttribute('data-frames')
    .then((v) => Number(v ?? 0));

async function framesOver(page: Page, speaker: string, ms: number): Promise<number> {
  const a = await framesFrom(page, speaker);
  await page.waitForTimeout(ms);
  return (await framesFrom(page, speaker)) - a;
}

describe('talkback e2e: voice between two browsers over /ws/voice', () => {
  let hub: JamHub;
  let browser: Browser;
  let roomId: string;

  before(async () => {
    hub = await startJamHub(['hana', 'gus', 'ida', 'joe']);
    browser = await launch(FAKE_MIC);
    const room = await hub.ok<RoomDetail>('hana', 'POST', '/rooms', { name: ROOM });
    roomId = room.id;
    for (const u of ['hana', 'gus', 'ida', 'joe']) await hub.ok(u, 'POST', `/rooms/${roomId}/join`);
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('carries the fake microphone to the other player; mute stops it; the indicator lights', async (t) => {
    const talker = await person(browser);
    const listener = await person(browser);
    try {
      await signInToRoom(talker.page, hub, 'hana', roomId);
      await signInToRoom(listener.page, hub, 'gus', roomId);
      await voiceOn(listener.page);
      await voiceOn(talker.page);

      // Frames flow: the first arrive, then more than 40 in 1.5 s (20 ms Opus frames: ~75).
      await listener.page.waitForFunction(
        () =>
          Number(document.querySelector('li[data-user="hana"]')?.getAttribute('data-frames')) > 0,
        undefined,
        { timeout: 15_000 },
      );
      const live = await framesOver(listener.page, 'hana', 1500);
      t.diagnostic(`frames in 1.5 s: ${live} live`);
      assert.ok(live > 40, `${live} frames in 1.5 s`);

      // The speaking indicator lights up at the listener (the fake microphone beeps).
      await listener.page
        .locator('li[data-user="hana"][data-speaking="yes"]')
        .waitFor({ timeout: 10_000 });
      // The talker's own microphone meter moves.
      await talker.page.waitForFunction(
        () => Number(document.querySelector('meter')?.getAttribute('value') ?? 0) > 0,
        undefined,
        { timeout: 10_000 },
      );
      await shot(listener.page, 'talkback-listener');

      // Mute: once it settles, nothing arrives.
      await talker.page.getByRole('button', { name: 'Mute', exact: true }).click();
      await talker.page.getByRole('button', { name: 'Unmute' }).waitFor();
      await listener.page.waitForTimeout(500);
      const muted = await framesOver(listener.page, 'hana', 1500);
      t.diagnostic(`frames in 1.5 s: ${muted} muted`);
      assert.equal(muted, 0, `${muted} frames while muted`);
      await listener.page
        .locator('li[data-user="hana"] .badge', { hasText: 'Muted' })
        .waitFor({ timeout: 5000 });

      // Unmuted, frames flow again.
      await talker.page.getByRole('button', { name: 'Unmute' }).click();
      await listener.page.waitForTimeout(500);
      const again = await framesOver(listener.page, 'hana', 1500);
      assert.ok(again > 40, `${again} frames in 1.5 s after unmuting`);

      assert.deepEqual([...talker.problems, ...listener.problems], []);
    } finally {
      await talker.ctx.close();
      await listener.ctx.close();
    }
  });

  it('says so where WebCodecs is missing, without asking for the microphone', async () => {
    const p = await person(browser);
    try {
      await p.ctx.addInitScript(() => {
        const w = window as unknown as Record<string, unknown>;
        delete w.AudioEncoder;
        delete w.AudioDecoder;
      });
      await signInToRoom(p.page, hub, 'joe', roomId);
      const alert = p.page.locator('[data-voice-unsupported]');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /not supported in this browser.*WebCodecs/);
      assert.equal(await p.page.getByRole('button', { name: 'Turn voice on' }).count(), 0);
    } finally {
      await p.ctx.close();
    }
  });

  it('explains a refused microphone, and still listens', async () => {
    // A browser without the fake UI: nobody answers the permission prompt, so it is refused.
    const strict = await launch(['--use-fake-device-for-media-stream']);
    try {
      const p = await person(strict);
      await signInToRoom(p.page, hub, 'ida', roomId);
      await p.page.getByRole('button', { name: 'Turn voice on' }).click();
      const alert = p.page.getByRole('alert').filter({ hasText: 'Microphone' });
      await alert.waitFor({ timeout: 15_000 });
      assert.match((await alert.textContent()) ?? '', /refused.*Allow the microphone/);
      await p.page.locator('[data-voice-state="live"]').waitFor();
    } finally {
      await strict.close();
    }
  });
});
