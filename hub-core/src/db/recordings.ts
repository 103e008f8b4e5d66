import type { Db } from './open.js';

export interface RecordingRow {
  id: string;
  room_id: string;
  started_by: number;
  started_at: number;
  stopped_at: number | null;
  state: 'recording' | 'done';
  stop_reason: string | null;
  seconds: number;
  bytes: number;
  dir: string;
}

export class RecordingsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO recordings (id, room_id, started_by, started_at, state, dir)
         VALUES (@id, @room_id, @started_by, @started_at, 'recording', @dir)`,
      ),
      byId: db.prepare<[string], RecordingRow>('SELECT * FROM recordings WHERE id = ?'),
      byRoom: db.prepare<[string], RecordingRow>(
        'SELECT * FROM recordings WHERE room_id = ? ORDER BY started_at DESC',
      ),
      unfinished: db.prepare<[], RecordingRow>(
        "SELECT * FROM recordings WHERE state = 'recording'",
      ),
      forUser: db.prepare<[number, number, number], RecordingRow>(
        `SELECT DISTINCT r.* FROM recordings r JOIN rooms o ON o.id = r.room_id
         LEFT JOIN recording_players p ON p.recording_id = r.id
         WHERE o.creator_id = ? OR r.started_by = ? OR p.user_id = ?
         ORDER BY r.started_at DESC`,
      ),
      finish: db.prepare<[number, string | null, number, number, string]>(
        `UPDATE recordings SET state = 'done', stopped_at = ?, stop_reason = ?, seconds = ?, bytes = ?
         WHERE id = ?`,
      ),
      remove: db.prepare<[string]>('DELETE FROM recordings WHERE id = ?'),
      addPlayer: db.prepare<[string, number, string]>(
        'INSERT OR IGNORE INTO recording_players (recording_id, user_id, username) VALUES (?, ?, ?)',
      ),
      players: db.prepare<[string], { user_id: number; username: string }>(
        'SELECT user_id, username FROM recording_players WHERE recording_id = ? ORDER BY rowid',
      ),
      totalBytes: db.prepare<[], { n: number | null }>('SELECT sum(bytes) AS n FROM recordings'),
    };
  }

  insert(r: Pick<RecordingRow, 'id' | 'room_id' | 'started_by' | 'started_at' | 'dir'>): void {
    this.s.insert.run(r);
  }
  byId(id: string): RecordingRow | undefined {
    return this.s.byId.get(id);
  }
  byRoom(roomId: string): RecordingRow[] {
    return this.s.byRoom.all(roomId);
  }
  unfinished(): RecordingRow[] {
    return this.s.unfinished.all();
  }
  /** Recordings of rooms the user hosts, started, or played in. */
  forUser(userId: number): RecordingRow[] {
    return this.s.forUser.all(userId, userId, userId);
  }
  finish(id: string, at: number, reason: string | null, seconds: number, bytes: number): void {
    this.s.finish.run(at, reason, seconds, bytes, id);
  }
  remove(id: string): void {
    this.s.remove.run(id);
  }
  addPlayer(id: string, userId: number, username: string): void {
    this.s.addPlayer.run(id, userId, username);
  }
  players(id: string): { user_id: number; username: string }[] {
    return this.s.players.all(id);
  }
  /** Bytes of every finished recording on disk. */
  totalBytes(): number {
    return this.s.totalBytes.get()?.n ?? 0;
  }
}
