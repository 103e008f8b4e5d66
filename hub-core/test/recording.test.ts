// Multitrack recording on the hub, with real parts: the room's jackd and jacktrip, players'
// jacktrip clients, a tone, jack_capture recording, sox reading the files, a zip downloaded over
// HTTPS and unpacked here.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { delay, runTool, stopChild } from '../src/process/child.js';
import type {
  JoinAnswer,
  Recording,
  RecordingList,
  RecordingStatus,
  RoomDetail,
} from '../../protocol/api.js';
import { startJamHub, tempDir, type JamHub } from '../../testkit/fixtures.js';
import {
  Procs,
  alive,
  isSilent,
  isTone,
  jackConnect,
  startJackTripClient,
  startTone,
  waitForPort,
  wavStat,
  type JtClient,
} from '../../testkit/jack.js';
import { TestSocket } from '../../testkit/wsclient.js';

/** The entries of a stored (uncompressed) zip, by name. */
function unzipStored(zip: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    assert.equal(zip.readUInt16LE(at + 8), 0, 'stored');
    const size = zip.readUInt32LE(at + 18);
    const nameLen = zip.readUInt16LE(at + 26);
    const extra = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 30, at + 30 + nameLen);
    const start = at + 30 + nameLen + extra;
    out.set(name, zip.subarray(start, start + size));
    at = start + size;
  }
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const frames = async (file: string) =>
  Number((await runTool('soxi', ['-s', file], process.env)).stdout.trim());

