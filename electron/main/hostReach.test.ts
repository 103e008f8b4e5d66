import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReachStatus } from '../../protocol/api.js';
import type { HostStatus } from '../../protocol/ipc.js';
import { withReach } from './hostedHub.js';

const FP = Array.from({ length: 32 }, () => 'AB').join(':');
const running: HostStatus = {
  state: 'running',
  upnp: true,
  port: 8000,
  fingerprint: FP,
  share_link: `backline://192.168.1.20:8000/?fp=${FP}`,
};
const reach = (o: Partial<ReachStatus>): ReachStatus => ({
  state: 'mapped',
  message: 'm',
  public_address: '81.2.69.160',
  public_port: 8001,
  router_address: '81.2.69.160',
  gateway: 'upnp',
  mapped: [],
  forward: [],
  ...o,
});

describe('the internet link follows the reachability state', () => {
  it('carries the public address and the external port while mapped', () => {
    const s = withReach(running, reach({}));
    assert.equal(s.internet_link, `backline://81.2.69.160:8001/?fp=${FP}`);
    assert.equal(s.internet_web_link, `https://81.2.69.160:8001/#fp=${FP}`);
    assert.equal(s.share_link, running.share_link, 'the LAN link stays');
  });

  it('is never offered when the state says the internet cannot reach the hub', () => {
    const linked = withReach(running, reach({}));
    for (const state of [
      'off',
      'checking',
      'no_gateway',
      'refused',
      'carrier_nat',
      'double_nat',
    ] as const) {
      // Even with an address left in the status, the state decides.
      const s = withReach(linked, reach({ state }));
      assert.equal(s.internet_link, undefined, state);
      assert.equal(s.internet_web_link, undefined, state);
      assert.equal(s.reach?.state, state);
    }
    assert.equal(withReach(linked, undefined).internet_link, undefined, 'hub stopping');
  });
});
