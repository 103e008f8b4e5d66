// Is there an Electron runtime on this machine (npm start, npm run dist, the e2e)? Reads what
// the electron package recorded, without `require('electron')` (which tries to download the
// binary when it is missing). Also builds the bundle Electron runs (dist-electron/).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');

export function electronRuntime(): { bin: string } | { missing: string } {
  const pkg = join(ROOT, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'package.json')))
    return { missing: 'the electron package is not installed (run npm ci)' };
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = join(pkg, 'path.txt');
  const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (override) {
    const bin = join(override, exe ?? 'electron');
    return existsSync(bin) ? { bin } : { missing: `ELECTRON_OVERRIDE_DIST_PATH has no ${bin}` };
  }
  if (!exe)
    return {
      missing:
        'the Electron binary was never downloaded (node_modules/electron/path.txt is missing; its download from github.com is blocked or was skipped)',
    };
  const bin = join(pkg, 'dist', exe);
  return existsSync(bin) ? { bin } : { missing: `the Electron binary ${bin} is missing` };
}

/** Runs scripts/build-electron.ts (main, preload, hub process into dist-electron/); throws on failure. */
export function buildElectronBundle(stdio: 'inherit' | 'ignore' = 'ignore'): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-electron.ts'], {
    cwd: ROOT,
    stdio,
  });
  if (r.status !== 0) throw new Error('npm run build:electron failed');
}