describe('recording a room: capture, access, limits, crash and cleanup', () => {
  let t: JamHub;
  const procs = new Procs();
  let cli: string;
  let room: RoomDetail;
  let host: TestSocket;

  const join_ = (user: string) => t.ok<JoinAnswer>(user, 'POST', `/rooms/${room.id}/join`, {});
  const connect = async (j: JoinAnswer): Promise<JtClient> => {
    const c = startJackTripClient(procs, cli, {
      host: j.jacktrip.host,
      port: j.jacktrip.port,
      remoteName: j.jacktrip.remote_name,
      username: j.jacktrip.username,
      password: j.jacktrip.password,
    });
    assert.equal(await c.outcome, 'connected', c.lines.slice(-5).join(' | '));
    await waitForPort(cli, `${c.jackName}:receive_2`);
    return c;
  };
  const download = (user: string, id: string, range?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
      (resolve, reject) => {
        const headers: Record<string, string> = { authorization: `Bearer ${t.tokens[user]}` };
        if (range) headers.range = range;
        const req = request(
          `${t.url}/recordings/${id}/download`,
          { headers, ca: t.ca, agent: false },
          (res) => {
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(parts),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
  const record = (action: 'start' | 'stop') =>
    t.ok<RecordingStatus>('alice', 'POST', `/rooms/${room.id}/recording`, { action });
  const dirOf = (id: string) => join(t.hub.config.recordingsDir, id);

  before(async () => {
    t = await startJamHub(['alice', 'bob', 'carol'], { env: { HUB_RECORDING_MIN_FREE_MB: '1' } });
    cli = (await procs.server('cli')).name;
    await startTone(procs, cli); // 240 Hz on output1
    room = await t.ok<RoomDetail>('alice', 'POST', '/rooms', {
      name: 'Take one',
      patch_mode: 2,
      max_participants: 4,
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
    await t.close();
  });

  let take: Recording;

  it('captures each player on their own track and the mix, aligned, with a project naming them', async () => {
    const alice = await connect(await join_('alice'));
    const bobJoin = await join_('bob');
    let bob = await connect(bobJoin);
    await jackConnect(cli, 'jack_simple_client:output1', `${alice.jackName}:send_1`);
    const mark = host.mark;
    const started = (await record('start')).recording!;
    const told = await host.next((m) => m.type === 'recording', 10_000, mark);
    assert.equal(told.type === 'recording' && told.started_by, 'alice');
    assert.match(String(told.type === 'recording' && told.message), /alice started recording/);
    // A player who opens the room during the recording is told at once, with who started it.
    const late = await TestSocket.open(
      `${t.url.replace('https:', 'wss:')}/ws?token=${t.tokens.bob}`,
      t.ca,
    );
    try {
      late.send({ type: 'subscribe', room_id: room.id });
      const notice = await late.next((x) => x.type === 'recording', 10_000);
      assert.match(
        String(notice.type === 'recording' && notice.message),
        /recorded \(started by alice\)/,
      );
    } finally {
      late.close();
    }
    await delay(1000);
    // Bob reconnects: new JACK ports, the same track.
    await stopChild(bob.child, 3000);
    bob = await connect(bobJoin);
    await delay(2000);
    const live = await t.ok<RecordingStatus>('bob', 'GET', `/rooms/${room.id}/recording`);
    assert.equal(live.recording?.state, 'recording');
    assert.ok(live.recording.size_bytes > 0 && live.recording.elapsed_seconds > 2);
    take = (await record('stop')).recording!;
    assert.equal(take.id, started.id);
    assert.equal(take.state, 'done');
    assert.deepEqual([...take.players].sort(), ['alice', 'bob']);

    const dir = dirOf(take.id);
    const a = await wavStat(join(dir, 'alice.wav'), 1);
    assert.ok(isTone(a) && Math.abs(a.freq - 240) < 15, `alice's track: ${JSON.stringify(a)}`);
    const b = await wavStat(join(dir, 'bob.wav'), 1);
    assert.ok(isSilent(b), `bob's track: ${JSON.stringify(b)}`);
    const m = await wavStat(join(dir, 'mix.wav'), 1);
    assert.ok(isTone(m), `the mix: ${JSON.stringify(m)}`);
    const lengths = await Promise.all(
      ['alice.wav', 'bob.wav', 'mix.wav'].map((f) => frames(join(dir, f))),
    );
    assert.ok(lengths[0]! > 48000 * 2.5, `length ${lengths[0]}`);
    assert.ok(Math.max(...lengths) - Math.min(...lengths) <= 128, `lengths ${lengths.join(' ')}`);
    const named = (f: string) =>
      [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:FILE|file) "([^"]+)"/g)].map((x) => x[1]);
    assert.deepEqual(named('session.rpp'), ['alice.wav', 'bob.wav', 'mix.wav']);
    assert.deepEqual(named('session.lof'), ['alice.wav', 'bob.wav', 'mix.wav']);
    const session = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(session.sample_rate, 48000);
    assert.equal(session.period_frames, 128);
    await stopChild(alice.child, 3000);
    await stopChild(bob.child, 3000);
  });

  it('members list and download (whole or resumed); others get 403', async () => {
    const list = await t.ok<RecordingList>('bob', 'GET', `/rooms/${room.id}/recordings`);
    assert.deepEqual(
      list.recordings.map((r) => r.id),
      [take.id],
    );
    const own = await t.ok<RecordingList>('bob', 'GET', '/recordings');
    assert.ok(own.recordings.some((r) => r.id === take.id));
    assert.equal((await t.api('carol', 'GET', `/rooms/${room.id}/recordings`)).status, 403);
    assert.equal((await download('carol', take.id)).status, 403);
    assert.equal((await t.ok<RecordingList>('carol', 'GET', '/recordings')).recordings.length, 0);

    const whole = await download('bob', take.id);
    assert.equal(whole.status, 200);
    assert.equal(Number(whole.headers['content-length']), whole.body.length);
    const files = unzipStored(whole.body);
    assert.deepEqual([...files.keys()].sort(), [
      'alice.wav',
      'bob.wav',
      'mix.wav',
      'session.json',
      'session.lof',
      'session.rpp',
    ]);
    for (const [name, data] of files)
      assert.equal(sha(data), sha(readFileSync(join(dirOf(take.id), name))), name);
    const rest = await download('bob', take.id, 'bytes=1000-');
    assert.equal(rest.status, 206);
    assert.ok(rest.body.equals(whole.body.subarray(1000)));
    assert.equal((await t.api('bob', 'DELETE', `/recordings/${take.id}`)).status, 403);
  });

  it('kill -9 of the recorder: the recording stops and every file opens', async () => {
    await connect(await join_('alice'));
    const mark = host.mark;
    const r = (await record('start')).recording!;
    await delay(1500);
    const [pid] = t.hub.recordings.pids;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const stopped = await host.next(
      (m) => m.type === 'recording' && m.state === 'stopped',
      15_000,
      mark,
    );
    assert.match(String(stopped.type === 'recording' && stopped.message), /recorder stopped/);
    const done = (
      await t.ok<RecordingList>('alice', 'GET', `/rooms/${room.id}/recordings`)
    ).recordings.find((x) => x.id === r.id)!;
    assert.equal(done.stop_reason, 'recorder_died');
    for (const f of ['alice.wav', 'mix.wav']) {
      const n = await frames(join(dirOf(r.id), f));
      assert.ok(n > 48000, `${f}: ${n} frames`);
    }
  });

  it('no recorder survives the room’s close', async () => {
    await record('start');
    const pids = t.hub.recordings.pids;
    assert.equal(pids.length, 1);
    await t.ok('alice', 'POST', `/rooms/${room.id}/close`, {});
    await delay(500);
    for (const p of pids) assert.equal(alive(p), false, `recorder ${p} left running`);
    const list = await t.ok<RecordingList>('alice', 'GET', '/recordings');
    assert.ok(list.recordings.every((x) => x.state === 'done'));
  });

  it('no recorder survives the hub’s shutdown', async () => {
    room = await t.ok<RoomDetail>('alice', 'POST', '/rooms', {
      name: 'Take two',
      patch_mode: 2,
      max_participants: 2,
    });
    await connect(await join_('alice'));
    await record('start');
    const pids = t.hub.recordings.pids;
    assert.equal(pids.length, 1);
    await t.hub.close();
    for (const p of pids) assert.equal(alive(p), false, `recorder ${p} left running`);
  });
});

describe('recording limits', () => {
  let t: JamHub;
  before(async () => {
    t = await startJamHub(['alice'], { env: { HUB_RECORDING_QUOTA_MB: '0' } });
  });
  after(async () => {
    await t.close();
  });

  it('a used-up quota refuses a start with a clear error', async () => {
    const room = await t.ok<RoomDetail>('alice', 'POST', '/rooms', {
      name: 'Quota',
      patch_mode: 2,
      max_participants: 2,
    });
    const r = await t.api('alice', 'POST', `/rooms/${room.id}/recording`, { action: 'start' });
    assert.equal(r.status, 409);
    assert.match(r.text, /recording quota \(0 MB\) is used up/);
  });
});

describe('recording on a disk that fills up', () => {
  let t: JamHub;
  const procs = new Procs();
  const disk = tempDir('backline-recdisk-');
  before(async () => {
    // A 6 MB disk of its own (the test runs in a private mount namespace).
    const m = await runTool(
      'mount',
      ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', disk.path],
      process.env,
    );
    assert.equal(m.code, 0, m.stderr);
    t = await startJamHub(['alice'], {
      env: { HUB_RECORDING_MIN_FREE_MB: '1', HUB_RECORDINGS_DIR: join(disk.path, 'rec') },
    });
  });
  after(async () => {
    await procs.stopAll();
    await t.close();
    await runTool('umount', [disk.path], process.env);
    disk.remove();
  });

  it('stops cleanly, keeps what was captured and tells the host why', async () => {
    const cli = (await procs.server('cli')).name;
    const room = await t.ok<RoomDetail>('alice', 'POST', '/rooms', {
      name: 'Full disk',
      patch_mode: 2,
      max_participants: 2,
    });
    const j = await t.ok<JoinAnswer>('alice', 'POST', `/rooms/${room.id}/join`, {});
    const c = startJackTripClient(procs, cli, {
      host: j.jacktrip.host,
      port: j.jacktrip.port,
      remoteName: j.jacktrip.remote_name,
      username: j.jacktrip.username,
      password: j.jacktrip.password,
    });
    assert.equal(await c.outcome, 'connected');
    const host = await TestSocket.open(
      `${t.url.replace('https:', 'wss:')}/ws?token=${t.tokens.alice}`,
      t.ca,
    );
    try {
      host.send({ type: 'subscribe', room_id: room.id });
      await host.next((m) => m.type === 'subscribed');
      const r = (
        await t.ok<RecordingStatus>('alice', 'POST', `/rooms/${room.id}/recording`, {
          action: 'start',
        })
      ).recording!;
      const stopped = await host.next(
        (m) => m.type === 'recording' && m.state === 'stopped',
        30_000,
      );
      assert.match(String(stopped.type === 'recording' && stopped.message), /disk is nearly full/);
      const done = (await t.ok<RecordingList>('alice', 'GET', `/rooms/${room.id}/recordings`))
        .recordings[0]!;
      assert.equal(done.id, r.id);
      assert.equal(done.stop_reason, 'disk_full');
      const n = await frames(join(disk.path, 'rec', r.id, 'alice.wav'));
      assert.ok(n > 48000, `alice.wav: ${n} frames`);
      assert.equal(t.hub.recordings.pids.length, 0);
    } finally {
      host.close();
    }
  });
});
