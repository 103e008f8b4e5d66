// The Electron-less desktop harness: the real renderer in Debian's Chromium, the real
// main-process handlers (electron/main/desktop.ts) in this Node process, bridged by
// Playwright's exposeBinding in place of the preload. A voice session's MessagePort is a real
// MessageChannel in the page whose far end relays to main's VoicePortSession over a binding. The page is served under its own origin
// with the app's CSP (electron/main/appPage.ts), exactly as Electron's backline-app:// serves it.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INVOKE_CHANNELS, PUSH_CHANNELS, VOICE_PORT_MESSAGE } from '../protocol/ipc.js';
import { appPageServer } from '../electron/main/appPage.js';
import { createDesktop, type Desktop, type DesktopOptions } from '../electron/main/desktop.js';
import type { HubForker } from '../electron/main/hostedHub.js';
import { snapshotOf, type DesktopSnapshot } from '../electron/main/snapshot.js';
import type { VoicePortOpener } from '../electron/main/voicePort.js';
import { CHROMIUM_ARGS, launch } from './browser.js';

const RENDERER_DIST = join(import.meta.dirname, '..', 'renderer', 'dist');

/** Serves the built renderer on http://127.0.0.1:<port> (a secure context, like the app's scheme). */
export async function startAppPage(): Promise<{ origin: string; close: () => Promise<void> }> {
  const serve = appPageServer(RENDERER_DIST);
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const r = serve(path);
    res.writeHead(r.status, r.headers).end(r.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** base64 SHA-256 of a certificate's public key: what Chromium's SPKI allow-list takes. */
export function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/**
 * Chromium for the harness. `spki`: the hubs' keys the page may reach over TLS, the stand-in for
 * Electron's setCertificateVerifyProc (which accepts only pinned certificates).
 */
export function launchDesktopBrowser(spki: string[]): Promise<Browser> {
  return launch([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    ...(spki.length ? [`--ignore-certificate-errors-spki-list=${spki.join(',')}`] : []),
  ]);
}
export { CHROMIUM_ARGS };

// Bytes cross the binding as {__bytes: base64}; everything else as JSON.
type Wire = unknown;
function toWire(v: unknown): Wire {
  if (v instanceof Uint8Array) return { __bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}
function fromWire(v: Wire): unknown {
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.__bytes === 'string' && Object.keys(o).length === 1)
      return new Uint8Array(Buffer.from(o.__bytes, 'base64'));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromWire(x)]));
  }
  return v;
}

/**
 * The preload's job, in the page: `window.backline` with exactly the contract's channels
 * (answering main's IpcReply as it is), and voice ports handed to the page as the preload does.
 */
const PRELOAD_STANDIN = `(() => {
  const invokeChannels = new Set(${JSON.stringify(INVOKE_CHANNELS)});
  const pushChannels = new Set(${JSON.stringify(PUSH_CHANNELS)});
  const listeners = new Map();
  const b64 = (u8) => { let s = ''; for (let i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i]); return btoa(s); };
  const enc = (v) => v instanceof Uint8Array ? { __bytes: b64(v) }
    : Array.isArray(v) ? v.map(enc)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]))
    : v;
  const dec = (v) => {
    if (Array.isArray(v)) return v.map(dec);
    if (v && typeof v === 'object') {
      if (typeof v.__bytes === 'string' && Object.keys(v).length === 1)
        return Uint8Array.from(atob(v.__bytes), (c) => c.charCodeAt(0));
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)]));
    }
    return v;
  };
  const invokeBinding = window.__backlineInvoke;
  const voiceOut = window.__backlineVoiceOut;
  const api = Object.freeze({
    kind: 'desktop',
    invoke: (channel, ...args) => invokeChannels.has(channel)
      ? invokeBinding(channel, enc(args)).then(dec)
      : Promise.resolve({ ok: false, error: { code: 'unknown_channel', message: 'no IPC channel "' + channel + '"' } }),
    on: (channel, cb) => {
      if (!pushChannels.has(channel)) throw new Error('no push channel ' + channel);
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(cb);
      return () => set.delete(cb);
    },
  });
  Object.defineProperty(window, 'backline', { value: api });
  Object.defineProperty(window, '__backlinePush', {
    value: (channel, payload) => {
      for (const cb of listeners.get(channel) ?? []) { try { cb(dec(payload)); } catch (e) { console.error(e); } }
    },
  });
  // Main's end of each voice port lives here; its messages cross to Node as base64.
  const ports = new Map();
  Object.defineProperty(window, '__backlineVoicePort', {
    value: Object.freeze({
      open: (id) => {
        const ch = new MessageChannel();
        ports.set(id, ch.port1);
        ch.port1.onmessage = (e) => {
          const u8 = e.data instanceof Uint8Array ? e.data : new Uint8Array(e.data);
          void voiceOut(id, b64(u8));
        };
        window.postMessage(${JSON.stringify(VOICE_PORT_MESSAGE)}, '*', [ch.port2]);
      },
      deliver: (id, bytes) => ports.get(id)?.postMessage(dec({ __bytes: bytes })),
      close: (id) => { ports.get(id)?.close(); ports.delete(id); },
    }),
  });
})();`;

