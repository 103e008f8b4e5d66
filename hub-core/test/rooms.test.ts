// Room rules, host controls, expiry, chat and the WebSocket channel, against a real hub.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JoinAnswer, RoomDetail } from '../../protocol/api.js';
import { startJamHub, type JamHub } from '../../testkit/fixtures.js';
import { alive } from '../../testkit/jack.js';
import { TestSocket, type WsMsg } from '../../testkit/wsclient.js';

type Json = Record<string, unknown>;

describe('room rules, host controls, chat and WebSocket', () => {
  let t: JamHub;
  let wsUrl: string;
  const ids: Record<string, number> = {};
  const sockets: TestSocket[] = [];
  const api = (...a: Parameters<JamHub['api']>) => t.api(...a);
  const ok = <T>(...a: Parameters<JamHub['api']>) => t.ok<T>(...a);
  const socket = async (user: string, query = '') => {
    const s = await TestSocket.open(`${wsUrl}/ws?token=${t.tokens[user]}${query}`, t.ca);
    sockets.push(s);
    await s.next((m) => m.type === 'hello');
    return s;
  };
  const errorOf = (res: { body: unknown }) => (res.body as { error: Json }).error;

  before(async () => {
    t = await startJamHub(['hana', 'ivan', 'joy', 'kim']);
    wsUrl = t.url.replace('https:', 'wss:');
    Object.assign(ids, t.ids);
  });
  after(async () => {
    for (const s of sockets) s.close();
    const pids = t.hub.supervisor.pids;
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} left running`);
  });

  it('the WebSocket needs a valid token', async () => {
    const s = await TestSocket.open(`${wsUrl}/ws?token=not-a-token`, t.ca);
    const err = await s.next((m) => m.type === 'error');
    assert.equal(err.code, 'unauthorized');
    assert.equal((await s.closed).code, 4401);
  });

  let room: RoomDetail;
  let hana: TestSocket;
  let ivan: TestSocket;

  it('lists rooms without leaking passphrases; unknown rooms are 404', async () => {
    room = await ok<RoomDetail>('hana', 'POST', '/rooms', {
      name: '<img src=x onerror=alert(1)>',
      passphrase: 'secret words',
      max_participants: 3,
      duration_minutes: 60,
      patch_mode: 4,
    });
    const list = await api('ivan', 'GET', '/rooms');
    assert.equal(list.status, 200);
    assert.doesNotMatch(list.text, /secret words|passphrase_hash|\$2[ab]\$/);
    const mine = (list.body as Json[]).find((r) => r.id === room.id)!;
    assert.equal(mine.private, true);
    assert.equal(mine.name, '<img src=x onerror=alert(1)>');
    assert.deepEqual(mine.host, { user_id: ids.hana, username: 'hana' });
    for (const [method, path] of [
      ['GET', '/rooms/00000000-0000-0000-0000-000000000000'],
      ['POST', '/rooms/nope/join'],
      ['GET', '/rooms/has%20space'],
    ] as const) {
      const r = await api('ivan', method, path, method === 'POST' ? {} : undefined);
      assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    }
    const bad = await api('ivan', 'POST', '/rooms', { name: 'x', max_participants: 99 });
    assert.equal(bad.status, 400);
    assert.equal((await api('ivan', 'POST', '/rooms', { name: '\u0007' })).status, 400);
  });

  it('a wrong passphrase is 403 and rate-limited; the right one joins', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await api('ivan', 'POST', `/rooms/${room.id}/join`, { passphrase: `wrong ${i}` });
      assert.equal(r.status, 403, r.text);
    }
    const limited = await api('ivan', 'POST', `/rooms/${room.id}/join`, {
      passphrase: 'secret words',
    });
    assert.equal(limited.status, 429);
    t.clock.advance(11 * 60_000 - 9 * 60_000); // the window is 10 minutes; 2 minutes is not enough
    assert.equal(
      (await api('ivan', 'POST', `/rooms/${room.id}/join`, { passphrase: 'secret words' })).status,
      429,
    );
    t.clock.advance(9 * 60_000);
    const j = await ok<JoinAnswer>('ivan', 'POST', `/rooms/${room.id}/join`, {
      passphrase: 'secret words',
    });
    assert.equal(j.patch_mode, 4);
    await ok('hana', 'POST', `/rooms/${room.id}/join`);
  });

  it('subscribers get participants, graph and chat history; chat flows both ways, cleaned', async () => {
    hana = await socket('hana');
    ivan = await socket('ivan');
    for (const s of [hana, ivan]) {
      s.send({ type: 'subscribe', room_id: room.id });
      const p = await s.next((m) => m.type === 'participants' && m.room_id === room.id);
      assert.deepEqual(((p.members as Json[]) ?? []).map((m) => m.username).sort(), [
        'hana',
        'ivan',
      ]);
      await s.next((m) => m.type === 'graph');
      await s.next((m) => m.type === 'chat_history');
    }
    const mark = ivan.mark;
    hana.send({ type: 'chat', room_id: room.id, body: 'hi \u0007there\u001b[31m <b>bold</b>' });
    const got = await ivan.next((m) => m.type === 'chat', 5000, mark);
    assert.equal((got.message as Json).body, 'hi there[31m <b>bold</b>');
    assert.equal((got.message as Json).username, 'hana');
    const posted = await ok<Json>('ivan', 'POST', `/rooms/${room.id}/chat`, { body: 'hello back' });
    assert.equal(posted.body, 'hello back');
    const back = await hana.next(
      (m) => m.type === 'chat' && (m.message as Json).body === 'hello back',
    );
    assert.equal((back.message as Json).user_id, ids.ivan);
    const history = await ok<Json[]>('joy', 'GET', `/rooms/${room.id}/chat`).catch(() => undefined);
    assert.equal(history, undefined, 'a non-member cannot read the chat');
    const h = await ok<Json[]>('hana', 'GET', `/rooms/${room.id}/chat?limit=10`);
    assert.deepEqual(
      h.map((m) => m.body),
      ['hi there[31m <b>bold</b>', 'hello back'],
    );
  });

  it('bad chat and garbage on the WebSocket get clear errors, and the hub keeps going', async () => {
    const long = await api('ivan', 'POST', `/rooms/${room.id}/chat`, { body: 'x'.repeat(1001) });
    assert.equal(long.status, 400);
    assert.match(errorOf(long).message as string, /at most 1000/);
    assert.equal(
      (await api('ivan', 'POST', `/rooms/${room.id}/chat`, { body: ' \u0000 ' })).status,
      400,
    );

    const expectError = async (payload: string, re: RegExp) => {
      const mark = ivan.mark;
      ivan.send(payload);
      const e = await ivan.next((m: WsMsg) => m.type === 'error', 5000, mark);
      assert.match(String(e.message), re, payload.slice(0, 40));
    };
    await expectError('{not json', /not valid JSON/);
    await expectError('[1,2,3]', /invalid|expected/i);
    await expectError(JSON.stringify({ type: 'launch_missiles' }), /type/);
    await expectError(
      JSON.stringify({ type: 'chat', room_id: room.id, body: 'y'.repeat(1500) }),
      /at most 1000/,
    );
    await expectError(JSON.stringify({ type: 'subscribe', room_id: '../../etc' }), /room id/);
    await expectError(
      JSON.stringify({ type: 'connect', room_id: room.id, source: 'a:b', dest: 'c:d' }),
      /host/,
    );

    // A frame over the size limit closes that socket (1009); the hub is unharmed.
    const big = await socket('joy');
    big.send('z'.repeat(20_000));
    assert.equal((await big.closed).code, 1009);
    ivan.send({ type: 'ping' });
    await ivan.next((m) => m.type === 'pong');
    assert.equal((await api('ivan', 'GET', '/health')).status, 200);
  });

  it('chat is rate-limited per user', async () => {
    let limited = false;
    for (let i = 0; i < 12 && !limited; i++) {
      const r = await api('hana', 'POST', `/rooms/${room.id}/chat`, { body: `burst ${i}` });
      if (r.status === 429) limited = true;
      else assert.equal(r.status, 201);
    }
    assert.ok(limited);
    t.clock.advance(11_000);
  });

  it('host controls: only the host; lock keeps newcomers out; kick and ban are told to the player', async () => {
    for (const [path, body] of [
      ['lock', { locked: true }],
      ['kick', { user_id: ids.hana }],
      ['ban', { user_id: ids.hana }],
      ['patch-mode', { patch_mode: 5 }],
      ['close', undefined],
    ] as const) {
      const r = await api('ivan', 'POST', `/rooms/${room.id}/${path}`, body);
      assert.equal(r.status, 403, `${path}: ${r.text}`);
    }
    await ok('hana', 'POST', `/rooms/${room.id}/lock`, { locked: true });
    await ivan.next((m) => m.type === 'room_state' && m.state === 'locked');
    const locked = await api('joy', 'POST', `/rooms/${room.id}/join`, {
      passphrase: 'secret words',
    });
    assert.equal(locked.status, 403);
    assert.match(errorOf(locked).message as string, /locked/);
    await ok('hana', 'POST', `/rooms/${room.id}/lock`, { locked: false });
    await ok('joy', 'POST', `/rooms/${room.id}/join`, { passphrase: 'secret words' });
    const full = await api('kim', 'POST', `/rooms/${room.id}/join`, { passphrase: 'secret words' });
    assert.equal(full.status, 409);

    const creds = t.hub.supervisor.creds(room.id)!;
    assert.ok(creds.has('ivan'));
    const mark = ivan.mark;
    await ok('hana', 'POST', `/rooms/${room.id}/kick`, { user_id: ids.ivan });
    const kicked = await ivan.next((m) => m.type === 'room_state', 5000, mark);
    assert.equal(kicked.state, 'kicked');
    assert.equal(creds.has('ivan'), false, "a kicked member's JackTrip credentials are removed");
    await ok('hana', 'POST', `/rooms/${room.id}/ban`, { user_id: ids.ivan });
    const rejoin = await api('ivan', 'POST', `/rooms/${room.id}/join`, {
      passphrase: 'secret words',
    });
    assert.equal(rejoin.status, 403);
    assert.match(errorOf(rejoin).message as string, /banned/);
    assert.equal(
      (await api('hana', 'POST', `/rooms/${room.id}/kick`, { user_id: ids.hana })).status,
      400,
    );
  });

  it('a patch mode change tells the players and keeps the room hub running', async () => {
    const before = t.hub.supervisor.get(room.id)!;
    const mark = hana.mark;
    await ok('hana', 'POST', `/rooms/${room.id}/patch-mode`, { patch_mode: 5 });
    const told = await hana.next((m) => m.type === 'room_state', 5000, mark);
    assert.deepEqual([told.state, told.patch_mode], ['patch_mode', 5]);
    // The hub re-wires the room itself: jacktrip runs without its own patcher in every mode.
    assert.equal(t.hub.supervisor.get(room.id), before);
    assert.ok(before.jacktrip.running);
    assert.equal((await ok<RoomDetail>('hana', 'GET', `/rooms/${room.id}`)).patch_mode, 5);
    assert.equal(
      hana.received.slice(mark).some((m) => m.state === 'restarted'),
      false,
      'nobody is told to reconnect',
    );
  });

  it('a room warns its players before it expires, then closes and stops its processes', async () => {
    const pids = t.hub.supervisor.get(room.id)!.pids;
    const mark = hana.mark;
    // Warned in its last 5 minutes.
    t.clock.advance(Date.parse(room.expires_at) - t.clock() - 4 * 60_000);
    await t.hub.rooms.checkExpiry();
    const warn = await hana.next(
      (m) => m.type === 'room_state' && m.state === 'expiring',
      5000,
      mark,
    );
    assert.match(String(warn.message), /closes in about/);
    t.clock.advance(5 * 60_000);
    await t.hub.rooms.checkExpiry();
    await hana.next((m) => m.type === 'room_state' && m.state === 'expired', 5000, mark);
    assert.equal((await api('hana', 'GET', `/rooms/${room.id}`)).status, 404);
    assert.equal(t.hub.supervisor.get(room.id), undefined);
    for (const p of pids) assert.equal(alive(p), false);
  });

  it('closing a room tells everyone in it', async () => {
    const r2 = await ok<RoomDetail>('kim', 'POST', '/rooms', { name: 'short one' });
    await ok('joy', 'POST', `/rooms/${r2.id}/join`);
    const joy = await socket('joy', `&room_id=${r2.id}`); // the seed's style: subscribe by query
    await joy.next((m) => m.type === 'subscribed');
    await ok('kim', 'DELETE', `/rooms/${r2.id}`);
    const closed = await joy.next((m) => m.type === 'room_state' && m.state === 'closed');
    assert.equal(closed.room_id, r2.id);
    assert.equal((await api('joy', 'POST', `/rooms/${r2.id}/join`, {})).status, 404);
  });
});
