// Kick and ban really end a player's audio, and the hub owns each room's wiring: real jackd,
// real jacktrip on both ends, a tone per player, jack_rec and sox, and the room's own
// jack_evmon watching every connection JACK makes for the whole run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { delay } from '../src/process/child.js';
import type { JoinAnswer, RoomDetail } from '../../protocol/api.js';
import { startJamHub, type JamHub } from '../../testkit/fixtures.js';
import {
  ConnectionLog,
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
import { TestSocket } from '../../testkit/wsclient.js';

describe('kick, ban and foreign names against the room’s real wiring (patch mode 2)', () => {
  let t: JamHub;
  const procs = new Procs();
  let cli: string; // every player's jacktrip runs here (unique -J names), with one tone source
  let room: RoomDetail;
  let log: ConnectionLog;
  let host: TestSocket;
  /** Every connection the room's graph watcher ever reported, as "source -> dest". */
  const snapshots = new Set<string>();

  const join_ = (user: string) => t.ok<JoinAnswer>(user, 'POST', `/rooms/${room.id}/join`, {});
  const start = (j: JoinAnswer, remoteName = j.jacktrip.remote_name) =>
    startJackTripClient(procs, cli, {
      host: j.jacktrip.host,
      port: j.jacktrip.port,
      remoteName,
      username: j.jacktrip.username,
      password: j.jacktrip.password,
    });
  const connect = async (j: JoinAnswer, remoteName?: string): Promise<JtClient> => {
    const c = start(j, remoteName);
    assert.equal(await c.outcome, 'connected', c.lines.slice(-5).join(' | '));
    await waitForPort(cli, `${c.jackName}:receive_2`);
    return c;
  };
  /** Channels 1 and 2 of what a player hears. */
  const hears = async (c: JtClient, name: string) => {
    const file = join(t.dir, `${name}.wav`);
    await record(cli, file, 2, [`${c.jackName}:receive_1`, `${c.jackName}:receive_2`]);
    return [await wavStat(file, 1), await wavStat(file, 2)] as const;
  };
  /** Resolves true once the client's jacktrip has exited (false after a generous bound). */
  const exits = (c: JtClient) =>
    Promise.race([c.child.exited.then(() => true), delay(20_000).then(() => false)]);
  const wired = (source: string, dest: string) =>
    graphWhen(`${source} -> ${dest}`, (g) =>
      g.connections.some(([s, d]) => s === source && d === dest),
    );
  const restarts = () =>
    host.received.filter((m) => m.type === 'room_state' && m.state === 'restarted');
  const hubGraph = () => t.hub.supervisor.get(room.id)!.graph;
  /** The room's graph once `pred` holds (the watcher's snapshot trails JACK by a moment). */
  const graphWhen = async (what: string, pred: (g: ReturnType<typeof hubGraph>) => boolean) => {
    const g = await t.hub.supervisor.get(room.id)!.watcher.waitFor(pred, 10_000);
    assert.ok(g, `the room's graph never showed: ${what}; now ${JSON.stringify(hubGraph())}`);
    return g;
  };
  const connectionsOf = (client: string) =>
    [...snapshots].filter((k) => k.split(' -> ').some((p) => p.startsWith(`${client}:`)));

  before(async () => {
    t = await startJamHub(['alice', 'bob', 'carol', 'dave', 'erin']);
    cli = (await procs.server('cli')).name;
    await startTone(procs, cli); // 240 Hz on output1, 720 Hz on output2
    room = await t.ok<RoomDetail>('alice', 'POST', '/rooms', {
      name: 'Who may play',
      patch_mode: 2,
      max_participants: 6,
    });
    await join_('alice');
    const rt = t.hub.supervisor.get(room.id)!;
    log = await ConnectionLog.start(procs, rt.jack.scope);
    t.hub.supervisor.on('graph', (id, g) => {
      if (id === room.id) for (const [s, d] of g.connections) snapshots.add(`${s} -> ${d}`);
    });
    host = await TestSocket.open(
      `${t.url.replace('https:', 'wss:')}/ws?token=${t.tokens.alice}`,
      t.ca,
    );
    host.send({ type: 'subscribe', room_id: room.id });
    await host.next((m) => m.type === 'subscribed');
  });
  after(async () => {
    host?.close();
    await procs.stopAll();
    const pids = t.hub.supervisor.pids;
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} left running`);
  });

  let alice: JtClient;
  let aliceJoin: JoinAnswer;
  let carol: JtClient;
  let erin: JtClient;
  let erinJoin: JoinAnswer;

  it('a kicked player is cut off and stopped; nothing of them reaches the next player, and they stay out', async () => {
    const ja = await join_('alice');
    const jb = await join_('bob');
    alice = await connect(ja);
    const bob = await connect(jb);
    await wired('bob:receive_2', 'alice:send_2');
    // Alice plays 240 Hz on her channel 1, Bob 720 Hz on his channel 2.
    await jackConnect(cli, 'jack_simple_client:output1', `${alice.jackName}:send_1`);
    await jackConnect(cli, 'jack_simple_client:output2', `${bob.jackName}:send_2`);
    const [, fromBob] = await hears(alice, 'alice-hears-bob');
    assert.ok(isTone(fromBob), `alice hears bob before the kick: ${JSON.stringify(fromBob)}`);

    await t.ok('alice', 'POST', `/rooms/${room.id}/kick`, { user_id: t.ids.bob });
    assert.equal(
      await exits(bob),
      true,
      `bob's jacktrip still runs: ${bob.lines.slice(-4).join(' | ')}`,
    );
    assert.ok(
      bob.lines.some((l) => l.startsWith('Peer Stopped')),
      bob.lines.slice(-6).join(' | '),
    );
    await graphWhen('bob gone', (g) => !('bob' in g.clients));

    // Carol joins: jacktrip's own patcher used to wire every client again at this moment.
    carol = await connect(await join_('carol'));
    await wired('alice:receive_1', 'carol:send_1');
    const [fromAlice, fromBobNow] = await hears(carol, 'carol-after-kick');
    assert.ok(isTone(fromAlice), `carol hears alice (control): ${JSON.stringify(fromAlice)}`);
    assert.ok(isSilent(fromBobNow), `carol must not hear bob: ${JSON.stringify(fromBobNow)}`);

    const again = start(jb);
    assert.equal(await again.outcome, 'ERROR: Incorrect username or password.');
    assert.deepEqual(restarts(), [], 'bob was stopped alone: nobody else had to reconnect');
  });

  it('a player connected under another name is never wired to anyone, is stopped, and the room is told why', async () => {
    const mark = host.mark;
    const jd = await join_('dave');
    const zed = start(jd, 'zed');
    await zed.outcome; // it may get as far as "connected" before the hub stops it
    const told = await host.next((m) => m.type === 'room_state', 10_000, mark);
    assert.equal(told.state, 'refused_name');
    assert.match(String(told.message), /named 'zed' was refused: connect with -K <your username>/);
    assert.equal(
      await exits(zed),
      true,
      `zed's jacktrip still runs: ${zed.lines.slice(-4).join(' | ')}`,
    );
    assert.ok(zed.lines.some((l) => l.startsWith('Peer Stopped')));
    // Someone else joins while the memory of zed is fresh: nothing of zed is wired to her.
    erinJoin = await join_('erin');
    erin = await connect(erinJoin);
    await wired('alice:receive_1', 'erin:send_1');
    const [fromAlice] = await hears(erin, 'erin-hears-alice');
    assert.ok(isTone(fromAlice), `erin hears alice: ${JSON.stringify(fromAlice)}`);
    assert.deepEqual(log.involving('zed'), [], 'JACK never connected a port of zed');
    assert.deepEqual(connectionsOf('zed'), []);
    // Dave, connected properly, plays with everyone.
    const dave = await connect(jd);
    await wired('dave:receive_2', 'erin:send_2');
    await jackConnect(cli, 'jack_simple_client:output2', `${dave.jackName}:send_2`);
    const [, fromDave] = await hears(erin, 'erin-hears-dave');
    assert.ok(isTone(fromDave), `erin hears dave: ${JSON.stringify(fromDave)}`);

    // Banned while connected: cut off, stopped, and kept out.
    await t.ok('alice', 'POST', `/rooms/${room.id}/ban`, { user_id: t.ids.dave });
    assert.equal(
      await exits(dave),
      true,
      `dave's jacktrip still runs: ${dave.lines.slice(-4).join(' | ')}`,
    );
    assert.ok(dave.lines.some((l) => l.startsWith('Peer Stopped')));
    const [, fromDaveNow] = await hears(erin, 'erin-after-ban');
    assert.ok(isSilent(fromDaveNow), `erin must not hear dave: ${JSON.stringify(fromDaveNow)}`);
    const back = start(jd);
    assert.equal(await back.outcome, 'ERROR: Incorrect username or password.');
    const rejoin = await t.api('dave', 'POST', `/rooms/${room.id}/join`, {});
    assert.equal(rejoin.status, 403);
    assert.deepEqual(log.involving('zed'), [], 'still: JACK never connected a port of zed');
    assert.deepEqual(restarts(), []);
  });

  it('a member who connects again keeps only their newest connection', async () => {
    aliceJoin = await join_('alice');
    const second = await connect(aliceJoin);
    await wired('alice-01:receive_1', 'carol:send_1');
    assert.equal(await exits(alice), true, 'the older connection is stopped');
    assert.ok(alice.lines.some((l) => l.startsWith('Peer Stopped')));
    await graphWhen('only alice-01', (g) =>
      Object.keys(g.clients).every((c) => !c.startsWith('alice') || c === 'alice-01'),
    );
    await jackConnect(cli, 'jack_simple_client:output1', `${second.jackName}:send_1`);
    const [fromAlice] = await hears(carol, 'carol-hears-alice-again');
    assert.ok(
      isTone(fromAlice),
      `carol hears alice's new connection: ${JSON.stringify(fromAlice)}`,
    );
    alice = second;
  });

  it('a patch mode change re-wires the room in place: no restart, nobody reconnects', async () => {
    const rt = t.hub.supervisor.get(room.id)!;
    const pids = rt.pids;
    const mark = host.mark;
    await t.ok('alice', 'POST', `/rooms/${room.id}/patch-mode`, { patch_mode: 4 });
    const [own4] = await hears(alice, 'alice-mode4');
    assert.ok(isTone(own4), `mode 4: alice hears herself: ${JSON.stringify(own4)}`);
    await t.ok('alice', 'POST', `/rooms/${room.id}/patch-mode`, { patch_mode: 2 });
    const [own2] = await hears(alice, 'alice-mode2');
    assert.ok(isSilent(own2), `mode 2: alice does not hear herself: ${JSON.stringify(own2)}`);
    await t.ok('alice', 'POST', `/rooms/${room.id}/patch-mode`, { patch_mode: 5 });
    assert.deepEqual(hubGraph().connections, [], 'mode 5 starts with no cords');
    assert.equal(t.hub.supervisor.get(room.id), rt, 'the same processes');
    assert.deepEqual(rt.pids, pids);
    const states = host.received.slice(mark).filter((m) => m.type === 'room_state');
    assert.deepEqual(
      states.map((m) => [m.state, m.patch_mode]),
      [
        ['patch_mode', 4],
        ['patch_mode', 2],
        ['patch_mode', 5],
      ],
    );
  });

  it('where a worker’s port is unknown, the room restarts its jacktrip without the removed player', async () => {
    const rt = t.hub.supervisor.get(room.id)!;
    // As if erin's port line had never been read: her worker can't be stopped alone.
    rt.workers.onClient('erin', false);
    rt.workers.onClient('erin', true);
    assert.equal(rt.workers.portOf('erin'), undefined);
    const mark = host.mark;
    await t.ok('alice', 'POST', `/rooms/${room.id}/kick`, { user_id: t.ids.erin });
    const told = await host.next((m) => m.type === 'room_state', 10_000, mark);
    assert.equal(told.state, 'restarted');
    assert.notEqual(t.hub.supervisor.get(room.id), rt);
    for (const p of rt.pids) assert.equal(alive(p), false, `old room process ${p}`);
    assert.equal(
      await exits(erin),
      true,
      `erin's jacktrip still runs: ${erin.lines.slice(-4).join(' | ')}`,
    );
    const back = start(erinJoin);
    assert.equal(await back.outcome, 'ERROR: Incorrect username or password.');
    // Everyone else reconnects with the details they have (a fresh local port, as the app does).
    assert.equal(await exits(alice), true);
    alice = await connect(aliceJoin);
    await graphWhen('alice back', (g) => 'alice' in g.clients);
  });
});
