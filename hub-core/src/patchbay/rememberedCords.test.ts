import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JackGraph } from '../../../protocol/api.js';
import { RememberedCords } from './rememberedCords.js';
import { toGraph } from './jackGraph.js';

const port = (name: string, direction: 'input' | 'output', connections: string[] = []) => ({
  name,
  client: name.slice(0, name.indexOf(':')),
  direction,
  type: 'audio' as const,
  physical: false,
  connections,
});

describe('the host’s cords, remembered', () => {
  it('offers a cord again only when both ports exist and are not connected', () => {
    const m = new RememberedCords();
    m.remember('r', 'alice:receive_1', 'bob:send_1');
    m.remember('r', 'alice:receive_2', 'bob:send_2');
    m.remember('other', 'x:receive_1', 'y:send_1');
    const graph: JackGraph = toGraph([
      port('alice:receive_1', 'output', ['bob:send_1']),
      port('alice:receive_2', 'output'),
      port('bob:send_1', 'input', ['alice:receive_1']),
      port('bob:send_2', 'input'),
    ]);
    assert.deepEqual(m.missing('r', graph), [['alice:receive_2', 'bob:send_2']]);
    // Bob is gone (reconnecting): nothing to make until his ports are back.
    assert.deepEqual(m.missing('r', toGraph([port('alice:receive_2', 'output')])), []);
    m.forget('r', 'alice:receive_2', 'bob:send_2');
    assert.deepEqual(m.missing('r', graph), []);
  });

  it('forgets a player’s cords when they leave, and a room’s when it ends', () => {
    const m = new RememberedCords();
    m.remember('r', 'alice:receive_1', 'bob:send_1');
    m.remember('r', 'bob-01:receive_1', 'carol:send_1');
    m.remember('r', 'alice:receive_1', 'carol:send_1');
    m.forgetPlayer('r', 'bob');
    assert.deepEqual(m.cords('r'), [['alice:receive_1', 'carol:send_1']]);
    m.dropRoom('r');
    assert.deepEqual(m.cords('r'), []);
  });
});
