// `npm run hub` as a user runs it: a real process, real env, real signals.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { httpsJson, randomJackTripBase, tempDir } from '../../testkit/fixtures.js';
import { alive, descendants } from '../../testkit/jack.js';

const root = join(import.meta.dirname, '..', '..');
// Process groups this file started; `after` makes sure none outlives the tests.
const groups = new Set<number>();

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(cmd: string, args: string[], env: Record<string, string>): Run {
  // Own process group, so cleanup can reach npm's child too.
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid) groups.add(child.pid);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // 'exit', not 'close': an orphaned grandchild holding the pipes must not hang the test.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

const hubDirect = (env: Record<string, string>) =>
  start(process.execPath, ['--import', 'tsx', 'hub-core/src/cli.ts'], env);

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

after(async () => {
  for (const pgid of groups) {
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  }
  await waitFor(
    'started processes to exit',
    () => ([...groups].some(groupAlive) ? undefined : true),
    5_000,
  );
});

describe('npm run hub', () => {
  it('starts, answers /health over HTTPS, finishes in-flight requests and exits 0 on SIGTERM', async () => {
    const dir = tempDir();
    try {
      const run = start('npm', ['run', '--silent', 'hub'], {
        BACKLINE_DATA_DIR: dir.path,
        HUB_HOST: '127.0.0.1',
        HUB_PORT: '0',
      });
      const url = await waitFor(
        'the URL line',
        () => /listening on (https:\/\/\S+)/.exec(run.stdout())?.[1],
      );
      const fp = /fingerprint: ([0-9A-F:]{95})/.exec(run.stdout())?.[1];
      assert.ok(fp, run.stdout());
      const ca = readFileSync(join(dir.path, 'certs', 'hub-cert.pem'), 'utf8');
      const health = await httpsJson(`${url}/health`, { ca });
      assert.equal(health.status, 200);
      assert.equal((health.body as { tls: { fingerprint256: string } }).tls.fingerprint256, fp);

      // A registration (bcrypt, a few hundred ms) is in flight when SIGTERM arrives.
      const inFlight = httpsJson(`${url}/auth/register`, {
        method: 'POST',
        body: { username: 'lastone', password: 'mypassword' },
        ca,
      });
      await new Promise((r) => setTimeout(r, 50));
      run.child.kill('SIGTERM');
      const res = await inFlight;
      assert.equal(res.status, 201, res.text);
      const { code } = await run.exit;
      assert.equal(code, 0, run.stderr());
      await waitFor(
        'the process group to end',
        () => (groupAlive(run.child.pid!) ? undefined : true),
        5_000,
      );

      // The database was closed cleanly and kept the last registration.
      const db = new Database(join(dir.path, 'hub.db'), { readonly: true });
      assert.equal((db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n, 1);
      db.close();
    } finally {
      dir.remove();
    }
  });

  it('reuses its certificate on the next start (same fingerprint)', async () => {
    const dir = tempDir();
    try {
      const fps: string[] = [];
      for (let i = 0; i < 2; i++) {
        const run = hubDirect({
          BACKLINE_DATA_DIR: dir.path,
          HUB_HOST: '127.0.0.1',
          HUB_PORT: '0',
        });
        fps.push(
          await waitFor(
            'fingerprint',
            () => /fingerprint: ([0-9A-F:]{95})/.exec(run.stdout())?.[1],
          ),
        );
        run.child.kill('SIGTERM');
        assert.equal((await run.exit).code, 0);
      }
      assert.equal(fps[0], fps[1]);
    } finally {
      dir.remove();
    }
  });

  const exitsWith = async (env: Record<string, string>, code: number, pattern: RegExp) => {
    const run = hubDirect({ HUB_HOST: '127.0.0.1', HUB_PORT: '0', ...env });
    const result = await run.exit;
    assert.equal(result.code, code, `stdout: ${run.stdout()}\nstderr: ${run.stderr()}`);
    const lines = run.stderr().trim().split('\n');
    assert.equal(lines.length, 1, run.stderr());
    assert.match(lines[0]!, pattern);
  };

  it('an invalid variable exits 2 with one line naming it', async () => {
    const dir = tempDir();
    try {
      await exitsWith(
        { BACKLINE_DATA_DIR: dir.path, HUB_PORT: 'eighty' },
        2,
        /HUB_PORT: "eighty" is not a whole number; allowed: 0 to 65535/,
      );
      await exitsWith(
        { BACKLINE_DATA_DIR: dir.path, JACKTRIP_PORT_RANGE: '-3' },
        2,
        /JACKTRIP_PORT_RANGE/,
      );
      await exitsWith(
        {
          BACKLINE_DATA_DIR: dir.path,
          SSL_CERTFILE: join(dir.path, 'nope.pem'),
          SSL_KEYFILE: join(dir.path, 'nope.key'),
        },
        2,
        /SSL_CERTFILE: cannot read .*nope\.pem \(ENOENT\)/,
      );
      writeFileSync(join(dir.path, 'bad.pem'), 'not a certificate');
      await exitsWith(
        {
          BACKLINE_DATA_DIR: dir.path,
          SSL_CERTFILE: join(dir.path, 'bad.pem'),
          SSL_KEYFILE: join(dir.path, 'bad.pem'),
        },
        2,
        /SSL_CERTFILE: .*bad\.pem is not a PEM certificate/,
      );
    } finally {
      dir.remove();
    }
  });

  it('a port in use exits 2 naming HUB_PORT', async () => {
    const dir = tempDir();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const port = (blocker.address() as { port: number }).port;
      await exitsWith(
        { BACKLINE_DATA_DIR: dir.path, HUB_PORT: String(port) },
        2,
        /HUB_PORT: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/,
      );
    } finally {
      blocker.close();
      dir.remove();
    }
  });

  it('refuses a database from a newer version (exit 1, file untouched)', async () => {
    const dir = tempDir();
    try {
      const db = new Database(join(dir.path, 'hub.db'));
      db.pragma('user_version = 999');
      db.close();
      await exitsWith(
        { BACKLINE_DATA_DIR: dir.path },
        1,
        /schema version 999 is newer than this hub supports/,
      );
      const check = new Database(join(dir.path, 'hub.db'), { readonly: true });
      assert.equal(check.pragma('user_version', { simple: true }), 999);
      check.close();
    } finally {
      dir.remove();
    }
  });

  it('serves plain HTTP only with --insecure-http, and says so', async () => {
    const dir = tempDir();
    try {
      const run = start(
        process.execPath,
        ['--import', 'tsx', 'hub-core/src/cli.ts', '--insecure-http'],
        {
          BACKLINE_DATA_DIR: dir.path,
          HUB_HOST: '127.0.0.1',
          HUB_PORT: '0',
        },
      );
      const url = await waitFor(
        'the URL line',
        () => /listening on (http:\/\/\S+)/.exec(run.stdout())?.[1],
      );
      assert.match(run.stdout(), /WARNING: plain HTTP/);
      const res = await fetch(`${url}/health`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { tls: { enabled: boolean } }).tls.enabled, false);
      run.child.kill('SIGTERM');
      assert.equal((await run.exit).code, 0);
    } finally {
      dir.remove();
    }
  });

  /** A hub process (`npm run hub` or the CLI directly) with one live room; its room processes. */
  async function hubWithLiveRoom(
    viaNpm: boolean,
    dir: string,
  ): Promise<{ run: Run; kids: number[] }> {
    const env = {
      BACKLINE_DATA_DIR: dir,
      HUB_HOST: '127.0.0.1',
      HUB_PORT: '0',
      JACKTRIP_BASE_PORT: String(randomJackTripBase()),
    };
    const run = viaNpm ? start('npm', ['run', '--silent', 'hub'], env) : hubDirect(env);
    const url = await waitFor(
      'the URL line',
      () => /listening on (https:\/\/\S+)/.exec(run.stdout())?.[1],
    );
    const ca = readFileSync(join(dir, 'certs', 'hub-cert.pem'), 'utf8');
    const call = (path: string, body: unknown, token?: string) =>
      httpsJson(`${url}${path}`, { method: 'POST', body, token, ca });
    const token = (
      (await call('/auth/register', { username: 'host1', password: 'host1-password' })).body as {
        token: string;
      }
    ).token;
    const room = (await call('/rooms', { name: 'live' }, token)).body as { id: string };
    const joined = await call(`/rooms/${room.id}/join`, {}, token);
    assert.equal(joined.status, 200, joined.text);
    const kids = await descendants(run.child.pid!);
    const names = kids.map((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim());
    assert.ok(
      names.includes('jackd') && names.includes('jacktrip') && names.includes('jack_evmon'),
      names.join(','),
    );
    return { run, kids };
  }

  it('SIGTERM with a live room: exit 0, and no jackd, jacktrip or jack_evmon is left', async () => {
    const dir = tempDir();
    try {
      const { run, kids } = await hubWithLiveRoom(true, dir.path);
      run.child.kill('SIGTERM');
      assert.equal((await run.exit).code, 0, run.stderr());
      for (const p of kids) assert.equal(alive(p), false, `process ${p} outlived the hub`);
    } finally {
      dir.remove();
    }
  });

  it('kill -9 of the hub itself: its room processes die with it (parent-death signal)', async () => {
    const dir = tempDir();
    try {
      const { run, kids } = await hubWithLiveRoom(false, dir.path);
      run.child.kill('SIGKILL');
      await run.exit;
      await waitFor(
        'the room processes to die',
        () => (kids.some(alive) ? undefined : true),
        10_000,
      );
    } finally {
      dir.remove();
    }
  });
});
