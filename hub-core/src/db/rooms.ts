import type { Db } from './open.js';

export interface RoomRow {
  id: string;
  name: string;
  description: string | null;
  creator_id: number;
  passphrase_hash: string | null;
  max_participants: number;
  patch_mode: number;
  locked: number;
  created_at: number;
  expires_at: number;
  closed_at: number | null;
}

export interface MemberRow {
  user_id: number;
  username: string;
  joined_at: number;
}

export interface ChatRow {
  id: number;
  room_id: string;
  user_id: number;
  username: string;
  body: string;
  created_at: number;
}

/** Prepared statements for rooms, their members, bans and chat. */
export class RoomsRepo {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO rooms (id, name, description, creator_id, passphrase_hash, max_participants, patch_mode, created_at, expires_at)
         VALUES (@id, @name, @description, @creator_id, @passphrase_hash, @max_participants, @patch_mode, @created_at, @expires_at)`,
      ),
      byId: db.prepare<[string], RoomRow>('SELECT * FROM rooms WHERE id = ?'),
      open: db.prepare<[number], RoomRow>(
        'SELECT * FROM rooms WHERE closed_at IS NULL AND expires_at > ? ORDER BY created_at DESC',
      ),
      close: db.prepare<[number, string]>(
        'UPDATE rooms SET closed_at = ? WHERE id = ? AND closed_at IS NULL',
      ),
      setLocked: db.prepare<[number, string]>('UPDATE rooms SET locked = ? WHERE id = ?'),
      setPatchMode: db.prepare<[number, string]>('UPDATE rooms SET patch_mode = ? WHERE id = ?'),
      members: db.prepare<[string], MemberRow>(
        `SELECT m.user_id, u.username, m.joined_at FROM room_members m JOIN users u ON u.id = m.user_id
         WHERE m.room_id = ? ORDER BY m.joined_at`,
      ),
      memberCount: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM room_members WHERE room_id = ?',
      ),
      isMember: db.prepare<[string, number], { n: number }>(
        'SELECT count(*) AS n FROM room_members WHERE room_id = ? AND user_id = ?',
      ),
      addMember: db.prepare<[string, number, number]>(
        'INSERT OR IGNORE INTO room_members (room_id, user_id, joined_at) VALUES (?, ?, ?)',
      ),
      removeMember: db.prepare<[string, number]>(
        'DELETE FROM room_members WHERE room_id = ? AND user_id = ?',
      ),
      clearMembers: db.prepare<[]>('DELETE FROM room_members'),
      ban: db.prepare<[string, number, number]>(
        'INSERT OR IGNORE INTO room_bans (room_id, user_id, banned_at) VALUES (?, ?, ?)',
      ),
      bans: db.prepare<[string], { user_id: number }>(
        'SELECT user_id FROM room_bans WHERE room_id = ?',
      ),
      isBanned: db.prepare<[string, number], { n: number }>(
        'SELECT count(*) AS n FROM room_bans WHERE room_id = ? AND user_id = ?',
      ),
      addChat: db.prepare<[string, number, string, number], { id: number }>(
        'INSERT INTO chat_messages (room_id, user_id, body, created_at) VALUES (?, ?, ?, ?) RETURNING id',
      ),
      lastChat: db.prepare<[string, number], ChatRow>(
        `SELECT * FROM (SELECT c.*, u.username FROM chat_messages c JOIN users u ON u.id = c.user_id
         WHERE c.room_id = ? ORDER BY c.id DESC LIMIT ?) ORDER BY id`,
      ),
      usernameOf: db.prepare<[number], { username: string }>(
        'SELECT username FROM users WHERE id = ?',
      ),
      countOpen: db.prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM rooms WHERE closed_at IS NULL AND expires_at > ?',
      ),
      countOpenBy: db.prepare<[number, number], { n: number }>(
        'SELECT count(*) AS n FROM rooms WHERE closed_at IS NULL AND expires_at > ? AND creator_id = ?',
      ),
    };
  }

  insert(r: Omit<RoomRow, 'locked' | 'closed_at'>): void {
    this.statements.insert.run(r);
  }
  /**
   * Inserts the room unless its creator already hosts `maxOpen` open rooms, atomically (parallel
   * creations cannot overshoot); false when at the limit.
   */
  insertIfUnder(r: Omit<RoomRow, 'locked' | 'closed_at'>, maxOpen: number, now: number): boolean {
    return this.db.transaction(() => {
      if (this.countOpenBy(r.creator_id, now) >= maxOpen) return false;
      this.statements.insert.run(r);
      return true;
    })();
  }
  /** Open rooms (not closed, not expired) `userId` hosts. */
  countOpenBy(userId: number, now: number): number {
    return this.statements.countOpenBy.get(now, userId)!.n;
  }
  byId(id: string): RoomRow | undefined {
    return this.statements.byId.get(id);
  }
  listOpen(now: number): RoomRow[] {
    return this.statements.open.all(now);
  }
  countOpen(now: number): number {
    return this.statements.countOpen.get(now)!.n;
  }
  close(id: string, now: number): boolean {
    return this.statements.close.run(now, id).changes > 0;
  }
  setLocked(id: string, locked: boolean): void {
    this.statements.setLocked.run(locked ? 1 : 0, id);
  }
  setPatchMode(id: string, mode: number): void {
    this.statements.setPatchMode.run(mode, id);
  }
  members(id: string): MemberRow[] {
    return this.statements.members.all(id);
  }
  memberCount(id: string): number {
    return this.statements.memberCount.get(id)!.n;
  }
  isMember(id: string, userId: number): boolean {
    return this.statements.isMember.get(id, userId)!.n > 0;
  }
  /** Adds a member unless the room is full, atomically; false when full. */
  addMemberIfRoom(id: string, userId: number, max: number, now: number): boolean {
    return this.db.transaction(() => {
      if (this.isMember(id, userId)) return true;
      if (this.memberCount(id) >= max) return false;
      this.statements.addMember.run(id, userId, now);
      return true;
    })();
  }
  removeMember(id: string, userId: number): boolean {
    return this.statements.removeMember.run(id, userId).changes > 0;
  }
  /** After a hub restart nobody is connected: memberships start afresh. */
  clearMembers(): void {
    this.statements.clearMembers.run();
  }
  ban(id: string, userId: number, now: number): void {
    this.statements.ban.run(id, userId, now);
  }
  bans(id: string): number[] {
    return this.statements.bans.all(id).map((b) => b.user_id);
  }
  isBanned(id: string, userId: number): boolean {
    return this.statements.isBanned.get(id, userId)!.n > 0;
  }
  usernameOf(userId: number): string | undefined {
    return this.statements.usernameOf.get(userId)?.username;
  }
  addChat(roomId: string, userId: number, body: string, now: number): number {
    return this.statements.addChat.get(roomId, userId, body, now)!.id;
  }
  lastChat(roomId: string, limit: number): ChatRow[] {
    return this.statements.lastChat.all(roomId, limit);
  }
}
