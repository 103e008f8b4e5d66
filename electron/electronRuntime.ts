// Is there an Electron runtime on this machine (npm start, npm run dist, the e2e)? Reads what the electron package recorded,
// without `require('electron')` (which tries to download the binary when it is missing).
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
