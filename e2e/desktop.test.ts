// The desktop app, end to end: app H hosts a jam, app G joins by the share link (the
// fingerprint checked), both join a room and their own jacktrip clients connect from their own
// dummy JACK servers, a tone on H's side is heard in G's recording once the host patches it in
// the patchbay, voice frames flow and mute stops them, and stopping hosting ends the room and
// leaves no process behind. Then the hub's address answers with another certificate, and a
// link vouching for it can't swap G's pin: G is warned with both fingerprints, sends its saved
// token nowhere, and only an explicit choice re-pins (and deletes that token). The same spec
// runs through the Electron-less harness everywhere, and through real Electron (Playwright's
// _electron) wherever an Electron binary exists.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from '@playwright/test';
import type { DesktopSnapshot } from '../electron/main/snapshot.js';
import {
  delay,
  jackEnv,
  runTool,
  generateSelfSigned,
  loadOrCreateSelfSigned,
} from '../hub-core/src/index.js';
import {
  Procs,
  alive,
  isTone,
  jackConnect,
  record,
  startTone,
  waitForPort,
  wavStat,
} from '../testkit/jack.js';
import { shot } from './browser.js';
import {
  launchDesktopApp,
  launchDesktopBrowser,
  spkiHash,
  startAppPage,
  type AppUnderTest,
} from './desktopHarness.js';
import { buildElectronBundle } from '../electron/electronRuntime.js';
import { display, electronBinary, launchElectronApp } from './electronApp.js';

