import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DatabaseTooNewError } from '../errors.js';
import { markStartup } from '../startup.js';
import { migrations, type Migration } from './migrations/index.js';

export type Db = Database.Database;

/** Owner-only: the database holds password hashes, session token hashes and chat. */
const FILE_MODE = 0o600;

/**
 * Opens (or creates) the hub's SQLite file, sets the pragmas every connection needs and
 * brings the schema up to date. Refuses a file written by a newer Backline.
 */
export function openDatabase(path: string, list: readonly Migration[] = migrations): Db {
  const onDisk = path !== ':memory:' && path !== '';
  // Created owner-only before SQLite touches it; SQLite gives its -wal and -shm files the
  // main file's mode.
  if (onDisk) closeSync(openSync(path, 'a', FILE_MODE));
  const db = new Database(path);
  try {
    // Files left by an older hub, which created them with the default umask, are tightened.
    if (onDisk) for (const f of [path, `${path}-wal`, `${path}-shm`]) chmodIfThere(f);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    markStartup('database');
    migrate(db, list);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function chmodIfThere(file: string): void {
  try {
    chmodSync(file, FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every pending migration, each in its own transaction with its version bump. */
export function migrate(db: Db, list: readonly Migration[] = migrations): number {
  const latest = list.length === 0 ? 0 : list[list.length - 1]!.version;
  const current = schemaVersion(db);
  if (current > latest) throw new DatabaseTooNewError(current, latest);
  for (const m of list) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      // user_version takes no bound parameters; the value is our own integer.
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
