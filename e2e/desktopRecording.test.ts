// The desktop app saves a recording with a file dialog, end to end: a real hub holds a real
// recording (its jackd, jacktrip and jack_capture), the app opens the hub by its link (pinned),
// signs in, opens the room, and the person clicks Save… in its recordings list. The harness's
// dialog answers a temp path; main downloads over the pinned connection with the saved token,
// the page shows the progress and where it went, and the zip there lists the tracks.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '@playwright/test';
import { delay } from '../hub-core/src/index.js';
import { startJamHub, type JamHub } from '../testkit/fixtures.js';
import { Procs } from '../testkit/jack.js';
import { pinOf, takeRecording, zipNames, type TakenRecording } from '../testkit/recording.js';
import { shot } from './browser.js';
import {
  launchDesktopApp,
  launchDesktopBrowser,
  spkiHash,
  startAppPage,
  type DesktopApp,
} from './desktopHarness.js';

describe('desktop app e2e (the Electron-less harness): save a recording with the file dialog', () => {
  const procs = new Procs();
  const out = mkdtempSync(join(tmpdir(), 'backline-saved-'));
  const asked: string[] = [];
  /** What the next save dialog answers (null: the person cancels). */
  let answer: string | null = join(out, 'saturday.zip');
  let page: Awaited<ReturnType<typeof startAppPage>>;
  let t: JamHub;
  let take: TakenRecording;
  let browser: Browser;
  let app: DesktopApp;

  before(async () => {
    page = await startAppPage();
    t = await startJamHub(['alice'], {
      env: { HUB_CORS_ORIGINS: page.origin, HUB_RECORDING_MIN_FREE_MB: '1' },
    });
    take = await takeRecording(t, procs, 'alice', { roomName: 'Saturday take', seconds: 2 });
    browser = await launchDesktopBrowser([spkiHash(t.ca)]);
    app = await launchDesktopApp(browser, {
      name: 'S',
      pageOrigin: page.origin,
      chooseSavePath: ({ defaultName }) => {
        asked.push(defaultName);
        return Promise.resolve(answer);
      },
    });
  });
  after(async () => {
    await app?.close();
    await browser?.close();
    await procs.stopAll();
    await t?.close();
    await page?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('clicks Save… in the room, and the zip with every track is where the dialog said', async () => {
    const p = app.page;
    const link = `backline://${new URL(t.url).host}/?fp=${pinOf(t).fingerprint}`;
    await p.getByLabel('Hub link').fill(link);
    await p.getByRole('button', { name: 'Open' }).click();
    await p.getByLabel('Username').waitFor();
    await p.getByRole('button', { name: 'Sign in' }).first().click();
    await p.getByLabel('Username').fill('alice');
    await p.getByLabel('Password').fill('alice-password');
    await p.getByRole('button', { name: 'Sign in' }).last().click();
    await p.getByRole('heading', { name: 'Rooms' }).waitFor();
    await p.getByRole('link', { name: 'Saturday take' }).click();
    const panel = p.locator('section', { has: p.getByRole('heading', { name: 'Recording' }) });
    // The desktop app saves with its dialog: a button, not the browser's download link.
    await panel.getByRole('button', { name: 'Save…' }).click();
    const path = join(out, 'saturday.zip');
    await panel.getByText(`Saved to ${path}`).waitFor({ timeout: 20_000 });
    await shot(p, 'desktop-recording-saved');
    assert.equal(await panel.getByRole('link', { name: 'Download' }).count(), 0);

    assert.equal(asked.length, 1);
    assert.match(asked[0]!, /^Saturday take \d{4}-\d\d-\d\d \d\d\.\d\d\.zip$/);
    assert.deepEqual(readdirSync(out), ['saturday.zip'], 'no .part left');
    const zip = readFileSync(path);
    assert.ok(zip.length > take.recording.size_bytes, 'every file is in it');
    assert.deepEqual(zipNames(zip).sort(), [
      'alice.wav',
      'mix.wav',
      'session.json',
      'session.lof',
      'session.rpp',
    ]);
    assert.ok(!existsSync(`${path}.part`));

    // A save that fails says why, in words, and leaves nothing; a cancelled dialog says nothing.
    answer = join(out, 'no-such-folder', 'x.zip');
    await panel.getByRole('button', { name: 'Save…' }).click();
    await panel
      .getByRole('alert')
      .filter({ hasText: 'Not saved: The folder to save in does not exist' })
      .waitFor();
    answer = null;
    await panel.getByRole('button', { name: 'Save…' }).click();
    for (let i = 0; asked.length < 3; i++) {
      assert.ok(i < 200, 'the dialog was asked again');
      await delay(50);
    }
    await panel.getByRole('button', { name: 'Save…', disabled: false }).waitFor();
    assert.equal(await panel.getByRole('alert').count(), 0);
    assert.equal(await panel.getByRole('status').count(), 0);
    assert.deepEqual(readdirSync(out), ['saturday.zip']);
    assert.deepEqual(app.problems, []);
  });
});
