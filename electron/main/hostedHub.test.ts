// The hosted hub as a real hub process: its log file, and what a crash does.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HostStatus } from '../../protocol/ipc.js';
import { HOSTED_HUB_RESTARTS, HostedHub, nodeForker } from './hostedHub.js';

const modeOf = (f: string) => (statSync(f).mode & 0o777).toString(8);

describe('the hosted hub’s log file', () => {
  it(
    'is readable by its owner only, new or left by an older version',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'backline-hublog-'));
      try {
        const fresh = join(dir, 'logs', 'hub.log');
        const older = join(dir, 'older.log');
        writeFileSync(older, 'an older line\n', { mode: 0o644 });
        for (const logFile of [fresh, older]) {
          const host = new HostedHub({
            forker: nodeForker,
            dataDir: join(dir, 'hub'),
            logFile,
            listenHost: '127.0.0.1',
            advertiseHost: '127.0.0.1',
            port: 0,
            env: { RELAY_PORT: '0' },
          });
          const s = await host.start();
          assert.equal(s.state, 'running', JSON.stringify(s));
          assert.equal((await host.stop()).state, 'stopped');
          // The write stream flushes in its own time: wait for the line (10 s at most).
          const has = () => readFileSync(logFile, 'utf8').includes('hub closed');
          for (let i = 0; i < 200 && !has(); i++) await new Promise((r) => setTimeout(r, 50));
          assert.ok(has(), 'the hub wrote its log');
          assert.equal(modeOf(logFile), '600', logFile);
        }
        assert.equal(modeOf(join(dir, 'logs')), '700');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('a hosted hub that crashes', () => {
  it(
    'is reported by default, and comes back on its port where the restart policy allows',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'backline-hubcrash-'));
      const make = (restarts?: typeof HOSTED_HUB_RESTARTS) =>
        new HostedHub({
          forker: nodeForker,
          dataDir: join(dir, 'hub'),
          logFile: join(dir, 'hub.log'),
          listenHost: '127.0.0.1',
          advertiseHost: '127.0.0.1',
          port: 0,
          env: { RELAY_PORT: '0' },
          restarts,
        });
      const next = (host: HostedHub, state: HostStatus['state']) =>
        new Promise<HostStatus>((resolve) => {
          const on = (s: HostStatus) => {
            if (s.state !== state) return;
            host.off('status', on);
            resolve(s);
          };
          host.on('status', on);
        });
      try {
        const reported = make();
        assert.equal((await reported.start()).state, 'running');
        const failed = next(reported, 'failed');
        process.kill(reported.pid!, 'SIGKILL');
        assert.match((await failed).error ?? '', /the hub stopped unexpectedly/);
        assert.equal(reported.pid, undefined);

        const restarted = make({ ...HOSTED_HUB_RESTARTS, maxTries: 1, initialMs: 100 });
        const first = await restarted.start();
        assert.equal(first.state, 'running');
        const firstPid = restarted.pid!;
        const back = next(restarted, 'running');
        process.kill(firstPid, 'SIGKILL');
        const again = await back;
        assert.equal(again.port, first.port, 'the same port: the share link still works');
        assert.notEqual(restarted.pid, firstPid);
        assert.equal((await restarted.stop()).state, 'stopped');

        // A stop while a restart waits its turn cancels it: no new hub is booted to be stopped.
        const patient = make({
          ...HOSTED_HUB_RESTARTS,
          maxTries: 1,
          initialMs: 600_000,
          maxMs: 600_000,
        });
        assert.equal((await patient.start()).state, 'running');
        const waiting = next(patient, 'starting');
        process.kill(patient.pid!, 'SIGKILL');
        await waiting;
        // (A stop that sat out the 10 min wait would run past this test's timeout.)
        assert.equal((await patient.stop()).state, 'stopped');
        assert.equal(patient.pid, undefined, 'no hub was booted');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
