// `npm start`: the desktop app where an Electron runtime exists; otherwise the headless hub,
// which prints its URL and certificate fingerprint.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { main as runHub } from '../hub-core/src/cli.js';

const root = join(import.meta.dirname, '..');
const desktopEntry = join(root, 'electron', 'main', 'index.ts');

/** The Electron binary, or why there is none. */
function electronRuntime(): { bin: string } | { missing: string } {
  if (!existsSync(desktopEntry))
    return { missing: 'this checkout has no desktop shell yet (electron/main)' };
  let bin: unknown;
  try {
    // The electron package's main export is the path of its downloaded binary.
    bin = createRequire(import.meta.url)('electron');
  } catch (err) {
    return {
      missing: `the electron package has no runtime (${(err as Error).message.split('\n')[0]})`,
    };
  }
  if (typeof bin !== 'string' || !existsSync(bin))
    return { missing: 'the Electron binary was not downloaded' };
  return { bin };
}

const runtime = electronRuntime();
if ('bin' in runtime) {
  const child = spawn(runtime.bin, [root], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  console.log(`No Electron runtime: ${runtime.missing}. Starting the headless hub instead.`);
  await runHub(process.argv.slice(2));
}
