import type { Migration } from './migration.js';

const m: Migration = {
  version: 3,
  name: '003_recordings',
  up(db) {
    db.exec(`
      CREATE TABLE recordings (
        id          TEXT    PRIMARY KEY,
        room_id     TEXT    NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        started_by  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        started_at  INTEGER NOT NULL,
        stopped_at  INTEGER,
        state       TEXT    NOT NULL,
        stop_reason TEXT,
        seconds     REAL    NOT NULL DEFAULT 0,
        bytes       INTEGER NOT NULL DEFAULT 0,
        dir         TEXT    NOT NULL
      ) STRICT;
      CREATE INDEX recordings_room ON recordings(room_id, started_at);

      CREATE TABLE recording_players (
        recording_id TEXT    NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        user_id      INTEGER NOT NULL,
        username     TEXT    NOT NULL,
        PRIMARY KEY (recording_id, user_id)
      ) STRICT;
    `);
  },
};
export default m;
