// The password hasher's queue with real bcrypt in real worker threads.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Overloaded } from '../errors.js';
import { PasswordHasher, hashingContext } from './passwords.js';

describe('PasswordHasher queue', () => {
  const hashers: PasswordHasher[] = [];
  const make = (o: ConstructorParameters<typeof PasswordHasher>[0]) => {
    const h = new PasswordHasher({ threads: 1, cost: 8, ...o });
    hashers.push(h);
    return h;
  };
  after(async () => {
    for (const h of hashers) await h.close();
  });

  it('serves the caller served longest ago: one caller’s backlog delays another’s job by the running job only', async () => {
    const h = make({ maxPerKey: 10 });
    const stored = await h.hash('a password', 'setup');
    const done: string[] = [];
    const jobs = [1, 2, 3, 4, 5, 6].map((i) =>
      h.hash(`room passphrase ${i}`, 'user:1').then(() => done.push(`a${i}`)),
    );
    jobs.push(h.verify('a password', stored, 'ip:9').then(() => done.push('login')));
    await Promise.all(jobs);
    // a1 was running when the login arrived: the login goes next. A FIFO queue would have
    // finished all six first.
    assert.equal(done.indexOf('login'), 1, `completion order ${done.join(' ')}`);
    assert.deepEqual(
      done.filter((d) => d !== 'login'),
      ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'],
      'one caller’s jobs keep their order',
    );
  });

  it('refuses at once (Overloaded, with a retry time) past a caller’s share or the whole queue', async () => {
    const h = make({ maxPerKey: 2, maxQueued: 3 });
    const mine = [h.hash('one', 'user:7'), h.hash('two', 'user:7')];
    const third = h.hash('three', 'user:7');
    await assert.rejects(third, (err: unknown) => {
      assert.ok(err instanceof Overloaded);
      assert.equal(err.status, 503);
      assert.ok(err.retryAfterSeconds >= 1);
      return true;
    });
    // Other callers still get in, until the queue itself is full (1 running + 3 waiting).
    const others = [h.hash('a', 'ip:1'), h.hash('b', 'ip:2')];
    await assert.rejects(h.hash('c', 'ip:3'), Overloaded);
    // Everything accepted completes: nothing was lost.
    for (const hash of await Promise.all([...mine, ...others])) assert.match(hash, /^\$2b\$08\$/);
    assert.equal(h.queued, 0);
    assert.match(await h.hash('after', 'user:7'), /^\$2b\$08\$/, 'a share frees up when done');
  });

  it('attributes a job to the request that started it (hashingContext) when no key is given', async () => {
    const h = make({ maxPerKey: 1 });
    const first = hashingContext.run({ key: 'user:42' }, () => h.hash('first'));
    const second = hashingContext.run({ key: 'user:42' }, () => h.hash('second'));
    await assert.rejects(second, Overloaded);
    const other = hashingContext.run({ key: 'user:43' }, () => h.hash('other'));
    assert.ok(await h.verify('first', await first));
    assert.match(await other, /^\$2b\$/);
  });

  it('close settles every job, running or waiting, and is safe twice', async () => {
    const h = new PasswordHasher({ threads: 1, cost: 8 });
    const settled = Promise.allSettled([h.hash('a', 'k1'), h.hash('b', 'k2'), h.hash('c', 'k3')]);
    await h.close();
    for (const s of await settled) assert.equal(s.status, 'rejected');
    await h.close();
    await assert.rejects(h.hash('late'), /closed/);
  });
});
