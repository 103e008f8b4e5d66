// The host panel across the NAT lab (testkit/lab/natLab.ts): the desktop app (the
// Electron-less harness: the real renderer in Chromium, main's real handlers here) hosts with its
// hub inside a lab home, and the panel shows what the router said: an internet link for a home
// whose router opened the ports (and a player on the internet reaches it), none behind carrier
// NAT or a router without UPnP. Screenshots of each state go to e2e/screenshots/.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '@playwright/test';
import { alive } from '../testkit/jack.js';
import { curlOk } from '../testkit/lab/labHub.js';
import {
  CARRIER_HOST_LAN,
  HOST_LAN,
  HOST_WAN,
  NO_UPNP_HOST_LAN,
  NatLab,
  labSkipReason,
  type LabNode,
} from '../testkit/lab/natLab.js';
import { loadOrCreateSelfSigned } from '../hub-core/src/index.js';
import { SCREENSHOTS } from './browser.js';
import {
  launchDesktopApp,
  launchDesktopBrowser,
  spkiHash,
  startAppPage,
} from './desktopHarness.js';
import { loopbackBridge, netnsForker } from './labHost.js';

const skip = await labSkipReason();

describe('the host panel across the NAT lab', { skip }, () => {
  let lab: NatLab;
  let page: Awaited<ReturnType<typeof startAppPage>>;
  const pids: number[] = [];
  before(async () => {
    lab = await NatLab.create();
    page = await startAppPage();
  });
  after(async () => {
    await page?.close();
    const inside = await lab.pids();
    await lab.close();
    for (const p of [...pids, ...inside])
      assert.equal(alive(p), false, `process ${p} left running`);
  });

  // `lan`: the host computer's address in its lab home (main runs outside the lab, so it is
  // told, as BACKLINE_HOST_ADDRESS would).
  const cases: {
    node: LabNode;
    lan: string;
    port: number;
    state: string;
    internet: boolean;
    file: string;
  }[] = [
    { node: 'h', lan: HOST_LAN, port: 8543, state: 'mapped', internet: true, file: 'host-mapped' },
    {
      node: 'c',
      lan: CARRIER_HOST_LAN,
      port: 8544,
      state: 'carrier_nat',
      internet: false,
      file: 'host-carrier-nat',
    },
    {
      node: 'n',
      lan: NO_UPNP_HOST_LAN,
      port: 8545,
      state: 'no_gateway',
      internet: false,
      file: 'host-no-gateway',
    },
  ];
  for (const c of cases) {
    it(`${c.state}: ${c.internet ? 'the internet link works from a player behind NAT' : 'no internet link, the LAN link only'}`, async () => {
      const userData = mkdtempSync(join(tmpdir(), `backline-app-lab-${c.node}-`));
      const cert = loadOrCreateSelfSigned(join(userData, 'hub'));
      const browser: Browser = await launchDesktopBrowser([spkiHash(cert.certPem)]);
      const bridge = await loopbackBridge(lab.ns(c.node), c.port, userData);
      pids.push(...bridge.pids);
      const app = await launchDesktopApp(browser, {
        name: `lab-${c.node}`,
        pageOrigin: page.origin,
        userData,
        forker: netnsForker(lab.ns(c.node)),
        host: {
          listenHost: '0.0.0.0',
          advertiseHost: c.lan,
          port: c.port,
          env: { HUB_CORS_ORIGINS: page.origin, LOG_LEVEL: 'warn' },
        },
      });
      try {
        const p = app.page;
        await p.getByRole('switch', { name: 'Host a jam' }).click();
        const reach = p.getByTestId('reach-state');
        await reach.and(p.locator(`[data-reach-state="${c.state}"]`)).waitFor({ timeout: 30_000 });
        const hubPid = app.desktop.hostedHub.pid;
        if (hubPid) pids.push(hubPid);
        const panel = p.locator('.host-panel');
        await panel.screenshot({ path: join(SCREENSHOTS, `${c.file}.png`) });
        const link = p.getByTestId('internet-link');
        if (c.internet) {
          const text = (await link.textContent()) ?? '';
          assert.match(
            text,
            new RegExp(`^backline://${lab.advertised.replace(/\./g, '\\.')}:${c.port}/\\?fp=`),
          );
          // The lab's router advertises a stand-in address: players use its real WAN address.
          const pin = `sha256//${spkiHash(cert.certPem)}`;
          const h = await curlOk<{ status: string }>(
            lab,
            'a',
            `https://${HOST_WAN}:${c.port}/health`,
            { pin },
          );
          assert.equal(h.status, 'ok');
        } else {
          assert.equal(await link.count(), 0, 'no internet link while the state says unreachable');
          const lan = (await p.getByTestId('share-link').textContent()) ?? '';
          assert.ok(lan.startsWith(`backline://${c.lan}:${c.port}/`), lan);
        }
        assert.deepEqual(app.problems, []);
      } finally {
        await app.close();
        await browser.close();
        await bridge.close();
        rmSync(userData, { recursive: true, force: true });
      }
    });
  }
});
