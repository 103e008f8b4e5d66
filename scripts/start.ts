// `npm start`: the desktop app where an Electron runtime exists; otherwise the headless hub,
// which prints its URL and certificate fingerprint.
import { spawn } from 'node:child_process';
import { main as runHub } from '../hub-core/src/cli.js';
import { ROOT, buildElectronBundle, electronRuntime } from '../electron/electronRuntime.js';

const runtime = electronRuntime();
if ('bin' in runtime) {
  try {
    buildElectronBundle('inherit');
  } catch {
    process.exit(1); // esbuild printed why
  }
  const child = spawn(runtime.bin, [ROOT], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  console.log(`No Electron runtime: ${runtime.missing}. Starting the headless hub instead.`);
  await runHub(process.argv.slice(2));
}
