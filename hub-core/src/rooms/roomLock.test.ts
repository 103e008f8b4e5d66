import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedLock } from './roomLock.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('KeyedLock', () => {
  it('runs the holders of one key one at a time, in arrival order', async () => {
    const locks = new KeyedLock();
    const log: string[] = [];
    let inside = 0;
    const task = async (name: string) => {
      using _lock = await locks.acquire('room');
      inside++;
      assert.equal(inside, 1, `${name} ran alongside another holder`);
      log.push(`${name} in`);
      await tick();
      await tick();
      log.push(`${name} out`);
      inside--;
    };
    await Promise.all(['a', 'b', 'c'].map(task));
    assert.deepEqual(log, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    assert.equal(locks.size, 0, 'an idle key is forgotten');
  });

  it('never makes one key wait for another', async () => {
    const locks = new KeyedLock();
    const slow = await locks.acquire('slow room');
    const other = await Promise.race([
      locks.acquire('other room').then(() => 'acquired'),
      tick().then(() => 'blocked'),
    ]);
    assert.equal(other, 'acquired');
    slow[Symbol.dispose]();
  });

  it('is released by a throw, and releasing twice frees nobody else', async () => {
    const locks = new KeyedLock();
    await assert.rejects(
      (async () => {
        using _lock = await locks.acquire('k');
        throw new Error('boom');
      })(),
      /boom/,
    );
    const first = await locks.acquire('k');
    const second = locks.acquire('k');
    const third = locks.acquire('k');
    first[Symbol.dispose]();
    const held = await second;
    first[Symbol.dispose](); // a second release of the first must not let the third in
    const raced = await Promise.race([third.then(() => 'third in'), tick().then(() => 'waits')]);
    assert.equal(raced, 'waits');
    held[Symbol.dispose]();
    (await third)[Symbol.dispose]();
    assert.equal(locks.size, 0);
  });
});