/**
 * One desktop app under test, however it runs: this harness (the renderer in Chromium, main's
 * handlers in this process) or real Electron (e2e/electronApp.ts). Specs touch only this.
 */
export interface AppUnderTest {
  name: string;
  page: Page;
  userData: string;
  /** Page errors and console errors, in order. */
  problems: string[];
  /** Main's state right now (electron/main/snapshot.ts). */
  snapshot(): Promise<DesktopSnapshot>;
  /** A backline:// link the OS hands to the app (`link.open`), where the driver can. */
  openFromOs?(link: string): Promise<void>;
  close(): Promise<void>;
}

export interface DesktopApp extends AppUnderTest {
  desktop: Desktop;
  context: BrowserContext;
}

/** Page errors and console errors a spec must not see (the expected 401/403 answers aside). */
export function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  return problems;
}

export async function launchDesktopApp(
  browser: Browser,
  o: {
    name: string;
    pageOrigin: string;
    jackServer?: string;
    userData?: string;
    host?: DesktopOptions['host'];
    /** How the hub process starts (e.g. inside a NAT-lab namespace). Default: fork. */
    forker?: HubForker;
    notify?: (title: string, body: string) => void;
    /** The save dialog's stand-in: where a recording is saved (null: cancelled). */
    chooseSavePath?: DesktopOptions['chooseSavePath'];
  },
): Promise<DesktopApp> {
  const userData = o.userData ?? mkdtempSync(join(tmpdir(), `backline-app-${o.name}-`));
  // Voice ports: opened in the page (the preload stand-in above), relayed over a binding.
  const opened: { page?: Page } = {};
  const portListeners = new Map<number, (message: unknown) => void>();
  let lastPort = 0;
  const openVoicePort: VoicePortOpener = () => {
    const p = opened.page;
    if (!p) return undefined;
    const id = ++lastPort;
    const run = (js: string) => void p.evaluate(js).catch(() => {});
    run(`window.__backlineVoicePort.open(${id})`);
    return {
      post: (bytes) =>
        run(
          `window.__backlineVoicePort.deliver(${id}, ${JSON.stringify(Buffer.from(bytes).toString('base64'))})`,
        ),
      onMessage: (listener) => void portListeners.set(id, listener),
      close: () => {
        portListeners.delete(id);
        run(`window.__backlineVoicePort.close(${id})`);
      },
    };
  };
  const desktop = createDesktop({
    userData,
    jackServer: o.jackServer,
    trustedSender: (s) => s.url === o.pageOrigin || s.url.startsWith(`${o.pageOrigin}/`),
    host: o.host,
    forker: o.forker,
    notify: o.notify,
    chooseSavePath: o.chooseSavePath,
    openVoicePort,
    log: () => {},
  });
  const context = await browser.newContext({ viewport: { width: 1024, height: 720 } });
  await context.grantPermissions(['microphone'], { origin: o.pageOrigin });
  await context.exposeBinding('__backlineInvoke', async (source, channel: string, args: Wire) => {
    const result = await desktop.router.dispatch(
      { url: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() },
      channel,
      fromWire(args),
    );
    return toWire(result);
  });
  await context.exposeBinding('__backlineVoiceOut', (source, id: number, bytes: string) => {
    if (source.frame !== source.page.mainFrame()) return;
    portListeners.get(id)?.(new Uint8Array(Buffer.from(bytes, 'base64')));
  });
  await context.addInitScript({ content: PRELOAD_STANDIN });
  const page = await context.newPage();
  opened.page = page;
  const problems = collectProblems(page);
  const detach = desktop.push.attach((channel, payload) => {
    const js = `window.__backlinePush(${JSON.stringify(channel)}, ${JSON.stringify(toWire(payload))})`;
    void page.evaluate(js).catch(() => {});
  });
  await page.goto(`${o.pageOrigin}/`);
  return {
    name: o.name,
    desktop,
    context,
    page,
    userData,
    problems,
    snapshot: () => Promise.resolve(snapshotOf(desktop)),
    openFromOs: (link) => Promise.resolve(desktop.push.emit('link.open', { link })),
    async close() {
      detach();
      await context.close().catch(() => {});
      await desktop.close();
      if (!o.userData) rmSync(userData, { recursive: true, force: true });
    },
  };
}
