// Concurrent requests on one room: joins, leaves, kicks, patch mode changes and a close fired
// 20 at a time over real HTTPS, against a hub running real jackd and jacktrip. None may answer
// 5xx, and afterwards the members, the room's credsfile and its engine must agree.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JoinAnswer, RoomDetail } from '../../protocol/api.js';
import { startJamHub, type JamHub, type JsonResponse } from '../../testkit/fixtures.js';
import { Procs, alive, startJackTripClient } from '../../testkit/jack.js';

const PLAYERS = ['pl1', 'pl2', 'pl3', 'pl4', 'pl5', 'pl6'];
const HOST = 'hal';

/** A small seeded generator, so a failing mix can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Op = { user: string; method: string; path: string; body?: unknown; label: string };

describe('concurrent requests on one room', () => {
  let t: JamHub;
  const procs = new Procs();
  const seed = Number(process.env.RACE_SEED ?? Date.now() % 100_000);
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const everyPid = new Set<number>();

  before(async () => {
    t = await startJamHub([HOST, ...PLAYERS]);
    console.log(`race seed ${seed} (RACE_SEED=${seed} replays this mix)`);
  });
  after(async () => {
    await procs.stopAll();
    for (const p of t.hub.supervisor.pids) everyPid.add(p);
    await t.close();
    for (const p of everyPid) assert.equal(alive(p), false, `room process ${p} left running`);
  });

  /** Fires every op at once; no answer may be a 5xx. */
  async function fire(ops: Op[]): Promise<JsonResponse[]> {
    const answers = await Promise.all(ops.map((o) => t.api(o.user, o.method, o.path, o.body)));
    const bad = answers
      .map((a, i) => ({ a, op: ops[i]! }))
      .filter(({ a }) => a.status >= 500)
      .map(({ a, op }) => `${op.label} -> ${a.status} ${a.text}`);
    assert.deepEqual(bad, [], `seed ${seed}: 5xx answers`);
    for (const p of t.hub.supervisor.pids) everyPid.add(p);
    return answers;
  }

  const credsUsers = (roomId: string): string[] | undefined => {
    const file = join(t.dir, 'rooms', roomId, 'jacktrip-creds.txt');
    if (!existsSync(file)) return undefined;
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(':')[0]!)
      .sort();
  };

  /** Members (DB), credsfile, engine and `live` tell the same story. Returns the members. */
  async function agree(roomId: string): Promise<string[] | 'closed'> {
    const d = await t.api(HOST, 'GET', `/rooms/${roomId}`);
    const rt = t.hub.supervisor.get(roomId);
    const creds = credsUsers(roomId);
    if (d.status === 404) {
      assert.equal(rt, undefined, 'a closed room has no engine');
      assert.equal(creds, undefined, 'a closed room has no credsfile');
      return 'closed';
    }
    assert.equal(d.status, 200, d.text);
    const room = d.body as RoomDetail;
    const members = room.members.map((m) => m.username).sort();
    const state = `members ${members.join(',') || '-'}, creds ${creds?.join(',') ?? 'none'}, engine ${rt ? 'running' : 'stopped'}, live ${room.live}`;
    if (members.length > 0) {
      assert.ok(rt, `seed ${seed}: members but no engine: ${state}`);
      assert.equal(room.live, true, state);
      for (const p of rt.pids) assert.ok(alive(p), `engine process ${p} is gone: ${state}`);
      assert.deepEqual(creds, members, `seed ${seed}: credsfile differs from members: ${state}`);
    } else {
      assert.equal(rt, undefined, `seed ${seed}: an empty room keeps its engine: ${state}`);
      assert.equal(room.live, false, state);
      assert.equal(creds, undefined, `seed ${seed}: an empty room keeps a credsfile: ${state}`);
    }
    return members;
  }

  const op = {
    join: (user: string, id: string): Op => ({
      user,
      method: 'POST',
      path: `/rooms/${id}/join`,
      body: {},
      label: `join ${user}`,
    }),
    leave: (user: string, id: string): Op => ({
      user,
      method: 'POST',
      path: `/rooms/${id}/leave`,
      label: `leave ${user}`,
    }),
    kick: (user: string, id: string): Op => ({
      user: HOST,
      method: 'POST',
      path: `/rooms/${id}/kick`,
      body: { user_id: t.ids[user] },
      label: `kick ${user}`,
    }),
    patch: (mode: number, id: string): Op => ({
      user: HOST,
      method: 'POST',
      path: `/rooms/${id}/patch-mode`,
      body: { patch_mode: mode },
      label: `patch-mode ${mode}`,
    }),
    close: (id: string): Op => ({
      user: HOST,
      method: 'POST',
      path: `/rooms/${id}/close`,
      label: 'close',
    }),
  };

  const mixedRound = (id: string, withClose: boolean): Op[] =>
    Array.from({ length: 20 }, (_, i) => {
      if (withClose && i === 10) return op.close(id);
      const r = rnd();
      const who = pick([...PLAYERS, HOST]);
      if (r < 0.4) return op.join(who, id);
      if (r < 0.65) return op.leave(who, id);
      if (r < 0.85) return op.kick(pick(PLAYERS), id);
      return op.patch(pick([2, 4, 5]), id);
    });

  it('20 mixed requests at a time, 4 rounds, then a round with a close: never 5xx, always agreeing', async () => {
    const room = await t.ok<RoomDetail>(HOST, 'POST', '/rooms', {
      name: 'Busy room',
      max_participants: 8,
    });
    for (let round = 0; round < 4; round++) {
      const answers = await fire(mixedRound(room.id, false));
      assert.ok(answers.some((a) => a.status === 200));
      await agree(room.id);
    }
    await fire(mixedRound(room.id, true));
    assert.equal(await agree(room.id), 'closed');
  });

  it('a join racing the stop of an emptied room waits for it and starts the room again', async () => {
    const room = await t.ok<RoomDetail>(HOST, 'POST', '/rooms', { name: 'Revolving door' });
    await t.ok(HOST, 'POST', `/rooms/${room.id}/join`);
    for (let i = 0; i < 6; i++) {
      const [inside, outside] = i % 2 === 0 ? [HOST, 'pl1'] : ['pl1', HOST];
      // The only member leaves (the engine stops) while someone else joins.
      const [left, joined] = await fire([op.leave(inside, room.id), op.join(outside, room.id)]);
      assert.equal(left!.status, 200, left!.text);
      assert.equal(joined!.status, 200, joined!.text);
      assert.deepEqual(await agree(room.id), [outside]);
    }
    // The same player leaving and joining at once: whichever came last wins, consistently.
    const both = await fire([
      op.leave(HOST, room.id),
      op.join(HOST, room.id),
      op.leave(HOST, room.id),
      op.join(HOST, room.id),
    ]);
    assert.ok(both.every((a) => a.status === 200));
    await agree(room.id);
    await t.ok(HOST, 'POST', `/rooms/${room.id}/close`);
  });

  it("a join right after the room's jackd was killed waits for the old processes and restarts the room once", async () => {
    const room = await t.ok<RoomDetail>(HOST, 'POST', '/rooms', { name: 'Crash and join' });
    await t.ok(HOST, 'POST', `/rooms/${room.id}/join`);
    const rt = t.hub.supervisor.get(room.id)!;
    const old = rt.pids;
    // What the supervisor says next: the room came back, or it gave up on it.
    const outcome = new Promise<string>((resolve) => {
      t.hub.supervisor.on('restarted', (id) => id === room.id && resolve('restarted'));
      t.hub.supervisor.on(
        'failed',
        (id, err) => id === room.id && resolve(`failed: ${err.message}`),
      );
    });
    // jackd dies; its jacktrip lingers, holding the room's port, until the supervisor's SIGKILL
    // 2 s later (a jacktrip whose jackd died often ignores SIGTERM; stopped, it always does).
    process.kill(rt.jacktrip.pid, 'SIGSTOP');
    process.kill(rt.jack.pid, 'SIGKILL');
    while (t.hub.supervisor.get(room.id) === rt) await new Promise((r) => setTimeout(r, 10));
    assert.ok(alive(rt.jacktrip.pid), 'the old jacktrip is still there when the join arrives');
    const [joined] = await fire([op.join('pl2', room.id)]);
    assert.equal(joined!.status, 200, joined!.text);
    assert.equal(await outcome, 'restarted');
    const now = t.hub.supervisor.get(room.id);
    assert.ok(now, 'the room runs');
    for (const p of now.pids) assert.ok(alive(p) && !old.includes(p), `new process ${p}`);
    for (const p of old) assert.equal(alive(p), false, `old process ${p} still running`);
    assert.deepEqual(await agree(room.id), [HOST, 'pl2'].sort());
    await t.ok(HOST, 'POST', `/rooms/${room.id}/close`);
  });

  it('joins, kicks and patch mode changes all at once, then a real client connects', async () => {
    const room = await t.ok<RoomDetail>(HOST, 'POST', '/rooms', {
      name: 'Crowded',
      max_participants: 8,
    });
    const ops: Op[] = [
      ...[HOST, ...PLAYERS].map((u) => op.join(u, room.id)),
      ...PLAYERS.slice(0, 3).map((u) => op.kick(u, room.id)),
      op.patch(4, room.id),
      op.patch(5, room.id),
      ...PLAYERS.slice(3).map((u) => op.join(u, room.id)),
      op.patch(2, room.id),
    ];
    await fire(ops);
    const members = await agree(room.id);
    assert.ok(Array.isArray(members) && members.length >= 1);
    // The engine and the credsfile really agree: a member's fresh credentials connect.
    const j = await t.ok<JoinAnswer>(HOST, 'POST', `/rooms/${room.id}/join`);
    const server = (await procs.server('race')).name;
    const c = startJackTripClient(procs, server, {
      host: j.jacktrip.host,
      port: j.jacktrip.port,
      remoteName: j.jacktrip.remote_name,
      username: j.jacktrip.username,
      password: j.jacktrip.password,
    });
    assert.equal(await c.outcome, 'connected', c.lines.slice(-5).join(' | '));
    await t.ok(HOST, 'POST', `/rooms/${room.id}/close`);
    assert.equal(await agree(room.id), 'closed');
  });
});
