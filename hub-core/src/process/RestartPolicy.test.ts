import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, RestartPolicy, ROOM_RESTARTS } from './RestartPolicy.js';

describe('RestartPolicy', () => {
  it('ROOM_RESTARTS: 250 ms doubling to 8 s, then gives up after 6 tries', () => {
    const now = 0;
    const p = new RestartPolicy(ROOM_RESTARTS, () => now);
    p.started();
    const delays = [];
    for (let d = p.failed(); d !== undefined; d = p.failed()) delays.push(d);
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000]);
    assert.equal(p.tries, 7);
  });

  it('caps the delay at maxMs', () => {
    assert.equal(backoffDelay({ ...ROOM_RESTARTS, maxTries: 20 }, 10), 8000);
    assert.equal(
      backoffDelay({ initialMs: 100, maxMs: 1000, factor: 3, maxTries: 5, stableMs: 1 }, 3),
      900,
    );
  });

  it('a crash after stableMs of running counts from the first try again', () => {
    let now = 0;
    const p = new RestartPolicy(ROOM_RESTARTS, () => now);
    p.started();
    now += 1000;
    assert.equal(p.failed(), 250);
    p.started(); // the retry worked
    now += 59_000;
    assert.equal(p.failed(), 500, 'a minute has not passed: the second try');
    p.started();
    now += 60_000;
    assert.equal(p.failed(), 250, 'a minute of running earned a clean slate');
    assert.equal(p.tries, 1);
  });

  it('failed retries (no start in between) keep counting however long they take', () => {
    let now = 0;
    const p = new RestartPolicy(ROOM_RESTARTS, () => now);
    p.started();
    assert.equal(p.failed(), 250);
    now += 120_000;
    assert.equal(p.failed(), 500);
  });

  it('reset() forgets every try', () => {
    const p = new RestartPolicy();
    p.failed();
    p.failed();
    p.reset();
    assert.equal(p.tries, 0);
    assert.equal(p.failed(), 250);
  });
});
