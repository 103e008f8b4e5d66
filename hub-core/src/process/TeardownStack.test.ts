import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TeardownStack } from './TeardownStack.js';

describe('TeardownStack', () => {
  it('runs its steps in reverse order, awaiting each', async () => {
    const order: string[] = [];
    const stack = new TeardownStack();
    stack.defer(() => order.push('db'));
    stack.use({ close: async () => void order.push('relay') });
    stack.defer(async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('rooms');
    });
    await stack.dispose();
    assert.deepEqual(order, ['rooms', 'relay', 'db']);
  });

  it('runs every step even when some throw, and reports each error', async () => {
    const order: string[] = [];
    const reported: string[] = [];
    const stack = new TeardownStack((err, label) =>
      reported.push(`${label}: ${(err as Error).message}`),
    );
    stack.defer(() => order.push('first'), 'first');
    stack.defer(() => {
      throw new Error('boom');
    }, 'second');
    stack.defer(async () => {
      throw new Error('bang');
    }, 'third');
    const err = await stack.dispose().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AggregateError);
    assert.deepEqual(
      err.errors.map((e: Error) => e.message),
      ['bang', 'boom'],
    );
    assert.deepEqual(reported, ['third: bang', 'second: boom']);
    assert.deepEqual(order, ['first']);
  });

  it('is safe to dispose twice: the steps run once', async () => {
    let runs = 0;
    const stack = new TeardownStack();
    stack.defer(() => runs++);
    const a = stack.dispose();
    assert.equal(stack.dispose(), a);
    await a;
    await stack.dispose();
    assert.equal(runs, 1);
    assert.equal(stack.disposed, true);
    assert.throws(() => stack.defer(() => runs++), /already disposed/);
  });

  it('use() returns the resource, and move() hands every step to a new stack', async () => {
    const closed: string[] = [];
    const stack = new TeardownStack();
    const res = stack.use({ name: 'jack', close: () => closed.push('jack') });
    assert.equal(res.name, 'jack');
    stack.defer(() => closed.push('jacktrip'));
    const moved = stack.move();
    assert.equal(stack.size, 0);
    assert.equal(moved.size, 2);
    await stack.dispose();
    assert.deepEqual(closed, []);
    await moved.dispose();
    assert.deepEqual(closed, ['jacktrip', 'jack']);
  });
});
