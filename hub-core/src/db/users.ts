import type { Db } from './open.js';

export interface UserRow {
  id: number;
  username: string;
  email: string | null;
  password_hash: string;
  created_at: number;
}

/** Prepared statements for the users table. */
export class UsersRepo {
  private readonly insertStmt;
  private readonly byNameStmt;
  private readonly byIdStmt;
  private readonly countStmt;
  private readonly deleteStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare<[string, string | null, string, number], UserRow>(
      `INSERT INTO users (username, email, password_hash, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (username) DO NOTHING
       RETURNING *`,
    );
    this.byNameStmt = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
    this.byIdStmt = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
    this.deleteStmt = db.prepare<[number]>('DELETE FROM users WHERE id = ?');
  }

  /** Returns the new row, or undefined when the name (case-insensitively) is taken. */
  insert(
    username: string,
    email: string | null,
    passwordHash: string,
    now: number,
  ): UserRow | undefined {
    return this.insertStmt.get(username, email, passwordHash, now);
  }

  byUsername(username: string): UserRow | undefined {
    return this.byNameStmt.get(username);
  }

  byId(id: number): UserRow | undefined {
    return this.byIdStmt.get(id);
  }

  /** Removes the account; its sessions, rooms, memberships, bans and chat go with it (cascade). */
  delete(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }

  count(): number {
    return this.countStmt.get()!.n;
  }
}
