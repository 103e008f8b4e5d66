import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientIsPlayer, playerOf } from './players.js';

describe('a player’s JACK client', () => {
  it('names a player’s JACK clients, renamed ones too, and no one else', () => {
    assert.equal(clientIsPlayer('bob', 'bob'), true);
    assert.equal(clientIsPlayer('bob-01', 'bob'), true);
    assert.equal(clientIsPlayer('bob_2', 'bob'), true);
    assert.equal(clientIsPlayer('bobby', 'bob'), false);
    assert.equal(clientIsPlayer('bob-x', 'bob'), false);
    assert.equal(clientIsPlayer('alice', 'bob'), false);
  });

  it('finds the member a client belongs to, renamed or not; none for a foreign name', () => {
    const members = ['bob', 'bob-01x', 'alice'];
    assert.equal(playerOf('bob', members), 'bob');
    assert.equal(playerOf('bob-01', members), 'bob');
    assert.equal(playerOf('alice_2', members), 'alice');
    assert.equal(playerOf('zed', members), undefined);
    assert.equal(playerOf('bobby', members), undefined);
  });

  it('matches jacktrip client names to players, with the hub’s _N suffix', () => {
    assert.equal(playerOf('alice', ['alice']), 'alice');
    assert.equal(playerOf('alice_2', ['alice']), 'alice');
    assert.equal(playerOf('alicex', ['alice']), undefined);
    assert.equal(playerOf('system', ['alice']), undefined);
  });

  it('prefers the member whose whole name it is over one it extends', () => {
    assert.equal(playerOf('bob-1', ['bob', 'bob-1']), 'bob-1');
    assert.equal(playerOf('bob-1_2', ['bob', 'bob-1']), 'bob-1');
    assert.equal(playerOf('bob_2', ['bob', 'bob-1']), 'bob');
  });
});
