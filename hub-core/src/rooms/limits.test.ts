import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimited } from '../errors.js';
import { CreationGuard, DEFAULT_ROOM_LIMITS, PassphraseGuard } from './limits.js';

function clock(start = 1_000_000) {
  let now = start;
  const c = () => now;
  c.advance = (ms: number) => (now += ms);
  return c;
}

const limits = {
  perUser: 3,
  perIp: 5,
  windowMs: 60_000,
  inFlightPerUser: 1,
  inFlightPerIp: 2,
};

const retryAfterOf = (fn: () => unknown): number => {
  try {
    fn();
  } catch (err) {
    if (err instanceof RateLimited) return err.retryAfterSeconds;
    throw err;
  }
  return 0;
};

describe('PassphraseGuard', () => {
  it('counts an attempt when it starts, so attempts in flight use up the limit', () => {
    const c = clock();
    const g = new PassphraseGuard({ ...limits, inFlightPerUser: 10, inFlightPerIp: 10 }, c);
    const running = [1, 2, 3].map(() => g.begin('room', 7, '10.0.0.1'));
    assert.ok(retryAfterOf(() => g.begin('room', 7, '10.0.0.1')) > 0);
    for (const a of running) a.settle('wrong');
    assert.equal(
      retryAfterOf(() => g.begin('room', 7, '10.0.0.1')),
      60,
    );
    c.advance(60_001);
    g.begin('room', 7, '10.0.0.1').settle('right');
  });

  it('caps checks in flight per user and per IP', () => {
    const g = new PassphraseGuard(limits, clock());
    const a = g.begin('room', 1, '10.0.0.1');
    assert.equal(
      retryAfterOf(() => g.begin('room', 1, '10.0.0.1')),
      1,
    );
    const b = g.begin('room', 2, '10.0.0.1');
    assert.equal(
      retryAfterOf(() => g.begin('room', 3, '10.0.0.1')),
      1,
      'the IP has 2 running',
    );
    g.begin('room', 3, '10.0.0.2').settle('wrong');
    a.settle('right');
    b.settle('unchecked');
    g.begin('room', 1, '10.0.0.1').settle('wrong');
  });

  it('refunds a right passphrase, and a check that could not run', async () => {
    const g = new PassphraseGuard(limits, clock());
    for (let i = 0; i < 10; i++) assert.equal(await g.check('r', 1, 'ip', async () => true), true);
    await assert.rejects(
      g.check('r', 1, 'ip', () => Promise.reject(new Error('hasher busy'))),
      /hasher busy/,
    );
    for (let i = 0; i < 3; i++) assert.equal(await g.check('r', 1, 'ip', async () => false), false);
    await assert.rejects(
      g.check('r', 1, 'ip', async () => true),
      (e: unknown) => e instanceof RateLimited && /wrong passphrases/.test(e.message),
    );
  });

  it('limits an IP across users and rooms', async () => {
    const g = new PassphraseGuard(limits, clock());
    for (let user = 1; user <= 5; user++)
      assert.equal(await g.check(`room${user % 2}`, user, 'ip', async () => false), false);
    await assert.rejects(
      g.check('room9', 99, 'ip', async () => true),
      (e: unknown) => e instanceof RateLimited && /from your address/.test(e.message),
    );
    assert.equal(await g.check('room9', 99, 'other ip', async () => true), true);
  });
});

describe('CreationGuard', () => {
  it('counts creations in a 10-minute window per user, and refuses past the open-room cap', () => {
    const c = clock();
    const g = new CreationGuard({ ...DEFAULT_ROOM_LIMITS, creationsPerUser: 2, openPerUser: 1 }, c);
    assert.throws(() => g.begin(1, 1), /already host 1 open room: close one/);
    g.begin(1, 0);
    g.begin(1, 0);
    assert.equal(
      retryAfterOf(() => g.begin(1, 0)),
      600,
    );
    g.begin(2, 0);
    c.advance(600_001);
    g.begin(1, 0);
  });
});
