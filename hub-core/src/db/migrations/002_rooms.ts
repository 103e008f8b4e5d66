import type { Migration } from './migration.js';

const m: Migration = {
  version: 2,
  name: '002_rooms',
  up(db) {
    db.exec(`
      CREATE TABLE rooms (
        id               TEXT    PRIMARY KEY,
        name             TEXT    NOT NULL,
        description      TEXT,
        creator_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        passphrase_hash  TEXT,
        max_participants INTEGER NOT NULL,
        patch_mode       INTEGER NOT NULL,
        locked           INTEGER NOT NULL DEFAULT 0,
        created_at       INTEGER NOT NULL,
        expires_at       INTEGER NOT NULL,
        closed_at        INTEGER
      ) STRICT;
      CREATE INDEX rooms_open ON rooms(closed_at, expires_at);

      CREATE TABLE room_members (
        room_id   TEXT    NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id)
      ) STRICT;

      CREATE TABLE room_bans (
        room_id   TEXT    NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        banned_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id)
      ) STRICT;

      CREATE TABLE chat_messages (
        id         INTEGER PRIMARY KEY,
        room_id    TEXT    NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        body       TEXT    NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX chat_by_room ON chat_messages(room_id, id);
    `);
  },
};
export default m;
