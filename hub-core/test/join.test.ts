// How a join reaches jacktrip's credsfile (issue K): a cold room's jacktrip reads the new line
// at its start, a live room's reloads it once, and the client's first try works either way,
// without the join waiting for the reload. Real jackd, jacktrip on both ends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JoinAnswer, RoomDetail } from '../../protocol/api.js';
import { delay } from '../src/process/child.js';
import { startJamHub, type JamHub } from '../../testkit/fixtures.js';
import { Procs, startJackTripClient } from '../../testkit/jack.js';

describe('joining a room', () => {
  let t: JamHub;
  const procs = new Procs();
  let cli: string;
  /** Every `Auth file changed. Reloading...` of the room's jacktrip, by time. */
  const reloads: number[] = [];

  before(async () => {
    t = await startJamHub(['host', 'ana', 'ben', 'cyd']);
    cli = (await procs.server('join')).name;
    t.hub.supervisor.on('jacktripline', (_room, ev) => {
      if (ev.kind === 'auth-reloaded') reloads.push(performance.now());
    });
  });
  after(async () => {
    await procs.stopAll();
    await t.close();
  });

  const join = async (user: string, roomId: string) => {
    const r = await t.api(user, 'POST', `/rooms/${roomId}/join`, {});
    assert.equal(r.status, 200, r.text);
    const timing = String(r.headers['server-timing']);
    return { j: r.body as JoinAnswer, timing, at: performance.now() };
  };
  const connect = async (j: JoinAnswer) => {
    const c = startJackTripClient(procs, cli, {
      host: j.jacktrip.host,
      port: j.jacktrip.port,
      remoteName: j.jacktrip.remote_name,
      username: j.jacktrip.username,
      password: j.jacktrip.password,
    });
    assert.equal(await c.outcome, 'connected', c.lines.slice(-5).join(' | '));
  };

  it('reads a cold room’s credentials at its start and reloads a live room’s once', async () => {
    const room = await t.ok<RoomDetail>('host', 'POST', '/rooms', { name: 'joins' });

    const cold = await join('ana', room.id);
    assert.match(cold.timing, /\bcold\b/);
    assert.match(cold.timing, /\bjackd;dur=[\d.]+/);
    assert.match(cold.timing, /\bjacktrip;dur=[\d.]+/);
    await connect(cold.j);
    assert.deepEqual(reloads, [], 'a cold join made jacktrip reload its credsfile');

    for (const user of ['ben', 'cyd']) {
      const seen: number = reloads.length;
      const live = await join(user, room.id);
      assert.match(live.timing, /\blive\b/);
      assert.doesNotMatch(live.timing, /\bjackd;/);
      // Answered before jacktrip's reload (which comes 200 ms after the write), and the
      // client's first try works all the same.
      assert.equal(reloads.length, seen, `${user}: the join waited for jacktrip's reload`);
      await connect(live.j);
      await delay(700);
      assert.equal(reloads.length - seen, 1, `${user}: one write, one reload`);
    }
  });
});
