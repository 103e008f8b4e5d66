// The desktop app's two promises, timed through the real main-process handlers (the same ones
// the window calls over IPC): "Host a jam" to a healthy hub, and a pasted link to jacktrip
// connected (open + pin, sign in, join, connect). The hub runs as the installed app runs it
// (bundled); host-a-jam also alternates with the sources (tsx) in the same run, and
// link-to-connected reports jacktrip's own share of the time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JoinAnswer } from '../../protocol/api.js';
import { APP_ORIGIN } from '../../protocol/channels.js';
import { unwrapReply } from '../../protocol/ipc.js';
import { JackServer } from '../../hub-core/src/index.js';
import { ROOT, buildElectronBundle } from '../../electron/electronRuntime.js';
import { createDesktop, type Desktop } from '../../electron/main/desktop.js';
import { pinnedJson } from '../../electron/main/hubFetch.js';
import { median, sleep, type Results } from './lib.js';

const APP = { url: `${APP_ORIGIN}/`, isMainFrame: true };
const ROUNDS = 5;

/** The hub process as the installed app runs it: bundled JavaScript (npm run build:electron). */
const BUNDLED_ENTRY = join(ROOT, 'dist-electron', 'hubEntry.js');

function desktop(name: string, jackServer?: string, entry?: string): { d: Desktop; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `backline-bench-${name}-`));
  const d = createDesktop({
    userData: dir,
    jackServer,
    trustedSender: () => true,
    log: () => {},
    host: {
      listenHost: '127.0.0.1',
      advertiseHost: '127.0.0.1',
      port: 0,
      entry,
      env: { LOG_LEVEL: 'warn', JACKTRIP_BASE_PORT: '46400', JACKTRIP_PORT_RANGE: '20' },
    },
  });
  return { d, dir };
}

const call = async <T>(d: Desktop, channel: string, ...args: unknown[]) =>
  unwrapReply(await d.router.dispatch(APP, channel, args)) as T;

/** One "Host a jam": the toggle (IPC host.start) until /health answers over the pinned cert. */
async function hostOnce(d: Desktop, dir: string): Promise<number> {
  const t0 = performance.now();
  const s = await call<{ state: string; local_url: string; fingerprint: string }>(d, 'host.start');
  if (s.state !== 'running') throw new Error(`hosting failed: ${JSON.stringify(s)}`);
  const pin = {
    origin: s.local_url,
    fingerprint: s.fingerprint,
    cert_pem: readFileSync(join(dir, 'hub', 'certs', 'hub-cert.pem'), 'utf8'),
  };
  for (;;) {
    const h = await pinnedJson<{ status: string }>(pin, 'GET', '/health', undefined).catch(
      () => undefined,
    );
    if (h?.status === 'ok') break;
    await sleep(10);
  }
  const ms = performance.now() - t0;
  await call(d, 'host.stop');
  return ms;
}

export async function hostAJam(r: Results): Promise<void> {
  // The installed app forks the bundled hub; `npm start` from a checkout forks the sources
  // through tsx. Rounds alternate between the two, so both see the same machine.
  buildElectronBundle();
  const app = desktop('host-app', undefined, BUNDLED_ENTRY);
  const dev = desktop('host-dev');
  const times = { app: [] as number[], dev: [] as number[] };
  try {
    // One unmeasured start each: the certificate is made, and tsx's cache is warm.
    await hostOnce(app.d, app.dir);
    await hostOnce(dev.d, dev.dir);
    for (let i = 0; i < ROUNDS; i++) {
      times.app.push(await hostOnce(app.d, app.dir));
      times.dev.push(await hostOnce(dev.d, dev.dir));
    }
  } finally {
    for (const x of [app, dev]) {
      await x.d.close();
      rmSync(x.dir, { recursive: true, force: true });
    }
  }
  const a = median(times.app);
  const v = median(times.dev);
  r.add({
    name: 'host-a-jam: toggle to healthy hub (bundled, as installed), median',
    value: Math.round(a),
    unit: 'ms',
    goal: '<= 3000',
  });
  r.add({
    name: 'host-a-jam: the same from the sources (tsx), median',
    value: Math.round(v),
    unit: 'ms',
    goal: 'info',
  });
  r.add({
    name: 'host-a-jam: bundled vs sources',
    value: a / v,
    unit: 'ratio',
    goal: 'info',
  });
}

export async function linkToConnected(r: Results): Promise<void> {
  buildElectronBundle();
  const H = desktop('H', undefined, BUNDLED_ENTRY);
  const jack = await JackServer.create({ name: `blbench-g-${process.pid}` });
  const G = desktop('G', jack.name);
  const total: number[] = [];
  const connectOnly: number[] = [];
  try {
    const s = await call<{ share_link: string; local_url: string; fingerprint: string }>(
      H.d,
      'host.start',
    );
    const origin = s.local_url;
    for (let i = 0; i < ROUNDS; i++) {
      const user = `bench${i}${Date.now() % 1000}`;
      const t0 = performance.now();
      const opened = await call<{ status: string }>(G.d, 'hubs.open', { link: s.share_link });
      if (opened.status !== 'trusted') throw new Error(`link not trusted: ${opened.status}`);
      const pin = G.d.trust.pinned(origin)!;
      const auth = await pinnedJson<{ token: string }>(
        pin,
        'POST',
        '/auth/register',
        undefined,
        10_000,
        {
          username: user,
          password: `${user}-password`,
        },
      );
      const room = await pinnedJson<{ id: string }>(pin, 'POST', '/rooms', auth.token, 10_000, {
        name: `bench ${i}`,
      });
      const join = await pinnedJson<JoinAnswer>(pin, 'POST', `/rooms/${room.id}/join`, auth.token);
      const t1 = performance.now();
      await call(G.d, 'jacktrip.connect', {
        origin,
        room_id: room.id,
        connection: join.jacktrip,
        preset: 'normal',
      });
      while (G.d.jacktrip.status.state !== 'connected') {
        if (G.d.jacktrip.status.state === 'failed') throw new Error(G.d.jacktrip.status.message);
        await sleep(5);
      }
      const t2 = performance.now();
      total.push(t2 - t0);
      connectOnly.push(t2 - t1);
      await call(G.d, 'jacktrip.disconnect');
      await pinnedJson(pin, 'POST', `/rooms/${room.id}/close`, auth.token).catch(() => undefined);
    }
  } finally {
    await G.d.close();
    await H.d.close();
    await jack.close();
    rmSync(G.dir, { recursive: true, force: true });
    rmSync(H.dir, { recursive: true, force: true });
  }
  const m = median(total);
  const c = median(connectOnly);
  r.add({
    name: 'link-to-connected: paste to jacktrip connected',
    value: Math.round(m),
    unit: 'ms',
    goal: '<= 5000',
  });
  r.add({
    name: 'link-to-connected: of which jacktrip connect',
    value: Math.round(c),
    unit: 'ms',
    goal: 'info',
  });
  r.add({
    name: 'link-to-connected: share of jacktrip',
    value: c / m,
    unit: 'ratio',
    goal: 'info',
  });
}
