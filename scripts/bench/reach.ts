// host-reachable: in the NAT lab (testkit/lab/natLab.ts), "Host a jam" with the router's
// ports opened automatically, from the toggle (IPC host.start) to a link usable from the
// internet: the router mapped the ports, main pushed the internet link, and a player behind
// another NAT fetched /health through it. The hub runs as installed (bundled), in the lab home.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildElectronBundle } from '../../electron/electronRuntime.js';
import { APP_ORIGIN } from '../../protocol/channels.js';
import { unwrapReply, type HostStatus } from '../../protocol/ipc.js';
import { createDesktop } from '../../electron/main/desktop.js';
import { loadOrCreateSelfSigned } from '../../hub-core/src/index.js';
import { curlOk } from '../../testkit/lab/labHub.js';
import { HOST_LAN, HOST_WAN, NatLab, labSkipReason } from '../../testkit/lab/natLab.js';
import { netnsForker } from '../../e2e/labHost.js';
import { spkiHash } from '../../e2e/desktopHarness.js';
import { median, type Results } from './lib.js';

const ROUNDS = 5;
const PORT = 8643;

export async function hostReachable(r: Results): Promise<void> {
  const skip = await labSkipReason();
  if (skip) {
    console.log(`  host-reachable: SKIP (${skip})`);
    return;
  }
  buildElectronBundle();
  const lab = await NatLab.create();
  const dir = mkdtempSync(join(tmpdir(), 'backline-bench-reach-'));
  const d = createDesktop({
    userData: dir,
    trustedSender: () => true,
    log: () => {},
    forker: netnsForker(lab.ns('h')),
    host: {
      listenHost: '0.0.0.0',
      advertiseHost: HOST_LAN,
      port: PORT,
      entry: join(ROOT, 'dist-electron', 'hubEntry.js'),
      env: { LOG_LEVEL: 'warn' },
    },
  });
  const pin = `sha256//${spkiHash(loadOrCreateSelfSigned(join(dir, 'hub')).certPem)}`;
  const call = async (channel: string) =>
    unwrapReply(await d.router.dispatch({ url: `${APP_ORIGIN}/`, isMainFrame: true }, channel, []));
  const times: number[] = [];
  const routerShare: number[] = [];
  try {
    for (let i = 0; i <= ROUNDS; i++) {
      const linked = new Promise<HostStatus>((resolve) => {
        const on = (s: HostStatus) => {
          if (s.internet_link) {
            d.hostedHub.off('status', on);
            resolve(s);
          }
        };
        d.hostedHub.on('status', on);
      });
      const t0 = performance.now();
      await call('host.start');
      const running = performance.now();
      const s = await linked;
      const mapped = performance.now();
      const port = Number(/:(\d+)\//.exec(s.internet_link!)![1]);
      // The lab's router advertises a stand-in address; a player dials its real WAN address.
      await curlOk(lab, 'a', `https://${HOST_WAN}:${port}/health`, { pin });
      const ms = performance.now() - t0;
      if (i > 0) {
        // The first round makes the certificate and warms the caches.
        times.push(ms);
        routerShare.push(mapped - running);
      }
      await call('host.stop');
    }
  } finally {
    await d.close();
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
  r.add({
    name: 'host-reachable: toggle to internet link verified, median',
    value: Math.round(median(times)),
    unit: 'ms',
    goal: '<= 2000',
  });
  r.add({
    name: "host-reachable: hub running to link shown (the router's share), median",
    value: Math.round(median(routerShare)),
    unit: 'ms',
    goal: 'info',
  });
  r.add({
    name: 'host-reachable: slowest of the rounds',
    value: Math.round(Math.max(...times)),
    unit: 'ms',
    goal: 'info',
  });
}
