// `npm run dist`: the installers (AppImage, deb, dmg, nsis) with electron-builder. It needs the
// Electron runtime of this version (to package, and to rebuild better-sqlite3 for its ABI);
// where that can't be had it says so and builds nothing.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, electronRuntime } from '../electron/electronRuntime.js';

const version = (
  JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const runtime = electronRuntime();
if ('missing' in runtime) {
  process.stderr.write(
    [
      `npm run dist: cannot build installers here: ${runtime.missing}.`,
      `electron-builder packages the Electron ${version} runtime, and better-sqlite3 must be rebuilt`,
      `against Electron ${version}'s headers; both are downloaded from github.com / electronjs.org,`,
      'which this machine cannot reach. Nothing was built.',
      'On a release machine: npx install-electron, then npm run dist (docs/desktop.md).',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npm', ['run', 'build:renderer']);
run('npm', ['run', 'build:electron']);
// Rebuild the native module for Electron's ABI, with npm's nodedir override cleared (it
// would point node-gyp at Node's headers and "succeed" with the wrong ABI).
const env = { ...process.env };
delete env.npm_config_nodedir;
delete env.NPM_CONFIG_NODEDIR;
run('npx', ['--no-install', 'electron-rebuild', '-f', '-w', 'better-sqlite3', '-v', version], env);
run(
  'npx',
  [
    '--no-install',
    'electron-builder',
    '--config',
    'build/electron-builder.yml',
    ...process.argv.slice(2),
  ],
  env,
);
