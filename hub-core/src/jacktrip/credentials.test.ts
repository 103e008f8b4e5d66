import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CredsFile, mintCredentials } from './credentials.js';
import { sha512Crypt } from './sha512crypt.js';

const dir = mkdtempSync(join(tmpdir(), 'backline-creds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const users = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(':')[0]);

describe('CredsFile', () => {
  it('mints a line whose hash checks the password it hands out', async () => {
    const m = await mintCredentials('alice');
    const [user, hash, times] = m.line.split(':');
    assert.equal(user, 'alice');
    assert.equal(times, '*');
    assert.match(hash!, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.equal(await sha512Crypt(m.password, hash!), hash);
    assert.notEqual(await sha512Crypt(m.password + 'x', hash!), hash);
    await assert.rejects(mintCredentials('bad:name'), /invalid jacktrip user name/);
  });

  it('adds, replaces and revokes members, keeping the file private', async () => {
    const f = new CredsFile(join(dir, 'room', 'creds.txt'));
    assert.equal(readFileSync(f.path, 'utf8'), '');
    assert.equal(statSync(f.path).mode & 0o777, 0o600);
    const a1 = await mintCredentials('alice');
    f.add(a1);
    await f.issue('bob');
    assert.deepEqual(users(f.path), ['alice', 'bob']);
    const size = statSync(f.path).size;
    // A rejoin replaces alice's line in place: same size, her old password is gone.
    const a2 = await mintCredentials('alice');
    f.add(a2);
    assert.equal(statSync(f.path).size, size);
    assert.ok(f.holds(a2) && !f.holds(a1));
    assert.ok(readFileSync(f.path, 'utf8').includes(a2.line + '\n'));
    assert.ok(!readFileSync(f.path, 'utf8').includes(a1.line));
    assert.equal(f.revoke('alice'), true);
    assert.equal(f.revoke('alice'), false);
    assert.deepEqual(users(f.path), ['bob']);
    // Growing again after a shrink writes every line once.
    await f.issue('carol');
    assert.deepEqual(users(f.path), ['bob', 'carol']);
    assert.equal(readFileSync(f.path, 'utf8').split('\n').length, 3);
  });
});
