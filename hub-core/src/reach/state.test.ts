import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyRouter,
  forwardRules,
  isCarrierNat,
  isLocalClient,
  isOwnMapping,
  isPublicIPv4,
  mappingDescription,
  messageFor,
  ownPublicAddress,
} from './state.js';

describe('reachability rules', () => {
  it('tells public addresses from private, carrier NAT and reserved ones', () => {
    for (const a of ['44.44.44.44', '8.8.8.8', '100.63.255.255', '100.128.0.1', '172.32.0.1'])
      assert.equal(isPublicIPv4(a), true, a);
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.20',
      '100.64.0.2',
      '100.127.255.254',
      '127.0.0.1',
      '169.254.1.1',
      '203.0.113.10',
      '198.51.100.1',
      '192.0.2.1',
      '224.0.0.1',
      '0.0.0.0',
      'not an address',
      '::1',
    ])
      assert.equal(isPublicIPv4(a), false, a);
    assert.equal(isCarrierNat('100.64.0.2'), true);
    assert.equal(isCarrierNat('100.128.0.2'), false);
  });

  it("classifies the router's answer", () => {
    assert.equal(classifyRouter({ externalAddress: '44.44.44.44', connected: true }), 'mapped');
    assert.equal(
      classifyRouter({ externalAddress: '44.44.44.44', connected: undefined }),
      'mapped',
    );
    assert.equal(classifyRouter({ externalAddress: '100.64.0.2', connected: true }), 'carrier_nat');
    // miniupnpd behind carrier NAT: not connected, no usable address
    assert.equal(classifyRouter({ externalAddress: undefined, connected: false }), 'carrier_nat');
    assert.equal(
      classifyRouter({ externalAddress: '44.44.44.44', connected: false }),
      'carrier_nat',
    );
    assert.equal(classifyRouter({ externalAddress: '192.168.0.5', connected: true }), 'double_nat');
    assert.equal(
      classifyRouter({ externalAddress: '10.0.0.2', connected: undefined }),
      'double_nat',
    );
  });

  it("finds the machine's own public address, skipping private and internal ones", () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [{ address: '192.168.1.20', family: 'IPv4', internal: false }],
      eth1: [{ address: '81.2.69.160', family: 'IPv4', internal: false }],
    };
    assert.equal(ownPublicAddress(ifaces), '81.2.69.160');
    assert.equal(ownPublicAddress({ eth0: ifaces.eth0 }), undefined);
  });

  it('names the exact ports to forward when the internet cannot reach the hub', () => {
    const rules = forwardRules({ https: 8000, relay: 8000, poolFrom: 4464, poolTo: 4563 });
    const m = messageFor('no_gateway', { rules, lanAddress: '192.168.1.20' });
    assert.match(m, /TCP 8000, UDP 8000, TCP\+UDP 4464-4563 to 192\.168\.1\.20/);
    assert.match(
      messageFor('carrier_nat', { rules }),
      /friend with a hub on a server.*docs\/hosting\.md/,
    );
    assert.match(
      messageFor('double_nat', { rules, routerAddress: '192.168.0.5' }),
      /192\.168\.0\.5/,
    );
    for (const s of ['off', 'checking', 'public', 'mapped', 'refused'] as const)
      assert.ok(messageFor(s, { rules, publicAddress: '81.2.69.160' }).length > 20, s);
  });

  it("recognises this hub's own mappings by their description, not other hubs' or apps'", () => {
    const d = mappingDescription('studio pc!', 'ab12cd', 'room');
    assert.equal(d, 'Backline studiopc ab12cd room');
    assert.equal(isOwnMapping(d, 'studio pc!', 'ab12cd'), true);
    assert.equal(
      isOwnMapping(mappingDescription('studio pc!', 'ab12cd', 'https'), 'studio pc!', 'ab12cd'),
      true,
    );
    assert.equal(isOwnMapping(d, 'studio pc!', 'ffffff'), false, 'another hub on the same machine');
    assert.equal(isOwnMapping(d, 'laptop', 'ab12cd'), false, 'another machine');
    assert.equal(isOwnMapping('NAT-PMP 8000 tcp', 'studio pc!', 'ab12cd'), false);
  });

  it('tells clients on this machine or its LAN from those that came through the router', () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', cidr: '127.0.0.1/8' }],
      eth0: [{ address: '10.10.0.2', family: 'IPv4', cidr: '10.10.0.2/24' }],
    };
    for (const ip of ['127.0.0.1', '::ffff:10.10.0.7', '10.10.0.1', '::1'])
      assert.equal(isLocalClient(ip, ifaces), true, ip);
    for (const ip of ['203.0.113.20', '::ffff:10.10.1.2', '81.2.69.160', '2001:db8::1'])
      assert.equal(isLocalClient(ip, ifaces), false, ip);
  });
});
