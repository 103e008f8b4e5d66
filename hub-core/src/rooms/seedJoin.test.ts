import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seedJoinFields } from './seedJoin.js';

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
});
