// Hosting from home across NAT (testkit/lab/natLab.ts): the states that mean "the
// internet can't reach you" (carrier-grade NAT, a router without UPnP or NAT-PMP) and a router
// that goes silent while hosting. Needs root and `ip netns`; elsewhere skipped with the reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Health } from '../../protocol/api.js';
import { curlOk, health, until, useLab } from '../../testkit/lab/labHub.js';
import { labSkipReason } from '../../testkit/lab/natLab.js';

const skip = await labSkipReason();

describe('hosting from home across NAT: unreachable states', { skip }, () => {
  const { lab, start, reach } = useLab();

  it('5. carrier NAT: the hub says so and offers no internet link', async () => {
    const hub = await start('c', { port: 8480 });
    try {
      const h = await reach('c', hub, [
        'carrier_nat',
        'mapped',
        'no_gateway',
        'refused',
        'double_nat',
      ]);
      assert.equal(h.reachability.state, 'carrier_nat');
      assert.equal(h.reachability.public_address, null);
      assert.equal(h.reachability.mapped, 0);
      assert.ok(!hub.lines.some((l) => l.includes('Internet link:')), hub.lines.join('\n'));
      assert.ok(
        hub.lines.some((l) => /carrier-grade NAT.*hub on a server/.test(l)),
        hub.lines.join('\n'),
      );
    } finally {
      await hub.stop();
    }
  });

  it('6. no gateway: a router without UPnP or NAT-PMP; hosting still works on the LAN', async () => {
    const t0 = Date.now();
    const hub = await start('n', { port: 8490 });
    const h = await reach('n', hub, [
      'no_gateway',
      'mapped',
      'carrier_nat',
      'refused',
      'double_nat',
    ]);
    console.log(`no_gateway known ${Date.now() - t0} ms after the start (discovery waits 3 s)`);
    try {
      assert.equal(h.reachability.state, 'no_gateway');
      assert.equal(h.reachability.public_address, null);
      const lan = await curlOk<Health>(lab(), 'n', `https://10.50.0.2:8490/health`, {
        pin: hub.pin,
      });
      assert.equal(lan.status, 'ok');
      assert.ok(
        hub.lines.some((l) => /did not answer.*TCP 8490/.test(l)),
        hub.lines.join('\n'),
      );
    } finally {
      await hub.stop();
    }
  });

  it('7. live: the router stops answering, and the hub says so without a restart', async () => {
    const hub = await start('h', { port: 8495, env: { HUB_UPNP_LEASE_SECONDS: '60' } });
    try {
      await reach('h', hub, ['mapped']);
      await lab().stopUpnpd('hr');
      const h = await until(
        'no_gateway after the router went silent',
        async () => {
          const x = await health(lab(), 'h', hub);
          return x.reachability.state === 'no_gateway' ? x : undefined;
        },
        90_000,
      );
      assert.equal(h.reachability.public_address, null);
      assert.ok(
        hub.lines.some((l) => l.startsWith('Reachability: no_gateway')),
        hub.lines.join('\n'),
      );
    } finally {
      const exit = await hub.stop();
      assert.equal(exit.code, 0, 'a silent router does not keep the hub from stopping');
    }
  });
});
