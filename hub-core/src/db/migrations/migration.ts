import type Database from 'better-sqlite3';

/** One step of the schema. Its own file, so the steps and the list of them import no circle. */
export interface Migration {
  /** 1, 2, 3, ... in order, no gaps: stored in PRAGMA user_version once applied. */
  version: number;
  name: string;
  up(db: Database.Database): void;
}
