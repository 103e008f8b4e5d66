// Talkback in the browser (issue L): two real Chromium profiles, members of one room on a real
// hub, each with voice on. The talker's microphone is Chromium's fake device; its Opus frames
// (WebCodecs) go over the hub's /ws/voice to the relay, which forwards them to the listener over
// its own /ws/voice. Counted where the listener decodes them. Then a browser and hub-core's UDP
// RelayClient (what the desktop app's main process uses) in the same relay channel, both ways,
// and the browser host's server-mute; then the two clear refusals: a browser without
// WebCodecs, and a microphone the browser refuses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from '@playwright/test';
import { RelayClient } from '../hub-core/src/index.js';
import type { RoomDetail, VoiceToken } from '../protocol/api.js';
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

describe('talkback e2e: voice in the browser over /ws/voice, with browsers and UDP clients', () => {
  let hub: JamHub;
  let browser: Browser;
  let roomId: string;
  let otherId: string;

  before(async () => {
    hub = await startJamHub(['hana', 'gus', 'ida', 'joe', 'kim']);
    browser = await launch(FAKE_MIC);
    // hana, gus and kim talk in one room; joe and ida (the refusals) wait in another.
    const room = await hub.ok<RoomDetail>('hana', 'POST', '/rooms', { name: ROOM });
    roomId = room.id;
    for (const u of ['hana', 'gus', 'kim']) await hub.ok(u, 'POST', `/rooms/${roomId}/join`);
    const other = await hub.ok<RoomDetail>('joe', 'POST', '/rooms', { name: 'Waiting room' });
    otherId = other.id;
    for (const u of ['joe', 'ida']) await hub.ok(u, 'POST', `/rooms/${otherId}/join`);
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

  it("hears the desktop app's UDP relay client, and is heard by it, in the same session", async (t) => {
    // kim speaks as the desktop app's main process does: hub-core's RelayClient over UDP.
    const token = () =>
      hub.ok<VoiceToken>('kim', 'POST', `/rooms/${roomId}/voice-token`).then((v) => v.token);
    const first = await hub.ok<VoiceToken>('kim', 'POST', `/rooms/${roomId}/voice-token`);
    const udp = await RelayClient.connect({
      host: '127.0.0.1',
      port: first.relay.port,
      channel: roomId,
      getToken: token,
    });
    const p = await person(browser);
    let replay: ReturnType<typeof setInterval> | undefined;
    try {
      const heard: Uint8Array[] = [];
      udp.on('audio', (f) => {
        if (f.speaker === hub.ids.hana) heard.push(f.opus);
      });
      await signInToRoom(p.page, hub, 'hana', roomId);
      await voiceOn(p.page);
      // The browser's frames reach the UDP client...
      const deadline = Date.now() + 15_000;
      while (heard.length === 0 && Date.now() < deadline) await p.page.waitForTimeout(100);
      const before = heard.length;
      await p.page.waitForTimeout(1500);
      const overUdp = heard.length - before;
      t.diagnostic(`frames in 1.5 s, browser to UDP: ${overUdp}`);
      assert.ok(overUdp > 40, `${overUdp} frames in 1.5 s over UDP`);
      // ...and the UDP client's (the same Opus frames, sent back every 20 ms) reach the browser.
      const frames = heard.slice(0, 150);
      let i = 0;
      replay = setInterval(() => udp.sendAudio(frames[i++ % frames.length]!, i * 960), 20);
      await p.page.waitForFunction(
        () =>
          Number(document.querySelector('li[data-user="kim"]')?.getAttribute('data-frames')) > 0,
        undefined,
        { timeout: 10_000 },
      );
      const fromUdp = await framesOver(p.page, 'kim', 1500);
      t.diagnostic(`frames in 1.5 s, UDP to browser: ${fromUdp}`);
      assert.ok(fromUdp > 40, `${fromUdp} frames in 1.5 s from UDP`);
      // The host (hana, in the browser) mutes kim for everyone: the relay stops kim's frames.
      await p.page.getByRole('button', { name: 'Mute kim for all' }).click();
      await p.page
        .locator('li[data-user="kim"] .badge', { hasText: 'Muted by host' })
        .waitFor({ timeout: 5000 });
      await p.page.waitForTimeout(500);
      const serverMuted = await framesOver(p.page, 'kim', 1500);
      t.diagnostic(`frames in 1.5 s, UDP to browser, muted by the host: ${serverMuted}`);
      assert.equal(serverMuted, 0, `${serverMuted} frames from a player the host muted`);
      assert.deepEqual(p.problems, []);
    } finally {
      clearInterval(replay);
      await udp.close();
      await p.ctx.close();
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
      await signInToRoom(p.page, hub, 'joe', otherId);
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
      await signInToRoom(p.page, hub, 'ida', otherId);
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
