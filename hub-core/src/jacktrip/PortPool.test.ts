import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PoolExhausted, PortPool } from './PortPool.js';

describe('PortPool', () => {
  it('leases the first free block and skips blocks a router refused', () => {
    const pool = new PortPool(4464, 30);
    const a = pool.lease('a', 2); // 5 ports: 4464-4468
    assert.deepEqual(a, { tcpPort: 4464, udpBase: 4465, size: 5 });
    const b = pool.lease('b', 2, [{ tcpPort: 4469, udpBase: 4470, size: 5 }]);
    assert.equal(b.tcpPort, 4474);
  });

  it('relets another block than the current and the refused ones, and keeps the old on failure', () => {
    const pool = new PortPool(4464, 15);
    const first = pool.lease('room', 2);
    const second = pool.relet('room', 2, []);
    assert.equal(second.tcpPort, 4469, 'not the block it had');
    const third = pool.relet('room', 2, [first]);
    assert.equal(third.tcpPort, 4474);
    assert.throws(() => pool.relet('room', 2, [first, second]), PoolExhausted);
    assert.equal(pool.lease('room', 2).tcpPort, 4474, 'the lease it had is kept');
    pool.release('room');
    assert.equal(pool.leased, 0);
  });
});

describe('PortPool.claim', () => {
  it('relets until the router accepts a block, and keeps the last one after 3 refusals', async () => {
    const pool = new PortPool(4464, 40);
    const first = pool.lease('r', 2);
    const asked: number[] = [];
    const refusedNext: number[] = [];
    const ok = await pool.claim(
      'r',
      2,
      first,
      async (b) => (asked.push(b.tcpPort), b.tcpPort === 4469),
      (b) => refusedNext.push(b.tcpPort),
    );
    assert.equal(ok.tcpPort, 4469);
    assert.deepEqual(asked, [4464, 4469]);
    const stuck = await pool.claim('r', 2, ok, async () => false);
    assert.equal(
      stuck.tcpPort,
      4474,
      'three blocks tried (4469, 4464, 4474); the third serves the LAN',
    );
    assert.deepEqual(refusedNext, [4469]);
  });
});
