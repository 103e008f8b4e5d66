import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../../testkit/fixtures.js';
import { openDatabase } from './open.js';
import { UsersRepo } from './users.js';

const modeOf = (f: string) => (statSync(f).mode & 0o777).toString(8);

describe('database file modes', () => {
  const dir = tempDir();
  after(dir.remove);

  it('a new database and its -wal and -shm files are owner-only (0600)', () => {
    const path = join(dir.path, 'new.db');
    const db = openDatabase(path);
    new UsersRepo(db).insert('someone', null, 'h', 1); // the WAL file exists once written
    for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(modeOf(f), '600', f);
    db.close();
  });

  it('files an older hub left readable by others are tightened on open', () => {
    const path = join(dir.path, 'old.db');
    const older = openDatabase(path);
    new UsersRepo(older).insert('someone', null, 'h', 1);
    for (const f of [path, `${path}-wal`, `${path}-shm`]) chmodSync(f, 0o644);
    const db = openDatabase(path);
    for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(modeOf(f), '600', f);
    db.close();
    older.close();
  });
});
