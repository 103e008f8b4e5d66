import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IsolationProbe } from '../process/jackScope.js';
import { roomIsolation } from './isolation.js';

const quiet = () => {
  const said: string[] = [];
  return {
    said,
    logger: {
      info: (...a: unknown[]) => said.push(String(a.at(-1))),
      warn: (...a: unknown[]) => said.push(`WARN ${String(a.at(-1))}`),
    },
  };
};

describe('where rooms’ JACK servers run', () => {
  it('auto: probed once, on the first room start, and logged', async () => {
    const { said, logger } = quiet();
    let probes = 0;
    const found = roomIsolation('auto', logger, async () => {
      probes++;
      return { isolation: 'mount' };
    });
    assert.equal(probes, 0, 'nothing at the hub’s start');
    assert.deepEqual(await Promise.all([found(), found()]), ['mount', 'mount']);
    assert.equal(await found(), 'mount');
    assert.equal(probes, 1);
    assert.deepEqual(said, ['each room runs JACK in a namespace of its own']);
  });

  it('auto where the machine allows none, or the probe throws: shared JACK, with a warning', async () => {
    const none = quiet();
    const p: IsolationProbe = { isolation: 'none', reason: 'user: unshare failed' };
    assert.equal(await roomIsolation('auto', none.logger, async () => p)(), 'none');
    assert.match(none.said[0]!, /^WARN .*at most 8 servers/);
    const broken = quiet();
    const threw = roomIsolation('auto', broken.logger, () => Promise.reject(new Error('boom')));
    assert.equal(await threw(), 'none');
  });

  it('off: never probed', async () => {
    const { logger } = quiet();
    const found = roomIsolation('off', logger, () => assert.fail('probed'));
    assert.equal(await found(), 'none');
  });
});
