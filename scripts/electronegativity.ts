// Runs Doyensec's electronegativity over the Electron code (electron/) and fails on any
// high or medium finding that is not in the reviewed list below. `npm run electronegativity`;
// also a stage of `npm test`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../electron/electronRuntime.js';

/**
 * Findings that are prompts to review a feature rather than defects ("Review the use of ..."),
 * each reviewed, with where the answer lives. Keyed by check and file.
 */
const REVIEWED: Record<string, string> = {
  'PROTOCOL_HANDLER_JS_CHECK electron/main/shell/app.ts':
    'backline:// links only reach hubs.open, which parses them (links.ts) and pins the certificate (trust.ts)',
  'OPEN_EXTERNAL_JS_CHECK electron/main/shell/app.ts':
    'every call is behind isExternalUrlAllowed (policy.ts: http/https without credentials; tested)',
  'OPEN_EXTERNAL_JS_CHECK electron/main/ipc/app.ts':
    'app.openExternal refuses (code `refused`) every URL isExternalUrlAllowed refuses, before the call (policy.ts; tested)',
  'OPEN_EXTERNAL_JS_CHECK electron/main/shell/windows.ts':
    'behind isExternalUrlAllowed (policy.ts: http/https without credentials; tested)',
  'CERTIFICATE_VERIFY_PROC_JS_CHECK electron/main/shell/app.ts':
    'accepts only a certificate whose SHA-256 matches a pin for that host; everything else goes to Chromium (-3)',
  'PRELOAD_JS_CHECK electron/main/shell/windows.ts':
    'the preload only calls contextBridge with the contract’s channels, in a sandboxed, isolated window',
};

// What ships in the app: the Electron code and the page (whose CSP meta tag it checks).
const dir = mkdtempSync(join(tmpdir(), 'backline-eneg-'));
const input = join(dir, 'app');
cpSync(join(ROOT, 'electron'), join(input, 'electron'), {
  recursive: true,
  filter: (src) => !src.endsWith('.test.ts'),
});
cpSync(join(ROOT, 'renderer', 'index.html'), join(input, 'renderer', 'index.html'));
const out = join(dir, 'out.csv');
const r = spawnSync(
  join(ROOT, 'node_modules', '.bin', 'electronegativity'),
  ['-i', input, '-r', '-s', 'medium', '-e', '45.4.1', '-o', out, '-v', 'false'],
  { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
);
let csv = '';
try {
  csv = readFileSync(out, 'utf8');
} catch {
  process.stderr.write(`electronegativity produced no report:\n${r.stdout}\n${r.stderr}\n`);
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });

const rows = csv
  .split('\n')
  .slice(1)
  .filter((l) => l.trim())
  .map((l) => {
    const cols = l
      .match(/("([^"]|"")*"|[^,]*)(,|$)/g)!
      .map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    return {
      check: cols[0]!,
      severity: cols[1]!,
      file: cols[3]!,
      location: cols[4]!,
      sample: cols[5]!,
    };
  })
  .filter((f) => f.severity === 'HIGH' || f.severity === 'MEDIUM');
const open = rows.filter((f) => !REVIEWED[`${f.check} ${f.file}`]);
const reviewed = rows.length - open.length;
for (const f of open) console.log(`${f.severity} ${f.check} ${f.file}:${f.location} ${f.sample}`);
console.log(
  `electronegativity: ${rows.length} high/medium findings, ${reviewed} reviewed (scripts/electronegativity.ts), ${open.length} open`,
);
process.exit(open.length ? 1 : 0);
