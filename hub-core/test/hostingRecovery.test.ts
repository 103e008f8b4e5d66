// Hosting from home across NAT (testkit/lab/natLab.ts), when things go wrong: after a
// kill -9 the next start removes the stale mappings, and ports another computer on the LAN
// holds are mapped elsewhere (the HTTPS port to another external port, a room to another
// block). Needs root and `ip netns`; elsewhere skipped with the reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Health, JoinAnswer, RoomDetail } from '../../protocol/api.js';
import { VOICE_AGENT, curlOk, inNode, until, useLab } from '../../testkit/lab/labHub.js';
import { HOST_LAN, HOST_WAN, LAN_NEIGHBOUR, labSkipReason } from '../../testkit/lab/natLab.js';

const skip = await labSkipReason();

describe('hosting from home across NAT: crash and taken ports', { skip }, () => {
  const { lab, dataDir, start, reach, ours } = useLab();

  it('3. crash: after kill -9 the next start removes the stale mappings', async () => {
    const dir = dataDir();
    const first = await start('h', { dir, port: 8450 });
    await reach('h', first, ['mapped']);
    await first.crash();
    const stale = await ours();
    assert.ok(
      stale.some((x) => x.external === 8450),
      `the crash leaves its mappings: ${JSON.stringify(stale)}`,
    );
    // Same hub (same data folder), another port this time: the old mapping must go.
    const second = await start('h', { dir, port: 8460 });
    await reach('h', second, ['mapped']);
    const now = await ours();
    assert.ok(
      !now.some((x) => x.external === 8450),
      `stale mapping still there: ${JSON.stringify(now)}`,
    );
    assert.ok(now.some((x) => x.protocol === 'TCP' && x.external === 8460));
    await second.stop();
    assert.deepEqual(await ours(), []);
  });

  it('4. port taken: another computer on the LAN holds the HTTPS port and a room port; the hub maps others', async () => {
    const neighbour = (port: number, proto: 'TCP' | 'UDP') =>
      lab().exec(
        'h2',
        'upnpc',
        ['-e', 'the neighbour', '-a', LAN_NEIGHBOUR, String(port), String(port), proto, '600'],
        15_000,
      );
    for (const [port, proto] of [
      [8470, 'TCP'],
      [8470, 'UDP'],
      [4464, 'TCP'],
    ] as const) {
      const taken = await neighbour(port, proto);
      assert.match(taken.stdout, /is redirected to internal/, taken.stdout + taken.stderr);
    }
    const hub = await start('h', { port: 8470 });
    try {
      const h = await reach('h', hub, ['mapped', 'refused']);
      assert.equal(h.reachability.state, 'mapped');
      const mine = (await ours()).find(
        (x) => x.protocol === 'TCP' && x.internal === 8470 && x.client === HOST_LAN,
      );
      assert.ok(mine && mine.external !== 8470, `the hub's HTTPS mapping: ${JSON.stringify(mine)}`);
      const link = await until('the internet link', async () =>
        hub.lines.find((l) => l.includes('Internet link:')),
      );
      assert.ok(
        link.includes(`:${mine.external}`),
        `the link names the external port ${mine.external}: ${link}`,
      );
      // A player on the internet reaches the hub through that port...
      const url = `https://${HOST_WAN}:${mine.external}`;
      const seen = await curlOk<Health>(lab(), 'a', `${url}/health`, { pin: hub.pin });
      assert.equal(seen.status, 'ok');
      // ...and joins a room, whose first block (4464) the router refused: the room got another.
      const { token } = await curlOk<{ token: string }>(lab(), 'a', `${url}/auth/register`, {
        pin: hub.pin,
        method: 'POST',
        body: { username: 'carol', password: 'carol-password' },
      });
      const room = await curlOk<RoomDetail>(lab(), 'a', `${url}/rooms`, {
        pin: hub.pin,
        method: 'POST',
        token,
        body: { name: 'Taken', max_participants: 2 },
      });
      const j = await curlOk<JoinAnswer>(lab(), 'a', `${url}/rooms/${room.id}/join`, {
        pin: hub.pin,
        method: 'POST',
        token,
        body: {},
      });
      assert.notEqual(j.port, 4464, 'the refused block is not used');
      const now = await ours();
      assert.ok(
        now.some((x) => x.protocol === 'TCP' && x.external === j.port && x.client === HOST_LAN),
        JSON.stringify(now),
      );
      assert.ok(
        now.some((x) => x.protocol === 'UDP' && x.external === j.port + 1),
        JSON.stringify(now),
      );
      assert.ok(
        !now.some((x) => x.external === 4464 && x.client === HOST_LAN),
        'no half-mapped refused block',
      );

      // The relay's UDP port is taken too: a player from outside is told its external port,
      // and voice crosses both NATs through it.
      const relayMapping = now.find(
        (x) => x.protocol === 'UDP' && x.internal === 8470 && x.client === HOST_LAN,
      );
      assert.ok(relayMapping && relayMapping.external !== 8470, JSON.stringify(now));
      const vt = await curlOk<{ relay: { port: number } }>(
        lab(),
        'a',
        `${url}/rooms/${room.id}/voice-token`,
        {
          pin: hub.pin,
          method: 'POST',
          token,
        },
      );
      assert.equal(vt.relay.port, relayMapping.external);
      const dave = await curlOk<{ token: string }>(lab(), 'b', `${url}/auth/register`, {
        pin: hub.pin,
        method: 'POST',
        body: { username: 'dave', password: 'dave-password' },
      });
      await curlOk<JoinAnswer>(lab(), 'b', `${url}/rooms/${room.id}/join`, {
        pin: hub.pin,
        method: 'POST',
        token: dave.token,
        body: {},
      });
      const agent = (node: 'a' | 'b', t: string) =>
        inNode(lab(), node, process.execPath, [
          '--import',
          'tsx',
          VOICE_AGENT,
          url,
          room.id,
          t,
          h.tls.fingerprint256!,
          '3',
        ]);
      const [va, vb] = (await Promise.all([agent('a', token), agent('b', dave.token)])).map(
        (o) =>
          JSON.parse(o.trim().split('\n').pop()!) as {
            userId: number;
            received: Record<string, number>;
          },
      );
      assert.ok(
        (vb!.received[String(va!.userId)] ?? 0) > 0,
        `B heard A: ${JSON.stringify({ va, vb })}`,
      );
    } finally {
      await hub.stop();
      for (const [port, proto] of [
        [8470, 'TCP'],
        [8470, 'UDP'],
        [4464, 'TCP'],
      ] as const)
        await lab().exec('h2', 'upnpc', ['-d', String(port), proto], 15_000);
    }
    assert.deepEqual(await ours(), []);
  });
});
