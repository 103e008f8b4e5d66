import type Database from 'better-sqlite3';
import m001 from './001_accounts.js';
import m002 from './002_rooms.js';

export interface Migration {
  /** 1, 2, 3, ... in order, no gaps: stored in PRAGMA user_version once applied. */
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const migrations: readonly Migration[] = [m001, m002];

// A gap or a reordering would skip a migration on some databases: refuse at load time.
migrations.forEach((m, i) => {
  if (m.version !== i + 1)
    throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
});
