// The Electron entry of the e2e runs (dist-electron/e2eMain.js, bundled by
// scripts/build-electron.ts beside the app's own entry and left out of the installers): the
// same shell as the app, plus a read-only snapshot of main's state that Playwright's
// `_electron` reads with `electronApp.evaluate` (e2e/electronApp.ts).
import { join } from 'node:path';
import { runShell } from '../electron/main/shell/app.js';
import { snapshotOf, type DesktopSnapshot } from '../electron/main/snapshot.js';

runShell({
  // Bundled into dist-electron/: the app's folder is the one above.
  root: join(import.meta.dirname, '..'),
  onReady: (desktop) => {
    (globalThis as { __backlineE2E?: unknown }).__backlineE2E = {
      snapshot: (): DesktopSnapshot => snapshotOf(desktop),
    };
  },
});
