// Bundles the headless hub into dist/hub/ with esbuild: `npm run hub` runs dist/hub/cli.js.
// scripts/build-hub.sh calls this only when a source is newer than the bundle.
//
// Unlike the desktop app's bundle (scripts/build-electron.ts), the dependencies are bundled
// too: loading one file is far quicker than resolving and reading several hundred in
// node_modules, and start-up time is this bundle's whole point. What cannot be bundled stays in
// node_modules: better-sqlite3 (native), @fastify/swagger-ui (reads its own static files, and
// is loaded only on the first request to /docs) and ws's optional native helpers.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const HUB_BUNDLE_DIR = join(ROOT, 'dist', 'hub');

const t0 = performance.now();
// Written over the last build, not after removing it: a hub still running from it loads its
// chunks on demand, and an old chunk it may still ask for keeps its (hashed) name.
rmSync(join(HUB_BUNDLE_DIR, '.built'), { force: true });
await build({
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Code loaded on demand (node-forge for a new certificate, the router's port-mapping
  // library, the API docs) goes in chunks of its own, read only when used.
  splitting: true,
  sourcemap: true,
  // Less text for V8 to parse at start; names stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['better-sqlite3', '@fastify/swagger-ui', 'bufferutil', 'utf-8-validate'],
  // Bundled CommonJS packages call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __backlineRequire } from 'node:module'; const require = __backlineRequire(import.meta.url);",
  },
  outdir: HUB_BUNDLE_DIR,
  // The hub finds its relay worker as a sibling file (hub-core/src/workers.ts), and its
  // version and web UI two folders up (version.ts, config.ts): dist/hub/ keeps both true.
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  entryPoints: {
    cli: 'hub-core/src/cli.ts',
    relayWorker: 'hub-core/src/relay/relayWorker.ts',
  },
  logLevel: 'warning',
});
// The stamp build-hub.sh compares the sources with: written last, so a failed build leaves none.
writeFileSync(join(HUB_BUNDLE_DIR, '.built'), new Date().toISOString() + '\n');
console.log(`build-hub: wrote dist/hub in ${(performance.now() - t0).toFixed(0)} ms`);
