import m001 from './001_accounts.js';
import m002 from './002_rooms.js';
import m003 from './003_recordings.js';
import type { Migration } from './migration.js';

export type { Migration };

export const migrations: readonly Migration[] = [m001, m002, m003];

// A gap or a reordering would skip a migration on some databases: refuse at load time.
migrations.forEach((m, i) => {
  if (m.version !== i + 1)
    throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
});
