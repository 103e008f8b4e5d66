import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  endsRoom,
  resetsWiring,
  roomStateMessage,
  sendsPlayersAway,
  targetOf,
  type RoomEvent,
} from './events.js';

const every: RoomEvent[] = [
  { kind: 'locked', message: 'm' },
  { kind: 'unlocked', message: 'm' },
  { kind: 'expiring', message: 'm', expiresAt: '2026-01-01T00:00:00.000Z' },
  { kind: 'closed', message: 'm' },
  { kind: 'expired', message: 'm' },
  { kind: 'kicked', message: 'm', userId: 7 },
  { kind: 'banned', message: 'm', userId: 8 },
  { kind: 'restarted', message: 'm' },
  { kind: 'patch_mode', message: 'm', patchMode: 2 },
  { kind: 'failed', message: 'm' },
  { kind: 'refused_name', message: 'm' },
];
const kinds = (pred: (e: RoomEvent) => boolean) => every.filter(pred).map((e) => e.kind);

describe('room events', () => {
  it('closed and expired end a room; a failure also sends its players away', () => {
    assert.deepEqual(kinds(endsRoom), ['closed', 'expired']);
    assert.deepEqual(kinds(sendsPlayersAway), ['closed', 'expired', 'failed']);
  });

  it('the wiring starts over when the room ends or its patch mode changes', () => {
    assert.deepEqual(kinds(resetsWiring), ['closed', 'expired', 'patch_mode']);
  });

  it('kicks and bans are for one player', () => {
    assert.deepEqual(
      every.map(targetOf).filter((t) => t !== undefined),
      [7, 8],
    );
  });

  it('keeps the wire format: state, message, and expires_at or patch_mode where they apply', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(roomStateMessage('r1', every[2]!))), {
      type: 'room_state',
      room_id: 'r1',
      state: 'expiring',
      message: 'm',
      expires_at: '2026-01-01T00:00:00.000Z',
    });
    assert.deepEqual(JSON.parse(JSON.stringify(roomStateMessage('r1', every[8]!))), {
      type: 'room_state',
      room_id: 'r1',
      state: 'patch_mode',
      message: 'm',
      patch_mode: 2,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(roomStateMessage('r1', every[5]!))), {
      type: 'room_state',
      room_id: 'r1',
      state: 'kicked',
      message: 'm',
    });
  });
});
