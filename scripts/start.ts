// `npm start`: the desktop app where an Electron runtime exists; otherwise the headless hub,
// which prints its URL and certificate fingerprint.
import { spawn, spawnSync } from 'node:child_process';
import { main as runHub } from '../hub-core/src/cli.js';
import { ROOT, electronRuntime } from '../electron/electronRuntime.js';

const runtime = electronRuntime();
if ('bin' in runtime) {
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-electron.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
  const child = spawn(runtime.bin, [ROOT], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  console.log(`No Electron runtime: ${runtime.missing}. Starting the headless hub instead.`);
  await runHub(process.argv.slice(2));
}
