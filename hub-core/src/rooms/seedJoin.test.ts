import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoomRow } from '../db/rooms.js';
import { seedJoinFields } from './seedJoin.js';
import { joinAnswer } from './views.js';

describe('seed join fields', () => {
  it('say what the jacktrip details say, in the seed hub’s names', () => {
    const fields = seedJoinFields({
      host: 'hub.example',
      port: 4464,
      username: 'ana',
      password: 'secret',
      remote_name: 'ana',
      queue: 4,
      args: [],
    });
    assert.deepEqual(fields, {
      hub_host: 'hub.example',
      port: 4464,
      jacktrip_port: 4464,
      jacktrip_flags: ['-q', '4'],
    });
  });

  it("ask the client for jacktrip's default queue (4), no longer than a bare hub's", () => {
    const room = { id: 'r', name: 'n', patch_mode: 2, expires_at: 0 } as RoomRow;
    const a = joinAnswer({ room, host: 'h', tcpPort: 4464, username: 'ana', password: 'pw' });
    assert.equal(a.jacktrip.queue, 4);
    assert.deepEqual(a.jacktrip_flags, ['-q', '4']);
    const q = a.jacktrip.args.indexOf('-q');
    assert.equal(a.jacktrip.args[q + 1], '4');
  });
});
