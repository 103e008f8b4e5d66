// The Electron shell: app lifecycle, the app's own scheme, certificate pinning, the window,
// the tray, the backline:// protocol with a single-instance lock, and a clean quit (players told,
// rooms ended, jacktrip stopped). Everything else lives in electron-free modules (desktop.ts).
// `runShell(hooks)` is called by the app's entry (index.ts) with none, and by the e2e's own
// entry (e2e/electronMain.ts) with a hook that reads main's state: no test switch in here.
import {
  app,
  BrowserWindow,
  dialog,
  Notification,
  protocol,
  safeStorage,
  session,
  shell,
  utilityProcess,
} from 'electron';
import { join } from 'node:path';
import { APP_SCHEME, LINK_SCHEME } from '../../../protocol/ipc.js';
import { appPageServer } from '../appPage.js';
import { appSettingsFromEnv, type AppSettings } from '../appSettings.js';
import { createDesktop, type Desktop } from '../desktop.js';
import type { HubForker } from '../hostedHub.js';
import { isAppUrl, isExternalUrlAllowed } from '../policy.js';
import { linkFromArgv } from '../links.js';
import type { SecretCodec } from '../secrets.js';
import { fingerprintFromChromium } from '../trayModel.js';
import { bridgeIpc, voicePortOpener } from './ipcBridge.js';
import { createTray } from './tray.js';
import { createMainWindow, lockDownSession, PRELOAD_FILE } from './windows.js';

const utilityForker: HubForker = (entry, env) => {
  const child = utilityProcess.fork(entry, [], {
    env,
    stdio: 'pipe',
    serviceName: 'Backline hub',
  });
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (m) => child.postMessage(m),
    onMessage: (cb) => child.on('message', cb),
    onOutput: (cb) => {
      child.stdout?.on('data', (d: Buffer) => cb(d.toString()));
      child.stderr?.on('data', (d: Buffer) => cb(d.toString()));
    },
    onExit: (cb) => child.once('exit', (code) => cb(code)),
    kill: () => void child.kill(),
  };
};

const safeStorageCodec: SecretCodec = {
  get encrypted() {
    return safeStorage.isEncryptionAvailable();
  },
  encrypt: (p) =>
    safeStorage.isEncryptionAvailable() ? safeStorage.encryptString(p) : Buffer.from(p),
  decrypt: (d) =>
    safeStorage.isEncryptionAvailable() ? safeStorage.decryptString(d) : d.toString(),
};

export interface ShellHooks {
  /** The app's folder (renderer/dist and resources/ inside); default: Electron's app path. */
  root?: string;
  /** Once main's features exist, before the window opens. */
  onReady?: (desktop: Desktop) => void;
}

export function runShell(hooks: ShellHooks = {}): void {
  let settings: AppSettings;
  try {
    settings = appSettingsFromEnv(process.env);
  } catch (err) {
    // A bad setting is one line naming the variable, and exit code 2 (as the hub does).
    process.stderr.write(`Backline: ${(err as Error).message}\n`);
    app.exit(2);
    throw err;
  }
  // Before the single-instance lock: the lock lives in the data folder, so two apps with their
  // own folders (two players on one machine, or the e2e's H and G) run side by side.
  if (settings.userData) app.setPath('userData', settings.userData);

  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);

  const root = hooks.root ?? app.getAppPath();
  const here = import.meta.dirname;
  let win: BrowserWindow | undefined;
  let desktop: Desktop | undefined;
  let pendingLink = linkFromArgv(process.argv);
  let quitting = false;

  function showWindow(): void {
    if (!win || win.isDestroyed())
      win = createMainWindow(PRELOAD_FILE(here), join(root, 'resources', 'icon.png'));
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  function openLink(link: string): void {
    showWindow();
    if (desktop) desktop.push.emit('link.open', { link });
    else pendingLink = link;
  }

  if (!app.requestSingleInstanceLock()) {
    // A second launch hands its link (argv) to the first instance and quits.
    app.quit();
  } else {
    app.setAsDefaultProtocolClient(LINK_SCHEME);
    app.on('second-instance', (_e, argv) => {
      const link = linkFromArgv(argv);
      if (link) openLink(link);
      else showWindow();
    });
    app.on('open-url', (e, url) => {
      e.preventDefault();
      openLink(url);
    });
    app.on('web-contents-created', (_e, wc) => {
      wc.setWindowOpenHandler(({ url }) => {
        if (isExternalUrlAllowed(url)) void shell.openExternal(url);
        return { action: 'deny' };
      });
    });

    void app.whenReady().then(() => {
      const serve = appPageServer(join(root, 'renderer', 'dist'));
      protocol.handle(APP_SCHEME, (req) => {
        const url = new URL(req.url);
        if (url.host !== 'app') return new Response('not found', { status: 404 });
        const r = serve(url.pathname);
        return new Response(new Uint8Array(r.body), { status: r.status, headers: r.headers });
      });
      desktop = createDesktop({
        userData: app.getPath('userData'),
        jackServer: settings.jackServer,
        trustedSender: (s) => isAppUrl(s.url),
        forker: utilityForker,
        secrets: safeStorageCodec,
        notify: (title, body) => {
          if (Notification.isSupported()) new Notification({ title, body }).show();
        },
        openExternal: (url) => shell.openExternal(url),
        chooseSavePath: async ({ defaultName }) => {
          const options = {
            title: 'Save the recording',
            defaultPath: join(app.getPath('downloads'), defaultName),
            filters: [{ name: 'Zip archive', extensions: ['zip'] }],
          };
          // A sheet on the window where there is one (the tray may have hidden it).
          const r =
            win && !win.isDestroyed()
              ? await dialog.showSaveDialog(win, options)
              : await dialog.showSaveDialog(options);
          return r.canceled || !r.filePath ? null : r.filePath;
        },
        openVoicePort: voicePortOpener(() => win),
        host: { ...settings.host, env: { BACKLINE_WEB_ROOT: join(root, 'renderer', 'dist') } },
      });
      const d = desktop;
      hooks.onReady?.(d);
      // Self-signed hubs are accepted only with the certificate the person pinned.
      session.defaultSession.setCertificateVerifyProc((req, callback) => {
        const fp = fingerprintFromChromium(req.certificate.fingerprint);
        if (fp && d.trust.isPinnedFor(req.hostname, fp)) callback(0);
        else callback(-3); // Chromium's own verification decides
      });
      lockDownSession(session.defaultSession);
      bridgeIpc(d.router, d.push, () => BrowserWindow.getAllWindows());
      createTray(join(root, 'resources', 'tray.png'), d, (action) => {
        if (action === 'toggle-host')
          void (d.hostedHub.status.state === 'running' ? d.hostedHub.stop() : d.hostedHub.start());
        else if (action === 'toggle-mute') d.push.emit('voice.toggleMute', {});
        else if (action === 'open') showWindow();
        else if (action === 'quit') app.quit();
      });
      showWindow();
      if (pendingLink) {
        const link = pendingLink;
        pendingLink = undefined;
        win!.webContents.once('did-finish-load', () => d.push.emit('link.open', { link }));
      }
    });

    // Closing the window keeps the app (and a hosted jam) running in the tray.
    app.on('window-all-closed', () => {});
    app.on('before-quit', (e) => {
      if (quitting || !desktop) return;
      e.preventDefault();
      quitting = true;
      // Players are told, rooms end, jacktrip stops, then the app exits.
      void desktop.close().finally(() => app.exit(0));
    });
  }
}
