import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../../../testkit/fixtures.js';
import { DatabaseTooNewError } from '../errors.js';
import { migrations, type Migration } from './migrations/index.js';
import { migrate, openDatabase, schemaVersion } from './open.js';
import { SessionsRepo } from './sessions.js';
import { UsersRepo } from './users.js';

describe('database', () => {
  const dir = tempDir();
  after(dir.remove);

  it('creates a new file at the latest version, in WAL mode with foreign keys on', () => {
    const db = openDatabase(join(dir.path, 'new.db'));
    assert.equal(schemaVersion(db), migrations.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
    db.close();
  });

  it('001_accounts: users are unique case-insensitively and sessions cascade', () => {
    const db = openDatabase(join(dir.path, 'm1.db'));
    const users = new UsersRepo(db);
    const sessions = new SessionsRepo(db);
    const alice = users.insert('Alice', null, 'h', 1);
    assert.ok(alice);
    assert.equal(users.insert('alice', null, 'h', 2), undefined);
    assert.equal(users.byUsername('ALICE')?.id, alice.id);
    sessions.insert({
      id: 's1',
      user_id: alice.id,
      token_hash: Buffer.alloc(32, 1),
      created_at: 1,
      expires_at: 10,
      user_agent: null,
      ip: null,
    });
    assert.equal(sessions.countActive(5), 1);
    assert.equal(sessions.countActive(10), 0);
    assert.throws(() =>
      sessions.insert({
        id: 's2',
        user_id: 999,
        token_hash: Buffer.alloc(32, 2),
        created_at: 1,
        expires_at: 10,
        user_agent: null,
        ip: null,
      }),
    );
    db.prepare('DELETE FROM users WHERE id = ?').run(alice.id);
    assert.equal(sessions.countActive(0), 0);
    db.close();
  });

  it('applies only pending migrations, each with its version, and keeps data', () => {
    const path = join(dir.path, 'upgrade.db');
    const first = openDatabase(path, migrations.slice(0, 1));
    new UsersRepo(first).insert('keep', null, 'h', 1);
    first.close();
    const extra: Migration = {
      version: migrations.length + 1,
      name: 'test_extra',
      up: (db) => db.exec('CREATE TABLE extra (x INTEGER) STRICT'),
    };
    const db = openDatabase(path, [...migrations, extra]);
    assert.equal(schemaVersion(db), migrations.length + 1);
    assert.equal(new UsersRepo(db).byUsername('keep')?.username, 'keep');
    assert.equal(
      migrate(db, [...migrations, extra]),
      migrations.length + 1,
      'a second run is a no-op',
    );
    db.close();
  });

  it('a failing migration rolls back and leaves the version where it was', () => {
    const path = join(dir.path, 'fail.db');
    openDatabase(path).close();
    const broken: Migration = {
      version: migrations.length + 1,
      name: 'broken',
      up: (db) => {
        db.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('boom');
      },
    };
    assert.throws(() => openDatabase(path, [...migrations, broken]), /boom/);
    const db = new Database(path);
    assert.equal(schemaVersion(db), migrations.length);
    assert.equal(
      (
        db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get() as {
          n: number;
        }
      ).n,
      0,
    );
    db.close();
  });

  it('refuses a database written by a newer version, without touching it', () => {
    const path = join(dir.path, 'newer.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${migrations.length + 5}`);
    raw.close();
    assert.throws(
      () => openDatabase(path),
      (err: unknown) =>
        err instanceof DatabaseTooNewError &&
        err.found === migrations.length + 5 &&
        /newer than this hub/.test(err.message),
    );
    const check = new Database(path);
    assert.equal(schemaVersion(check), migrations.length + 5);
    check.close();
  });
});
