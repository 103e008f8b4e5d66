// `npm test`: lint, typecheck, then every test with Node's test runner, and one summary line.
// All stages run even if one fails, so a CI log shows everything at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function resetJackRegistry(): Promise<void> {
  const running = await new Promise<boolean>((resolve) => {
    const p = spawn('pgrep', ['-x', 'jackd'], { stdio: 'ignore' });
    p.on('error', () => resolve(true));
    p.on('close', (code) => resolve(code === 0));
  });
  if (running) return;
  let entries: string[];
  try {
    entries = readdirSync('/dev/shm');
  } catch {
    return; // not Linux: JACK keeps its registry elsewhere
  }
  for (const f of entries) {
    if (f === 'jack-shm-registry' || /^jack_(sem\.)?[^/]*(bltt-|backline-)/.test(f)) {
      rmSync(join('/dev/shm', f), { force: true });
    }
  }
}

function findTests(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => relative(root, join(root, dir, f)))
    .sort();
}

/** Only the test folders given on the command line, e.g. `npm test -- hub-core/test`. */
const only = process.argv.slice(2);
const skipStatic = only.length > 0;

const t0 = Date.now();
const stages: { name: string; ok: boolean; seconds: number }[] = [];
async function stage(name: string, fn: () => Promise<number>): Promise<void> {
  const s = Date.now();
  console.log(`\n=== ${name}`);
  const rc = await fn();
  stages.push({ name, ok: rc === 0, seconds: (Date.now() - s) / 1000 });
}

if (!skipStatic) {
  // ESLint, then dependency-cruiser: what may import what (.dependency-cruiser.cjs).
  await stage('lint', async () => {
    const eslint = await run(npx, ['--no-install', 'eslint', '--max-warnings', '0', '.']);
    const deps = await run(npm, ['run', '--silent', 'lint:deps']);
    return eslint || deps;
  });
  await stage('format', () =>
    run(npx, ['--no-install', 'prettier', '--check', '--log-level', 'warn', '.']),
  );
  await stage('typecheck', () => run(npx, ['--no-install', 'tsc', '-b']));
  await stage('electronegativity', () =>
    run(process.execPath, ['--import', 'tsx', 'scripts/electronegativity.ts']),
  );
}

// JACK keeps at most 8 servers in a shared-memory registry, and a server that was SIGKILLed
// never leaves it. With no jackd running, nothing uses the registry: start from a clean one.
await resetJackRegistry();

const files = (
  only.length ? only : ['protocol', 'hub-core', 'electron', 'renderer/test', 'e2e']
).flatMap((d) => (d.endsWith('.ts') ? [d] : findTests(d)));
const tapDir = mkdtempSync(join(tmpdir(), 'backline-test-'));
const tap = join(tapDir, 'results.tap');
await stage('tests', () =>
  run(process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-timeout=180000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ]),
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const text = readFileSync(tap, 'utf8');
  const count = (k: string) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  passed = count('pass');
  failed = count('fail') + count('cancelled');
  skipped = count('skipped') + count('todo');
} catch {
  failed += 1; // the runner died before writing results
}
rmSync(tapDir, { recursive: true, force: true });

const staticChecks = stages.filter((s) => s.name !== 'tests');
const staticFailed = staticChecks.filter((s) => !s.ok).length;
const testsStage = stages.find((s) => s.name === 'tests');
if (testsStage && !testsStage.ok && failed === 0) failed = 1; // non-zero exit without a failing test
console.log(
  '\n' +
    stages
      .map((s) => `${s.name} ${s.ok ? 'ok' : 'FAILED'} (${s.seconds.toFixed(1)} s)`)
      .join(' | '),
);
console.log(
  `${files.length} test files, ${passed} tests passed, ${failed} failed, ${skipped} skipped; ` +
    `${staticChecks.length - staticFailed}/${staticChecks.length} static checks ok; ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
const allPassed = passed + staticChecks.length - staticFailed;
const allFailed = failed + staticFailed;
console.log(
  `summary: ${allPassed} passed, ${allFailed} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
process.exitCode = allFailed === 0 ? 0 : 1;
