// The same desktop specs through real Electron (Playwright's `_electron`), wherever an Electron
// binary exists (electron/electronRuntime.ts). Not on our CI machines: the runtime can't be
// downloaded there, and the specs then run only through the harness (desktopHarness.ts).
import { _electron, type ElectronApplication } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, electronRuntime } from '../electron/electronRuntime.js';
import { delay } from '../hub-core/src/index.js';
import { alive } from '../testkit/jack.js';
import type { DesktopSnapshot } from '../electron/main/snapshot.js';
import { collectProblems, type AppUnderTest } from './desktopHarness.js';

/** The Electron binary, or why there is none. */
export function electronBinary(): string | undefined {
  const r = electronRuntime();
  return 'bin' in r ? r.bin : undefined;
}

/** An X display for Electron's windows: the session's own, or a private Xvfb stopped by `close`. */
export async function display(): Promise<{ env: string; close: () => Promise<void> }> {
  if (process.env.DISPLAY) return { env: process.env.DISPLAY, close: async () => {} };
  const x: ChildProcess = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((r) => x.once('exit', () => r()));
  const number = await new Promise<string>((resolve, reject) => {
    let got = '';
    x.stdio[3]!.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\n')) resolve(got.trim());
    });
    x.once('error', reject);
    x.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it had a display`)));
  });
  return {
    env: `:${number}`,
    close: async () => {
      x.kill('SIGTERM');
      await exited;
    },
  };
}

export async function launchElectronApp(options: {
  name: string;
  bin: string;
  display: string;
  jackServer?: string;
  userData?: string;
  /** Extra environment for the app and its hub (JACKTRIP_BASE_PORT, LOG_LEVEL, ...). */
  env?: Record<string, string>;
}): Promise<AppUnderTest & { app: ElectronApplication }> {
  const userData =
    options.userData ?? mkdtempSync(join(tmpdir(), `backline-electron-${options.name}-`));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    ...options.env,
    DISPLAY: options.display,
    BACKLINE_USER_DATA: userData,
    // The specs' hubs listen on loopback only, and name loopback in their links.
    BACKLINE_HOST_LISTEN: '127.0.0.1',
    BACKLINE_HOST_ADDRESS: '127.0.0.1',
    BACKLINE_HOST_PORT: '0',
    ...(options.jackServer ? { BACKLINE_JACK_SERVER: options.jackServer } : {}),
  });
  const app = await _electron.launch({
    executablePath: options.bin,
    cwd: ROOT,
    env,
    args: [
      // The e2e's own entry: the app's shell plus the snapshot hook (e2e/electronMain.ts).
      join(ROOT, 'dist-electron', 'e2eMain.js'),
      // Chromium's fake microphone (a beeping tone) instead of a sound card.
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ],
  });
  const page = await app.firstWindow();
  const problems = collectProblems(page);
  const pid = app.process().pid;
  return {
    name: options.name,
    app,
    page,
    userData,
    problems,
    snapshot: () =>
      app.evaluate(() =>
        (
          globalThis as unknown as { __backlineE2E: { snapshot(): DesktopSnapshot } }
        ).__backlineE2E.snapshot(),
      ),
    async close() {
      // Quitting tells the players, ends the rooms and jacktrip, then exits (shell/index.ts).
      await app.close().catch(() => {});
      // Waited for by PID; an app that did not quit within 30 s is killed (no orphans).
      if (pid !== undefined) {
        for (let i = 0; i < 300 && alive(pid); i++) await delay(100);
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      if (!options.userData) rmSync(userData, { recursive: true, force: true });
    },
  };
}
