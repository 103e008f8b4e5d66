// Rooms that carry real audio: the hub's API, real jackd and jacktrip on both ends, sox.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JoinAnswer, RoomDetail } from '../../protocol/api.js';
import { delay, stopChild } from '../src/process/child.js';
import { startJamHub, type JamHub } from '../../testkit/fixtures.js';
import {
  Procs,
  alive,
  isSilent,
  isTone,
  jackConnect,
  record,
  startJackTripClient,
  startTone,
  waitForPort,
  wavStat,
  type JtClient,
} from '../../testkit/jack.js';

describe('rooms with real audio', () => {
  let t: JamHub;
  const procs = new Procs();
  let cli: string; // one client-side JACK server holds every player's jacktrip (unique -J names)
  const api = (...a: Parameters<JamHub['api']>) => t.api(...a);
  const ok = <T>(...a: Parameters<JamHub['api']>) => t.ok<T>(...a);
  const connectClient = async (user: string, j: JoinAnswer): Promise<JtClient> => {
    const c = startJackTripClient(procs, cli, {
      host: j.jacktrip.host,
      port: j.jacktrip.port,
      remoteName: j.jacktrip.remote_name,
      username: j.jacktrip.username,
      password: j.jacktrip.password,
    });
    assert.equal(await c.outcome, 'connected', `${user}: ${c.lines.slice(-5).join(' | ')}`);
    await waitForPort(cli, `${c.jackName}:receive_1`);
    return c;
  };
  const recordFrom = async (c: JtClient, name: string) => {
    const file = join(t.dir, `${name}.wav`);
    await record(cli, file, 2, [`${c.jackName}:receive_1`]);
    return wavStat(file);
  };

  /** The hub wires a room's players itself, a moment after their clients appear. */
  const wired = async (roomId: string, source: string, dest: string) => {
    const g = await t.hub.supervisor
      .get(roomId)!
      .watcher.waitFor((g) => g.connections.some(([s, d]) => s === source && d === dest), 10_000);
    assert.ok(g, `the hub never wired ${source} -> ${dest}`);
  };

  before(async () => {
    t = await startJamHub(['alice', 'bob', 'carol', 'dave', 'erin']);
    cli = (await procs.server('cli')).name;
  });
  after(async () => {
    await procs.stopAll();
    const pids = t.hub.supervisor.pids;
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} left running`);
  });

  let room1: RoomDetail;
  let alice: JtClient;
  let bob: JtClient;

  it("patch mode 2: Bob hears Alice's tone through the hub", async () => {
    room1 = await ok<RoomDetail>('alice', 'POST', '/rooms', {
      name: 'Tuesday session',
      patch_mode: 2,
    });
    const ja = await ok<JoinAnswer>('alice', 'POST', `/rooms/${room1.id}/join`, {});
    const jb = await ok<JoinAnswer>('bob', 'POST', `/rooms/${room1.id}/join`);
    assert.equal(ja.hub_host, '127.0.0.1');
    assert.equal(ja.port, ja.jacktrip_port);
    assert.deepEqual(ja.jacktrip_flags, ['-q', '4']);
    assert.equal(jb.jacktrip.remote_name, 'bob');
    assert.notEqual(ja.jacktrip.password, jb.jacktrip.password);
    alice = await connectClient('alice', ja);
    bob = await connectClient('bob', jb);

    // The live participant list follows who is really connected (jack_evmon on the room's server).
    const detail = await ok<RoomDetail>('bob', 'GET', `/rooms/${room1.id}`);
    assert.deepEqual(
      detail.members.map((m) => [m.username, m.connected, m.host]),
      [
        ['alice', true, true],
        ['bob', true, false],
      ],
    );

    await startTone(procs, cli);
    await wired(room1.id, 'alice:receive_1', 'bob:send_1');
    await jackConnect(cli, 'jack_simple_client:output1', `${alice.jackName}:send_1`);
    await jackConnect(cli, 'jack_simple_client:output2', `${alice.jackName}:send_2`);
    const s = await recordFrom(bob, 'bob-p2');
    assert.ok(isTone(s), `bob's recording: ${JSON.stringify(s)}`);
    // Alice's 240 Hz, not her 720 Hz channel; concealed underruns under CPU load can shift the
    // zero-crossing estimate (docs/jack.md), so the band is wide.
    assert.ok(s.freq > 180 && s.freq < 360, `frequency ${s.freq} Hz, sent 240 Hz`);
    const own = await recordFrom(alice, 'alice-p2');
    assert.ok(isSilent(own), `alice must not hear herself in mode 2: ${JSON.stringify(own)}`);
  });

  let room2: RoomDetail;
  let carol: JtClient;
  let dave: JtClient;

  it('patch mode 5 in a second room: silent (and isolated) until the host connects, audible after', async () => {
    room2 = await ok<RoomDetail>('carol', 'POST', '/rooms', {
      name: 'Manual',
      patch_mode: 5,
      passphrase: 'open sesame',
      max_participants: 2,
    });
    assert.equal(room2.private, true);
    const wrong = await api('dave', 'POST', `/rooms/${room2.id}/join`, { passphrase: 'nope' });
    assert.equal(wrong.status, 403);
    const jc = await ok<JoinAnswer>('carol', 'POST', `/rooms/${room2.id}/join`, {});
    const jd = await ok<JoinAnswer>('dave', 'POST', `/rooms/${room2.id}/join`, {
      passphrase: 'open sesame',
    });
    assert.equal(jc.port, jd.port);
    assert.notEqual(
      jc.port,
      t.hub.supervisor.ports(room1.id)!.tcpPort,
      'each room has its own hub port',
    );
    carol = await connectClient('carol', jc);
    dave = await connectClient('dave', jd);
    const full = await api('erin', 'POST', `/rooms/${room2.id}/join`, {
      passphrase: 'open sesame',
    });
    assert.equal(full.status, 409, full.text);

    // Alice's tone plays in room 1; room 2 hears nothing of it.
    await jackConnect(cli, 'jack_simple_client:output1', `${carol.jackName}:send_1`);
    const before = await recordFrom(dave, 'dave-before');
    assert.ok(isSilent(before), `dave before patching: ${JSON.stringify(before)}`);

    // Ports of room 1 do not exist on room 2's JACK server.
    const cross = await api('carol', 'POST', '/jack/connect', {
      room_id: room2.id,
      source: 'alice:receive_1',
      dest: 'dave:send_1',
    });
    assert.equal(cross.status, 400);
    assert.match(cross.text, /unknown port/);

    const nonHost = await api('dave', 'POST', '/jack/connect', {
      room_id: room2.id,
      source: 'carol:receive_1',
      dest: 'dave:send_1',
    });
    assert.equal(nonHost.status, 403);

    // The seed's form: parameters in the query string.
    const q = new URLSearchParams({
      room_id: room2.id,
      source: 'carol:receive_1',
      dest: 'dave:send_1',
    });
    const done = await ok<{ changed: boolean; graph: { connections: [string, string][] } }>(
      'carol',
      'POST',
      `/jack/connect?${q.toString()}`,
    );
    assert.equal(done.changed, true);
    assert.ok(
      done.graph.connections.some(([s, d]) => s === 'carol:receive_1' && d === 'dave:send_1'),
    );
    const again = await ok<{ changed: boolean }>('carol', 'POST', '/jack/connect', {
      room_id: room2.id,
      source: 'carol:receive_1',
      dest: 'dave:send_1',
    });
    assert.equal(again.changed, false, 'an existing connection is a no-op');

    const after = await recordFrom(dave, 'dave-after');
    assert.ok(isTone(after), `dave after patching: ${JSON.stringify(after)}`);

    const graph = await ok<{ connections: [string, string][] }>(
      'dave',
      'GET',
      `/jack/graph?room_id=${room2.id}`,
    );
    assert.ok(graph.connections.some(([s, d]) => s === 'carol:receive_1' && d === 'dave:send_1'));
    await ok('carol', 'POST', '/jack/disconnect', {
      room_id: room2.id,
      source: 'carol:receive_1',
      dest: 'dave:send_1',
    });
    const unpatched = await recordFrom(dave, 'dave-unpatched');
    assert.ok(isSilent(unpatched), `dave after disconnect: ${JSON.stringify(unpatched)}`);
  });

  it('the host’s cords come back when a player reconnects; a disconnected one does not', async () => {
    const cord = { room_id: room2.id, source: 'carol:receive_1', dest: 'dave:send_1' };
    const graphOf = () =>
      ok<{ connections: [string, string][] }>('dave', 'GET', `/jack/graph?room_id=${room2.id}`);
    const hasCord = async () =>
      (await graphOf()).connections.some(([s, d]) => s === cord.source && d === cord.dest);
    const until = async (what: string, fn: () => Promise<boolean>) => {
      for (let i = 0; i < 200; i++)
        if (await fn()) return;
        else await delay(50);
      throw new Error(`timed out: ${what}`);
    };
    const reconnectDave = async () => {
      await stopChild(dave.child);
      await until('dave gone', async () => !(await hasPort('dave:send_1')));
      const again = await ok<JoinAnswer>('dave', 'POST', `/rooms/${room2.id}/join`, {
        passphrase: 'open sesame',
      });
      dave = await connectClient('dave', again);
    };
    const hasPort = async (name: string) =>
      Object.values(t.hub.supervisor.get(room2.id)!.graph.clients)
        .flat()
        .some((p) => p.name === name);

    await ok('carol', 'POST', '/jack/connect', cord);
    await reconnectDave();
    await until('the cord made again', hasCord);
    const heard = await recordFrom(dave, 'dave-reconnected');
    assert.ok(isTone(heard), `dave after reconnecting: ${JSON.stringify(heard)}`);

    await ok('carol', 'POST', '/jack/disconnect', cord);
    await reconnectDave();
    await delay(500);
    assert.equal(await hasCord(), false, 'a cord the host removed stays removed');
  });

  it('refuses a raw jacktrip -C that knows the port but has no credentials', async () => {
    const port = t.hub.supervisor.ports(room1.id)!.tcpPort;
    const noAuth = startJackTripClient(procs, cli, {
      host: '127.0.0.1',
      port,
      remoteName: 'mallory',
    });
    assert.match(await noAuth.outcome, /requires authentication/);
    const wrong = startJackTripClient(procs, cli, {
      host: '127.0.0.1',
      port,
      remoteName: 'mallory',
      username: 'bob',
      password: 'guess',
    });
    assert.match(await wrong.outcome, /Incorrect username or password/);
    const graph = t.hub.supervisor.get(room1.id)!.graph;
    assert.equal('mallory' in graph.clients, false);
  });

  it('malformed and unknown patch requests get 400s', async () => {
    for (const [source, dest, re] of [
      ['no-colon', 'dave:send_1', /client:port/],
      ['carol:receive_1', 'x:\u0007bell', /client:port/],
      ['carol:nope_9', 'dave:send_1', /unknown port/],
      ['dave:send_1', 'carol:receive_1', /not an output/],
    ] as const) {
      const r = await api('carol', 'POST', '/jack/connect', { room_id: room2.id, source, dest });
      assert.equal(r.status, 400, `${source} -> ${dest}: ${r.text}`);
      assert.match(r.text, re);
    }
    const unknownRoom = await api(
      'carol',
      'GET',
      '/jack/graph?room_id=00000000-0000-0000-0000-000000000000',
    );
    assert.equal(unknownRoom.status, 404);
  });

  it("kill -9 of a room's jacktrip, then of its jackd: the room comes back", async () => {
    for (const which of ['hub', 'jack'] as const) {
      const rt = t.hub.supervisor.get(room1.id)!;
      const victim = which === 'hub' ? rt.jacktrip.pid : rt.jack.pid;
      const restarted = new Promise<string>((r) => {
        t.hub.supervisor.once('restarted', () => r('restarted'));
        t.hub.supervisor.once('failed', (_id, err) => r(`failed: ${err.message}`));
        setTimeout(() => r('timed out'), 60_000).unref();
      });
      process.kill(victim, 'SIGKILL');
      const outcome = await restarted;
      const logs = () =>
        t
          .logs()
          .split('\n')
          .filter((l) => /room|jack/i.test(l))
          .slice(-15)
          .join('\n');
      assert.equal(outcome, 'restarted', `after kill -9 of the room's ${which}:\n${logs()}`);
      const back = t.hub.supervisor.get(room1.id)!;
      assert.notEqual(back, rt);
      assert.ok(back.jacktrip.running && back.jack.running);
      for (const p of rt.pids)
        assert.equal(alive(p), false, `old process ${p} still running after ${which} crash`);
    }
    // Players stop their old client (a real app does so when told 'restarted': an old client
    // still sending to the hub's UDP ports would be taken for the new one) and reconnect.
    await Promise.all([stopChild(alice.child), stopChild(bob.child)]);
    const jb = await ok<JoinAnswer>('bob', 'POST', `/rooms/${room1.id}/join`);
    const ja = await ok<JoinAnswer>('alice', 'POST', `/rooms/${room1.id}/join`);
    alice = await connectClient('alice', ja);
    bob = await connectClient('bob', jb);
    await wired(room1.id, 'alice:receive_1', 'bob:send_1');
    await jackConnect(cli, 'jack_simple_client:output1', `${alice.jackName}:send_1`);
    const s = await recordFrom(bob, 'bob-after-crash');
    assert.ok(isTone(s), `bob after the room came back: ${JSON.stringify(s)}`);
  });

  it('a room that empties stops its processes', async () => {
    const pids = t.hub.supervisor.get(room2.id)!.pids;
    assert.ok(pids.length >= 3);
    await ok('dave', 'POST', `/rooms/${room2.id}/leave`);
    assert.ok(t.hub.supervisor.get(room2.id), 'still live with carol in it');
    await ok('carol', 'POST', `/rooms/${room2.id}/leave`);
    assert.equal(t.hub.supervisor.get(room2.id), undefined);
    for (const p of pids)
      assert.equal(alive(p), false, `process ${p} of the empty room still running`);
  });

  it('a player who rejoins while the emptied room is stopping gets a whole new room', async () => {
    const room = await ok<RoomDetail>('erin', 'POST', '/rooms', { name: 'Back in a second' });
    await ok<JoinAnswer>('erin', 'POST', `/rooms/${room.id}/join`, {});
    const old = t.hub.supervisor.get(room.id)!.pids;
    // What the hub does when the last player leaves; the player joins again at once.
    const stopping = t.hub.supervisor.stop(room.id);
    const again = await ok<JoinAnswer>('erin', 'POST', `/rooms/${room.id}/join`, {});
    await stopping;
    for (const p of old) assert.equal(alive(p), false, `old process ${p} still running`);
    const rt = t.hub.supervisor.get(room.id);
    assert.ok(rt, 'the room runs again');
    for (const p of rt.pids) assert.ok(alive(p) && !old.includes(p), `new process ${p}`);
    const creds = t.hub.supervisor.creds(room.id)!;
    assert.ok(existsSync(creds.path), 'the new credentials file survived the old stop');
    assert.ok(t.hub.supervisor.ports(room.id), 'the new room keeps its ports');
    const erin = await connectClient('erin', again);
    await stopChild(erin.child);
    await ok('erin', 'POST', `/rooms/${room.id}/leave`);
  });
});

describe('hub shutdown while a room is stopping', () => {
  it('waits for that room too: no process outlives the hub', async () => {
    const t = await startJamHub(['fay']);
    const room = await t.ok<RoomDetail>('fay', 'POST', '/rooms', { name: 'Last one out' });
    await t.ok<JoinAnswer>('fay', 'POST', `/rooms/${room.id}/join`, {});
    const pids = t.hub.supervisor.get(room.id)!.pids;
    assert.ok(pids.length >= 3);
    void t.hub.supervisor.stop(room.id);
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} outlived the hub`);
  });

  it('waits for a crashed room’s other processes too', async () => {
    const t = await startJamHub(['gil']);
    const room = await t.ok<RoomDetail>('gil', 'POST', '/rooms', { name: 'Crash, then quit' });
    await t.ok<JoinAnswer>('gil', 'POST', `/rooms/${room.id}/join`, {});
    const rt = t.hub.supervisor.get(room.id)!;
    const pids = rt.pids;
    // jackd dies; its jacktrip then ignores SIGTERM and needs the SIGKILL (docs/jack.md).
    process.kill(rt.jack.pid, 'SIGKILL');
    while (t.hub.supervisor.get(room.id)) await delay(20);
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} outlived the hub`);
  });
});
