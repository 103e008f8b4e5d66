import Database from 'better-sqlite3';
import { DatabaseTooNewError } from '../errors.js';
import { migrations, type Migration } from './migrations/index.js';

export type Db = Database.Database;

/**
 * Opens (or creates) the hub's SQLite file, sets the pragmas every connection needs and
 * brings the schema up to date. Refuses a file written by a newer Backline.
 */
export function openDatabase(path: string, list: readonly Migration[] = migrations): Db {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db, list);
    return db;
  } catch (err) {
    db.close();
    throw err;
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
