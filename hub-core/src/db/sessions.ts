import type { Db } from './open.js';

export interface SessionRow {
  id: string;
  user_id: number;
  token_hash: Buffer;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  user_agent: string | null;
  ip: string | null;
}

export type NewSession = Omit<SessionRow, 'last_used_at'>;

/** Prepared statements for the sessions table. Tokens are only ever stored as hashes. */
export class SessionsRepo {
  private readonly insertStmt;
  private readonly byHashStmt;
  private readonly touchStmt;
  private readonly byUserStmt;
  private readonly deleteStmt;
  private readonly deleteExpiredStmt;
  private readonly countActiveStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO sessions (id, user_id, token_hash, created_at, last_used_at, expires_at, user_agent, ip)
       VALUES (@id, @user_id, @token_hash, @created_at, @created_at, @expires_at, @user_agent, @ip)`,
    );
    this.byHashStmt = db.prepare<[Buffer], SessionRow>(
      'SELECT * FROM sessions WHERE token_hash = ?',
    );
    this.touchStmt = db.prepare<[number, string]>(
      'UPDATE sessions SET last_used_at = ? WHERE id = ?',
    );
    this.byUserStmt = db.prepare<[number, number], SessionRow>(
      'SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_used_at DESC',
    );
    this.deleteStmt = db.prepare<[string, number]>(
      'DELETE FROM sessions WHERE id = ? AND user_id = ?',
    );
    this.deleteExpiredStmt = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
    this.countActiveStmt = db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM sessions WHERE expires_at > ?',
    );
  }

  insert(s: NewSession): void {
    this.insertStmt.run(s);
  }

  byTokenHash(hash: Buffer): SessionRow | undefined {
    return this.byHashStmt.get(hash);
  }

  touch(id: string, now: number): void {
    this.touchStmt.run(now, id);
  }

  listActive(userId: number, now: number): SessionRow[] {
    return this.byUserStmt.all(userId, now);
  }

  /** Deletes one of the user's sessions; false when it doesn't exist or isn't theirs. */
  delete(id: string, userId: number): boolean {
    return this.deleteStmt.run(id, userId).changes > 0;
  }

  deleteExpired(now: number): number {
    return this.deleteExpiredStmt.run(now).changes;
  }

  countActive(now: number): number {
    return this.countActiveStmt.get(now)!.n;
  }
}