async function register(page: Page, username: string): Promise<void> {
  await page.getByRole('button', { name: 'Create account' }).first().click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${username}-password`);
  await page.getByRole('button', { name: 'Create account' }).last().click();
  await page.getByRole('heading', { name: 'Rooms' }).waitFor();
}

/** Every descendant PID of `pid` (the hub's jackd and jacktrip processes). */
function descendants(pid: number): number[] {
  let out: string;
  try {
    out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const kids = out.split('\n').filter(Boolean).map(Number);
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

/** `ps` lines of these PIDs, for a failure message. */
function psLines(pids: number[]): string {
  if (!pids.length) return '';
  try {
    return execFileSync('ps', ['-o', 'pid,ppid,stat,etime,args', '-p', pids.join(',')], {
      encoding: 'utf8',
    });
  } catch {
    return `(ps found none of ${pids.join(' ')})`;
  }
}

/** The end of an app's hub log, for a failure message. */
function hubLog(app: AppUnderTest): string {
  try {
    return readFileSync(join(app.userData, 'logs', 'hub.log'), 'utf8')
      .split('\n')
      .slice(-40)
      .join('\n');
  } catch {
    return '(no hub log)';
  }
}

/** The hubs G keeps a bearer token for (the keys of its sessions.json; values are encrypted). */
function savedSessions(app: AppUnderTest): string[] {
  const file = join(app.userData, 'sessions.json');
  if (!existsSync(file)) return [];
  return Object.keys(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
}

/** What an impostor hub was sent: every request's method, URL and Authorization header. */
interface Seen {
  method: string;
  url: string;
  authorization?: string;
}

/**
 * An HTTPS server with another certificate on a hub's old address, standing in for whoever
 * answers there after the hub is gone. It records every request; like a real impostor it lets
 * any page's CORS preflight through, so a page holding a token would send it.
 */
async function startImpostor(
  port: number,
  cert: { certPem: string; keyPem: string },
): Promise<{ requests: Seen[]; close: () => Promise<void> }> {
  const requests: Seen[] = [];
  const server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
    });
    const cors = {
      'access-control-allow-origin': req.headers.origin ?? '*',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-allow-methods': 'GET, POST, DELETE',
      vary: 'Origin',
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    res.writeHead(401, { ...cors, 'content-type': 'application/json' });
    res.end('{"error":{"code":"unauthorized","message":"sign in"}}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

/** How the two apps of a spec run: the Electron-less harness, or real Electron. */
interface Driver {
  name: string;
  /**
   * Starts H and G; `hubEnv` is the hosting settings the specs use (loopback, own JackTrip
   * pool); `impostorCertPem` is the certificate that later answers on H's address.
   */
  start(o: {
    hUserData: string;
    hJack: string;
    gJack: string;
    hubEnv: Record<string, string>;
    impostorCertPem: string;
  }): Promise<{ H: AppUnderTest; G: AppUnderTest; close: () => Promise<void> }>;
}

const harness: Driver = {
  name: 'the Electron-less harness',
  async start({ hUserData, hJack, gJack, hubEnv, impostorCertPem }) {
    const page = await startAppPage();
    // H's hub certificate exists before Chromium starts, so the browser's allow-list can hold
    // exactly its key (Electron's setCertificateVerifyProc does the same from the pin). The
    // impostor's key is on the list too: the browser would reach it, so only the app's own
    // decisions keep the token from it (in Electron the verify proc also refuses it until
    // it is pinned).
    const cert = loadOrCreateSelfSigned(join(hUserData, 'hub'));
    const browser: Browser = await launchDesktopBrowser([
      spkiHash(cert.certPem),
      spkiHash(impostorCertPem),
    ]);
    const host = {
      listenHost: '127.0.0.1',
      advertiseHost: '127.0.0.1',
      port: 0,
      env: { ...hubEnv, HUB_CORS_ORIGINS: page.origin },
    };
    const H = await launchDesktopApp(browser, {
      name: 'H',
      pageOrigin: page.origin,
      jackServer: hJack,
      userData: hUserData,
      host,
    });
    const G = await launchDesktopApp(browser, {
      name: 'G',
      pageOrigin: page.origin,
      jackServer: gJack,
    });
    return {
      H,
      G,
      async close() {
        await G.close();
        await H.close();
        await browser.close();
        await page.close();
      },
    };
  },
};

const electronBin = electronBinary();
const electron: Driver = {
  name: 'Electron',
  async start({ hUserData, hJack, gJack, hubEnv }) {
    buildElectronBundle('inherit');
    const x = await display();
    const bin = electronBin!;
    const H = await launchElectronApp({
      name: 'H',
      bin,
      display: x.env,
      jackServer: hJack,
      userData: hUserData,
      env: hubEnv,
    });
    const G = await launchElectronApp({ name: 'G', bin, display: x.env, jackServer: gJack });
    return {
      H,
      G,
      async close() {
        await G.close();
        await H.close();
        await x.close();
      },
    };
  },
};

for (const driver of electronBin ? [harness, electron] : [harness]) {
  describe(`desktop app e2e (${driver.name}): host a jam, join by link, play, talk, patch, stop`, () => {
    const procs = new Procs();
    let apps: { H: AppUnderTest; G: AppUnderTest; close: () => Promise<void> } | undefined;
    const hUserData = mkdtempSync(join(tmpdir(), 'backline-app-H-'));
    const impostorCert = generateSelfSigned(['localhost']);

    before(async () => {
      const hJack = await procs.server('apph');
      const gJack = await procs.server('appg');
      apps = await driver.start({
        hUserData,
        hJack: hJack.name,
        gJack: gJack.name,
        hubEnv: {
          JACKTRIP_BASE_PORT: String(47000 + Math.floor(Math.random() * 500) * 10),
          JACKTRIP_PORT_RANGE: '10',
          LOG_LEVEL: 'info',
        },
        impostorCertPem: impostorCert.certPem,
      });
    });

    after(async () => {
      await apps?.close();
      await procs.stopAll();
      rmSync(hUserData, { recursive: true, force: true });
    });

    it('runs the whole jam', { timeout: 200_000 }, async () => {
      const { H, G } = apps!;
      const snap = (app: AppUnderTest): Promise<DesktopSnapshot> => app.snapshot();

      // 1. H hosts a jam: the share link carries the LAN address, the port and the fingerprint.
      await H.page.getByRole('switch', { name: 'Host a jam' }).click();
      const shareLink = (await H.page.getByTestId('share-link').first().textContent())!;
      const hosted = await snap(H);
      const status = hosted.host;
      assert.equal(status.state, 'running');
      assert.match(
        shareLink,
        /^backline:\/\/127\.0\.0\.1:\d+\/\?fp=([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
      );
      assert.ok(shareLink.endsWith(status.fingerprint!));
      const hubPid = hosted.hubPid!;
      assert.ok(alive(hubPid), 'the hub runs as its own process');
      // H's own app opened its hub (pinned) and asks H to sign in.
      await H.page.getByLabel('Username').waitFor();
      await register(H.page, 'hank');
      await shot(H.page, 'desktop-01-hosting');

      // 2. A link whose fingerprint is not the hub's is refused, with a clear warning.
      const wrong = shareLink.replace(
        /fp=(..)/,
        (_m, b: string) => `fp=${b === 'AA' ? 'BB' : 'AA'}`,
      );
      await G.page.getByLabel('Hub link').fill(wrong);
      await G.page.getByRole('button', { name: 'Open' }).click();
      await G.page.getByRole('alert').filter({ hasText: 'certificate does not match' }).waitFor();
      assert.equal((await snap(G)).hubs.length, 0, 'nothing pinned from a bad link');
      await shot(G.page, 'desktop-02-mismatch');
      // A bare address carries no fingerprint: the app shows the hub's and asks first.
      const bare = new URL(shareLink.replace(/^backline:/, 'https:')).host;
      await G.page.getByLabel('Hub link').fill(bare);
      await G.page.getByRole('button', { name: 'Open' }).click();
      const ask = G.page.getByRole('alertdialog', { name: 'Trust this hub?' });
      await ask.waitFor();
      assert.equal(await ask.locator('code.fingerprint').textContent(), status.fingerprint);
      await ask.getByRole('button', { name: 'Cancel' }).click();
      assert.equal((await snap(G)).hubs.length, 0, 'nothing pinned until the person confirms');
      // The right link: pinned, then sign in.
      await G.page.getByLabel('Hub link').fill(shareLink);
      await G.page.getByRole('button', { name: 'Open' }).click();
      await G.page.getByLabel('Username').waitFor();
      assert.equal((await snap(G)).hubs[0]?.fingerprint, status.fingerprint);
      await register(G.page, 'gwen');

      // 3. H creates a room in manual patch mode; G joins it from the live list.
      await H.page.getByLabel('Name', { exact: true }).fill('Tuesday rehearsal');
      await H.page.getByLabel('Who hears whom').selectOption('5');
      await H.page.getByRole('button', { name: 'Create room' }).click();
      await H.page.waitForURL(/\/room\/[A-Za-z0-9-]+$/);
      const roomId = new URL(H.page.url()).pathname.split('/').pop()!;
      const row = G.page.getByRole('row', { name: /Tuesday rehearsal/ });
      await row.waitFor({ timeout: 15_000 });
      await row.getByRole('button', { name: /^Join/ }).click();
      await G.page.waitForURL(new RegExp(`/room/${roomId}$`));
      await until('G remembers the room', async () =>
        (await snap(G)).recentRooms.some(
          (r) => r.room_id === roomId && r.room_name === 'Tuesday rehearsal',
        ),
      );

      // Both apps start their own jacktrip against the room, from their own JACK servers.
      for (const app of [H, G]) {
        await app.page
          .locator('[data-jacktrip-state="connected"]')
          .waitFor({ timeout: 30_000 })
          .catch(async (err: unknown) => {
            throw new Error(
              `${app.name}: ${JSON.stringify((await snap(app)).jacktrip)} ${String(err)}`,
            );
          });
      }
      const [h, g] = [await snap(H), await snap(G)];
      const hClient = h.jacktrip.jack_client!;
      const gClient = g.jacktrip.jack_client!;
      const gJacktripPid = g.jacktripPid!;
      await waitForPort(h.jackServer, `${hClient}:send_1`);
      await waitForPort(g.jackServer, `${gClient}:receive_1`);
      await G.page.locator('[data-voice-state="live"]').waitFor({ timeout: 15_000 });
      await H.page.locator('[data-voice-state="live"]').waitFor({ timeout: 15_000 });
      // The audio panel shows the round trip (voice heartbeats) and the JACK period.
      await until('G’s round trip shown', async () =>
        /^\d+(\.\d)? ms$/.test((await G.page.getByTestId('rtt').textContent()) ?? ''),
      );
      assert.equal(await G.page.getByTestId('period').textContent(), '128 frames');
      await shot(G.page, 'desktop-03-room');

      // 5. Voice: H's fake microphone reaches G. G mutes itself so every frame G gets is H's.
      await G.page.getByRole('button', { name: 'Mute', exact: true }).click();
      const hankId = (await snap(H)).voice.user_id!;
      const received = async () => (await snap(G)).voice.frames_received;
      const over = async (ms: number) => {
        const a = await received();
        await delay(ms);
        return (await received()) - a;
      };
      await until('H’s voice frames at G', async () => (await over(500)) > 10);
      const live = await over(1500);
      assert.ok(live > 40, `G received ${live} frames in 1.5 s from an unmuted H`);
      const decoded = Number(
        await G.page.locator(`li[data-user="hank"]`).getAttribute('data-frames'),
      );
      assert.ok(decoded > 0, `G's page decoded ${decoded} of hank's frames`);
      await H.page.getByRole('button', { name: 'Mute', exact: true }).click();
      await delay(500); // frames already on the way
      const muted = await over(1500);
      assert.equal(muted, 0, `G received ${muted} frames while H was muted`);
      await H.page.getByRole('button', { name: 'Unmute', exact: true }).click();
      await until('H’s voice back at G', async () => (await over(500)) > 10);
      assert.ok(hankId > 0);
      // G's page shows hank speaking (Chromium's fake microphone beeps).
      await G.page.locator('li[data-user="hank"][data-speaking="yes"]').waitFor();
      // The host mutes gwen for everyone, and lets her talk again.
      await H.page.getByRole('button', { name: 'Mute gwen for all' }).click();
      await G.page.getByText('The host muted you.').waitFor();
      await until('G is muted by the host', async () => (await snap(G)).voice.server_muted);
      await H.page.getByRole('button', { name: 'Unmute gwen for all' }).click();
      await until('G may talk again', async () => !(await snap(G)).voice.server_muted);

      // 6. The host patches in the patchbay: hank's audio to gwen.
      await H.page.getByRole('link', { name: 'Patchbay' }).click();
      await H.page.getByLabel('From (output)').selectOption('hank:receive_1');
      await H.page.getByLabel('To (input)').selectOption('gwen:send_1');
      await H.page.getByRole('button', { name: 'Connect', exact: true }).click();
      await H.page.getByTestId('rf__edge-hank:receive_1=>gwen:send_1').waitFor();
      await shot(H.page, 'desktop-04-patchbay');

      // 4. A tone on H's side is heard in G's recording.
      await startTone(procs, h.jackServer);
      await jackConnect(h.jackServer, 'jack_simple_client:output1', `${hClient}:send_1`);
      const wav = join(G.userData, 'heard.wav');
      await record(g.jackServer, wav, 3, [`${gClient}:receive_1`]);
      const stat = await wavStat(wav);
      // jack_simple_client's sine (peak 0.2). Not its frequency: on a loaded machine jacktrip
      // conceals underruns and sox's zero-crossing estimate drifts.
      assert.ok(isTone(stat), `G heard H's tone: ${JSON.stringify(stat)}`);

      // G picks a tighter jitter buffer: jacktrip reconnects (a fresh local port, queue 2) and
      // the host's cord is made again by the hub, so the tone is still there.
      const before = (await snap(G)).jacktrip;
      await G.page.getByLabel('Jitter buffer').selectOption('tight');
      await G.page.getByRole('button', { name: 'Apply and reconnect' }).click();
      await until('G reconnected with the tight buffer', async () => {
        const j = (await snap(G)).jacktrip;
        return j.state === 'connected' && j.queue === 2 && j.local_port !== before.local_port;
      });
      await waitForPort(g.jackServer, `${gClient}:receive_1`);
      const wav2 = join(G.userData, 'heard-tight.wav');
      await until('H’s cord made again', async () => {
        await record(g.jackServer, wav2, 1, [`${gClient}:receive_1`]);
        return isTone(await wavStat(wav2));
      });

      // 7. H stops hosting: G sees the room close; the hub, its jackd and jacktrip all exit.
      const hubChildren = descendants(hubPid);
      assert.ok(
        hubChildren.length >= 2,
        `the hub runs the room's jackd and jacktrip: ${hubChildren.join(' ')}`,
      );
      await H.page.getByRole('link', { name: '← Room' }).click();
      const hosting = { H: H.problems.length, G: G.problems.length };
      await H.page.getByRole('switch', { name: 'Host a jam' }).click();
      await G.page.getByText('The hub is shutting down').waitFor({ timeout: 20_000 });
      await until('hosting stopped', async () => (await snap(H)).host.state === 'stopped', 30_000);
      await shot(G.page, 'desktop-05-closed');
      assert.equal(alive(hubPid), false, 'the hub process exited');
      assert.equal((await snap(H)).host.error, undefined, 'the hub stopped cleanly');
      const left = hubChildren.filter(alive);
      assert.deepEqual(left, [], `no room process is left:\n${psLines(left)}\n${hubLog(H)}`);
      // G's app let go of the room: its jacktrip and voice stop.
      await until('G’s jacktrip stopped', async () =>
        ['stopped', 'idle'].includes((await snap(G)).jacktrip.state),
      );
      assert.equal(alive(gJacktripPid), false, 'G’s jacktrip process exited');
      await until('G’s voice off', async () => (await snap(G)).voice.state === 'off');
      const lsp = await runTool('jack_lsp', [], jackEnv(g.jackServer), 3000);
      assert.ok(!lsp.stdout.includes(`${gClient}:`), 'G’s jacktrip left its JACK server');
      assert.deepEqual([...H.problems.slice(0, hosting.H), ...G.problems.slice(0, hosting.G)], []);
      // Once the hub is going, the pages' reconnect attempts and late requests are refused and
      // logged by Chromium: the WebSocket ticket request (refused, or answered 503 by the closing
      // hub, which fails its CORS check) and the WebSocket itself. Nothing else may go wrong.
      const refusals = [
        /WebSocket connection to .* net::ERR_CONNECTION_REFUSED/,
        /^console: Failed to load resource: net::ERR_(CONNECTION_REFUSED|FAILED)$/,
        /^console: Access to fetch at '[^']*\/auth\/ws-ticket' from origin .* blocked by CORS policy/,
      ];
      const after = [...H.problems.slice(hosting.H), ...G.problems.slice(hosting.G)];
      const refused = (p: string) =>
        /(WebSocket connection to .*|Failed to load resource:) net::ERR_CONNECTION_REFUSED/.test(
          p,
        ) || refusals.some((r) => r.test(p));
      assert.deepEqual(
        after.filter((p) => !refused(p)),
        [],
      );

      // 8. A link can't swap G's pin. Both apps go back to the start screen (their sockets to
      // the old hub close: the harness's browser would let them reach the impostor), then H's
      // address answers with another certificate, and a link vouches for exactly that one.
      const origin = `https://127.0.0.1:${status.port}`;
      const impostorFp = new X509Certificate(impostorCert.certPem).fingerprint256;
      const swapLink = `backline://127.0.0.1:${status.port}/?fp=${impostorFp}`;
      const pinOf = async () => (await snap(G)).hubs.find((x) => x.origin === origin)?.fingerprint;
      const mark = G.problems.length;
      assert.ok(savedSessions(G).includes(origin), 'G kept gwen’s token for the hub');
      await H.page.getByRole('button', { name: 'Switch hub' }).click();
      if (G.openFromOs) {
        // The link arrives from the OS while G still shows the room: nothing answers there
        // yet, and the join screen comes forward to say so.
        await G.openFromOs(swapLink);
        await G.page.getByRole('alert').filter({ hasText: 'nothing answers at' }).waitFor();
      } else await G.page.getByRole('button', { name: 'Switch hub' }).click();
      const impostor = await startImpostor(status.port!, impostorCert);
      try {
        const openSwap = async () => {
          await G.page.getByLabel('Hub link').fill(swapLink);
          await G.page.getByRole('button', { name: 'Open' }).click();
        };
        await openSwap();
        const warning = G.page.getByRole('alertdialog', { name: /has changed/ });
        const carriesToken = (r: Seen) => !!r.authorization || /token=/.test(r.url);
        await until(
          'the pin-change warning, or a token at the impostor',
          async () => (await warning.isVisible()) || impostor.requests.some(carriesToken),
        );
        assert.equal(
          impostor.requests.length,
          0,
          `G sent nothing to the new certificate: ${JSON.stringify(impostor.requests)}`,
        );
        assert.match((await warning.locator('h3').textContent())!, /127\.0\.0\.1:\d+/);
        assert.equal(
          await warning.getByTestId('pinned-fingerprint').textContent(),
          status.fingerprint,
        );
        assert.equal(await warning.getByTestId('presented-fingerprint').textContent(), impostorFp);
        assert.equal(await pinOf(), status.fingerprint, 'nothing re-pinned');
        assert.ok(savedSessions(G).includes(origin), 'the saved token is kept');
        await shot(G.page, 'desktop-06-pin-changed');
        // The default keeps the pin and connects nowhere.
        await warning.getByRole('button', { name: 'Keep the old pin (don’t connect)' }).click();
        await warning.waitFor({ state: 'detached' });
        assert.equal(await pinOf(), status.fingerprint);
        // Trusting the new certificate is a second, deliberate step: it re-pins, the token
        // saved under the old pin is deleted, and gwen must sign in again.
        await openSwap();
        await warning.getByRole('button', { name: 'My host changed it…' }).click();
        // Away from the buttons: the full-page screenshot scrolls, which would hover one.
        await G.page.mouse.move(0, 0);
        await shot(G.page, 'desktop-07-pin-change-confirm');
        await warning.getByRole('button', { name: 'Trust the new certificate' }).click();
        await G.page.getByLabel('Username').waitFor();
        assert.equal(await G.page.getByLabel('Hub address').inputValue(), origin);
        assert.equal(await pinOf(), impostorFp);
        assert.ok(!savedSessions(G).includes(origin), 'the old token is gone');
        const leaked = impostor.requests.filter(carriesToken);
        assert.deepEqual(leaked, [], 'no token reached the new certificate');
        assert.deepEqual(
          G.problems.slice(mark).filter((p) => !refused(p)),
          [],
        );
      } finally {
        await impostor.close();
      }
    });
  });
}
