// The app window, with the security checklist applied: context isolation, the sandbox, no Node
// in the page, navigation and new windows denied, permissions limited to the microphone.
import { BrowserWindow, shell, type Session } from 'electron';
import { join } from 'node:path';
import { APP_ORIGIN } from '../../../protocol/ipc.js';
import {
  isAppUrl,
  isExternalUrlAllowed,
  isPermissionAllowed,
  isPermissionCheckAllowed,
} from '../policy.js';

export function createMainWindow(preload: string, icon: string | undefined): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 780,
    minWidth: 1024,
    minHeight: 640,
    backgroundColor: '#14161a',
    title: 'Backline',
    icon,
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      autoplayPolicy: 'no-user-gesture-required',
      // A middle click must not open links in a new window.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  // The page never leaves the app's origin; links to the web open in the browser.
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isExternalUrlAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  void win.loadURL(`${APP_ORIGIN}/`);
  return win;
}

/** Only the app's own page may ask, and only for the microphone (policy.ts). */
export function lockDownSession(ses: Session): void {
  ses.setPermissionRequestHandler((wc, permission, callback, details) => {
    const mediaTypes = (details as { mediaTypes?: string[] }).mediaTypes;
    callback(isPermissionAllowed({ url: wc.getURL(), permission, mediaTypes }));
  });
  ses.setPermissionCheckHandler((wc, permission) =>
    isPermissionCheckAllowed(wc?.getURL(), permission),
  );
  ses.setDevicePermissionHandler(() => false);
}

export const PRELOAD_FILE = (dir: string) => join(dir, 'preload.cjs');
