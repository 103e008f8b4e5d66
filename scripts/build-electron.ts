// Bundles the Electron main process, the preload and the hub process into dist-electron/ with
// esbuild (Electron runs JavaScript, not TypeScript). `npm run build:electron`.
import { build, type Plugin } from 'esbuild';
import { join, sep } from 'node:path';
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

// hub-core's modules do nothing when imported (its worker and command-line entries aside, which
// are loaded by path), and its public entry (hub-core/src/index.ts) re-exports them all. Saying
// so lets esbuild bundle only the parts an entry uses: without it, the main process would
// carry, and load, the hub's whole server stack, Fastify and SQLite included.
const HUB_CORE_SRC = join(ROOT, 'hub-core', 'src') + sep;
const LOADED_BY_PATH = /(relayWorker|cli)\.ts$/;
const hubCoreHasNoSideEffects: Plugin = {
  name: 'hub-core-has-no-side-effects',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === 'resolved') return undefined;
      const found = await b.resolve(args.path, {
        importer: args.importer,
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: 'resolved',
      });
      if (found.errors.length > 0) return found;
      const ours = found.path.startsWith(HUB_CORE_SRC) && !LOADED_BY_PATH.test(found.path);
      return { path: found.path, sideEffects: !ours };
    });
  },
};

// Main, the hub process and the relay worker: ES modules, next to each other (the hub finds
// its worker as a sibling file; hostedHub.ts finds hubEntry.js the same way). Only our own code
// is bundled: dependencies stay in node_modules, which electron-builder ships as they are
// (some read their own files at run time, and better-sqlite3 is native).
await build({
  ...common,
  packages: 'external',
  plugins: [hubCoreHasNoSideEffects],
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
// The e2e runs' own entry (e2e/electronMain.ts: the shell plus a snapshot hook), bundled on its
// own beside main.js, so it finds the preload and the hub process as the app does;
// build/electron-builder.yml leaves it out of the installers.
await build({
  ...common,
  packages: 'external',
  plugins: [hubCoreHasNoSideEffects],
  format: 'esm',
  entryPoints: ['e2e/electronMain.ts'],
  outfile: join(out, 'e2eMain.js'),
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
