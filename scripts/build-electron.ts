// Bundles the Electron main process, the preload and the hub process into dist-electron/ with
// esbuild (Electron runs JavaScript, not TypeScript). `npm run build:electron`.
import { build } from 'esbuild';
import { join } from 'node:path';
import { ROOT } from '../electron/electronRuntime.js';

const out = join(ROOT, 'dist-electron');
const external = ['electron', 'better-sqlite3', 'bufferutil', 'utf-8-validate'];
const common = {
  bundle: true,
  platform: 'node' as const,
  target: 'node22',
  sourcemap: true,
  external,
  logLevel: 'warning' as const,
  absWorkingDir: ROOT,
};

// Main, the hub process and the relay worker: ES modules, next to each other (the hub finds
// its worker as a sibling file; hubHost.ts finds hubEntry.js the same way). Only our own code
// is bundled: dependencies stay in node_modules, which electron-builder ships as they are
// (some read their own files at run time, and better-sqlite3 is native).
await build({
  ...common,
  packages: 'external',
  format: 'esm',
  outdir: out,
  entryNames: '[name]',
  outExtension: { '.js': '.js' },
  entryPoints: {
    main: 'electron/main/shell/index.ts',
    hubEntry: 'electron/main/hubEntry.ts',
    relayWorker: 'hub-core/src/relay/relayWorker.ts',
  },
});
// The preload runs sandboxed: one CommonJS file that may require only 'electron'.
await build({
  ...common,
  format: 'cjs',
  platform: 'browser',
  external: ['electron'],
  entryPoints: ['electron/preload/index.ts'],
  outfile: join(out, 'preload.cjs'),
});
console.log(`build-electron: wrote ${out}`);
