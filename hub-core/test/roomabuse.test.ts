// Rooms against abuse: raced passphrases, one account taking every room, private member lists,
// spoofed names. A real hub over HTTPS; the limits are lowered through the hub's own settings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RoomDetail } from '../../protocol/api.js';
import { startJamHub, type JamHub, type JsonResponse } from '../../testkit/fixtures.js';
import { alive } from '../../testkit/jack.js';

type ErrorAnswer = { error: { code: string; message: string } };

describe('rooms under abuse', () => {
  let t: JamHub;
  const api = (...a: Parameters<JamHub['api']>) => t.api(...a);
  const ok = <T>(...a: Parameters<JamHub['api']>) => t.ok<T>(...a);
  const statuses = (rs: JsonResponse[]) =>
    rs
      .map((r) => r.status)
      .sort((a, b) => a - b)
      .join(',');
  const count = (rs: JsonResponse[], status: number) =>
    rs.filter((r) => r.status === status).length;
  const message = (r: JsonResponse) => (r.body as ErrorAnswer).error.message;
  const no5xx = (rs: JsonResponse[]) =>
    assert.ok(
      rs.every((r) => r.status < 500),
      `5xx answers: ${rs
        .filter((r) => r.status >= 500)
        .map((r) => r.text)
        .join(' | ')}`,
    );
  // Every limit window here is 10 minutes: the next test starts on a clean slate.
  const nextWindow = () => t.clock.advance(11 * 60_000);

  before(async () => {
    t = await startJamHub(['owner', 'mallory', 'trent', 'pat', 'quinn', 'rita'], {
      env: {
        ROOM_CREATIONS_PER_USER: '4',
        OPEN_ROOMS_PER_USER: '2',
        PASSPHRASE_ATTEMPTS_PER_IP: '6',
      },
    });
  });
  after(async () => {
    const pids = t.hub.supervisor.pids;
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} left running`);
  });

  it('12 wrong passphrases at once: at most 5 are checked, the rest wait (429)', async () => {
    const room = await ok<RoomDetail>('owner', 'POST', '/rooms', {
      name: 'Vault',
      passphrase: 'the right words',
    });
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api('mallory', 'POST', `/rooms/${room.id}/join`, { passphrase: `guess ${i}` }),
      ),
    );
    no5xx(burst);
    const wrong = count(burst, 403);
    assert.ok(wrong >= 1 && wrong <= 5, `wrong passphrases checked: ${statuses(burst)}`);
    assert.equal(count(burst, 429), 12 - wrong, statuses(burst));
    for (const r of burst.filter((x) => x.status === 429))
      assert.ok(Number(r.headers['retry-after']) >= 1, 'a 429 carries Retry-After');
    // One at a time, the rest of the 5 attempts are checked, then nothing more.
    let more = 0;
    for (;;) {
      const r = await api('mallory', 'POST', `/rooms/${room.id}/join`, { passphrase: 'again' });
      if (r.status === 429) break;
      assert.equal(r.status, 403, r.text);
      more++;
      assert.ok(more <= 5, 'the limit never came');
    }
    assert.equal(wrong + more, 5, 'exactly 5 wrong passphrases are checked per 10 minutes');
    const right = await api('mallory', 'POST', `/rooms/${room.id}/join`, {
      passphrase: 'the right words',
    });
    assert.equal(right.status, 429, 'even the right passphrase waits out the window');
    nextWindow();
    await ok('mallory', 'POST', `/rooms/${room.id}/join`, { passphrase: 'the right words' });
    await ok('mallory', 'POST', `/rooms/${room.id}/leave`);
    await ok('owner', 'POST', `/rooms/${room.id}/close`);
  });

  it('wrong passphrases are limited per client IP too, across users and rooms', async () => {
    nextWindow();
    const a = await ok<RoomDetail>('owner', 'POST', '/rooms', { name: 'A', passphrase: 'alpha!' });
    const b = await ok<RoomDetail>('rita', 'POST', '/rooms', { name: 'B', passphrase: 'bravo!' });
    // 6 wrong passphrases from this IP (PASSPHRASE_ATTEMPTS_PER_IP), by two users in two rooms:
    // each user stays under the per-user limit of 5.
    for (const [user, room] of [
      ['mallory', a],
      ['trent', b],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        const r = await api(user, 'POST', `/rooms/${room.id}/join`, { passphrase: `no ${i}` });
        assert.equal(r.status, 403, r.text);
      }
    }
    const third = await api('pat', 'POST', `/rooms/${a.id}/join`, { passphrase: 'alpha!' });
    assert.equal(third.status, 429, third.text);
    assert.match(message(third), /passphrase/i);
    assert.ok(Number(third.headers['retry-after']) >= 1);
    nextWindow();
    await ok('pat', 'POST', `/rooms/${a.id}/join`, { passphrase: 'alpha!' });
    await ok('pat', 'POST', `/rooms/${a.id}/leave`);
    await ok('owner', 'POST', `/rooms/${a.id}/close`);
    await ok('rita', 'POST', `/rooms/${b.id}/close`);
  });

  it('one account holds at most OPEN_ROOMS_PER_USER open rooms, even when it asks all at once', async () => {
    nextWindow();
    const burst = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api('quinn', 'POST', '/rooms', { name: `Mine ${i}`, passphrase: 'slow to hash' }),
      ),
    );
    no5xx(burst);
    assert.equal(count(burst, 201), 2, statuses(burst));
    assert.equal(count(burst, 409) + count(burst, 429), 8, statuses(burst));
    const full = burst.find((r) => r.status === 409);
    if (full) assert.match(message(full), /open rooms/);
    const mine = (await ok<RoomDetail[]>('quinn', 'GET', '/rooms')).filter(
      (r) => r.host.username === 'quinn',
    );
    assert.equal(mine.length, 2);
    nextWindow();
    const third = await api('quinn', 'POST', '/rooms', { name: 'One more' });
    assert.equal(third.status, 409, third.text);
    await ok('quinn', 'POST', `/rooms/${mine[0]!.id}/close`);
    await ok('quinn', 'POST', '/rooms', { name: 'One more' });
  });

  it('room creation is rate-limited per user (429 with Retry-After)', async () => {
    nextWindow();
    for (let i = 0; i < 4; i++) {
      const r = await ok<RoomDetail>('pat', 'POST', '/rooms', { name: `Quick ${i}` });
      await ok('pat', 'POST', `/rooms/${r.id}/close`);
    }
    const fifth = await api('pat', 'POST', '/rooms', { name: 'Quick 4' });
    assert.equal(fifth.status, 429, fifth.text);
    const wait = Number(fifth.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 600, `Retry-After ${wait}`);
    // Another user is not affected.
    const other = await ok<RoomDetail>('trent', 'POST', '/rooms', { name: 'Not pat' });
    await ok('trent', 'POST', `/rooms/${other.id}/close`);
    t.clock.advance(wait * 1000);
    await ok('pat', 'POST', '/rooms', { name: 'Quick 5' });
  });

  it("a private room's members are shown to its members only", async () => {
    nextWindow();
    const room = await ok<RoomDetail>('rita', 'POST', '/rooms', {
      name: 'Quiet',
      passphrase: 'hush hush',
    });
    await ok('rita', 'POST', `/rooms/${room.id}/join`);
    await ok('trent', 'POST', `/rooms/${room.id}/join`, { passphrase: 'hush hush' });
    const outsider = await ok<RoomDetail>('mallory', 'GET', `/rooms/${room.id}`);
    assert.deepEqual(outsider.members, []);
    assert.equal(outsider.you.member, false);
    assert.equal(outsider.private, true);
    const member = await ok<RoomDetail>('trent', 'GET', `/rooms/${room.id}`);
    assert.deepEqual(member.members.map((m) => m.username).sort(), ['rita', 'trent']);
    const host = await ok<RoomDetail>('rita', 'GET', `/rooms/${room.id}`);
    assert.equal(host.members.length, 2);
    // A public room shows its members to anyone.
    const open = await ok<RoomDetail>('owner', 'POST', '/rooms', { name: 'Open door' });
    await ok('owner', 'POST', `/rooms/${open.id}/join`);
    const seen = await ok<RoomDetail>('mallory', 'GET', `/rooms/${open.id}`);
    assert.deepEqual(
      seen.members.map((m) => m.username),
      ['owner'],
    );
    for (const [user, id] of [
      ['trent', room.id],
      ['rita', room.id],
      ['owner', open.id],
    ] as const)
      await ok(user, 'POST', `/rooms/${id}/leave`);
  });

  it('names and descriptions with invisible formatting characters are refused', async () => {
    nextWindow();
    for (const body of [
      { name: 'evil\u202Egnp.exe' },
      { name: 'zero\u200Bwidth' },
      { name: 'soft\u00ADhyphen' },
      { name: 'Fine name', description: 'hidden \u2066isolate\u2069 text' },
      { name: 'byte order\uFEFFmark' },
    ]) {
      const r = await api('trent', 'POST', '/rooms', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.match(message(r), /invisible|formatting/, r.text);
    }
    const reg = await api('nobody', 'POST', '/auth/register', {
      username: 'admin\u202E',
      password: 'a fine password',
    });
    assert.equal(reg.status, 400, reg.text);
    // Emoji and accented letters are fine.
    const good = await ok<RoomDetail>('trent', 'POST', '/rooms', { name: 'Café ♫ jam 🎸' });
    assert.equal(good.name, 'Café ♫ jam 🎸');
  });
});
