// Recordings in segments, with real parts (the room's jackd and jacktrip, a player's jacktrip
// client, a tone, jack_capture, sox): a roll-over before the WAV limit (set to a couple of MB here)
// joins its segments to the frame, and a kill -9 of the room's jackd continues the recording in
// a new segment placed after the gap.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { delay, runTool, stopChild } from '../src/process/child.js';
import type {
  JoinAnswer,
  Recording,
  RecordingList,
  RecordingSession,
  RecordingStatus,
  RoomDetail,
} from '../../protocol/api.js';
import { startJamHub, tempDir, type JamHub } from '../../testkit/fixtures.js';
import {
  Procs,
  isTone,
  jackConnect,
  startJackTripClient,
  startTone,
  waitForPort,
  wavStat,
  type JtClient,
} from '../../testkit/jack.js';
import { TestSocket } from '../../testkit/wsclient.js';

const frames = async (file: string) =>
  Number((await runTool('soxi', ['-s', file], process.env)).stdout.trim());

/** RMS, peak and frequency of channel 1 over a file's last seconds (players join late). */
async function endStat(file: string, seconds = 2.5) {
  const n = await frames(file);
  const out = join(scratch.path, `end-${++scratchN}.wav`);
  const from = Math.max(0, n - Math.round(seconds * 48000));
  const r = await runTool('sox', [file, out, 'trim', `${from}s`], process.env);
  assert.equal(r.code, 0, r.stderr);
  return wavStat(out, 1);
}
const scratch = tempDir('backline-segs-');
let scratchN = 0;
after(() => scratch.remove());

/** Each item's file and position (seconds) in a .rpp, in order. */
function rppItems(text: string): { file: string; position: number; length: number }[] {
  return [
    ...text.matchAll(
      /POSITION ([\d.]+)\s+LENGTH ([\d.]+)\s+NAME "[^"]*"\s+<SOURCE WAVE\s+FILE "([^"]+)"/g,
    ),
  ].map((m) => ({ file: m[3]!, position: Number(m[1]), length: Number(m[2]) }));
}

/** A hub with one room, a host socket, and alice's jacktrip client sending a 240 Hz tone. */
function jamRoom(hubOpts: Parameters<typeof startJamHub>[1]) {
  const procs = new Procs();
  const s = {} as {
    t: JamHub;
    cli: string;
    room: RoomDetail;
    host: TestSocket;
    connect: () => Promise<JtClient>;
    record: (action: 'start' | 'stop') => Promise<RecordingStatus>;
    finished: (id: string) => Promise<Recording>;
    dir: (id: string) => string;
    session: (id: string) => RecordingSession;
  };
  before(async () => {
    s.t = await startJamHub(['alice'], hubOpts);
    s.cli = (await procs.server('cli')).name;
    await startTone(procs, s.cli);
    s.room = await s.t.ok<RoomDetail>('alice', 'POST', '/rooms', {
      name: 'Segments',
      patch_mode: 2,
      max_participants: 2,
    });
    s.host = await TestSocket.open(
      `${s.t.url.replace('https:', 'wss:')}/ws?token=${s.t.tokens.alice}`,
      s.t.ca,
    );
    s.host.send({ type: 'subscribe', room_id: s.room.id });
    await s.host.next((m) => m.type === 'subscribed');
  });
  after(async () => {
    s.host?.close();
    await procs.stopAll();
    await s.t?.close();
  });
  s.connect = async () => {
    const j = await s.t.ok<JoinAnswer>('alice', 'POST', `/rooms/${s.room.id}/join`, {});
    const c = startJackTripClient(procs, s.cli, {
      host: j.jacktrip.host,
      port: j.jacktrip.port,
      remoteName: j.jacktrip.remote_name,
      username: j.jacktrip.username,
      password: j.jacktrip.password,
    });
    assert.equal(await c.outcome, 'connected', c.lines.slice(-5).join(' | '));
    await waitForPort(s.cli, `${c.jackName}:receive_2`);
    await jackConnect(s.cli, 'jack_simple_client:output1', `${c.jackName}:send_1`);
    return c;
  };
  s.record = (action) =>
    s.t.ok<RecordingStatus>('alice', 'POST', `/rooms/${s.room.id}/recording`, { action });
  s.finished = async (id) => {
    for (let i = 0; i < 300; i++) {
      const list = await s.t.ok<RecordingList>('alice', 'GET', `/rooms/${s.room.id}/recordings`);
      const r = list.recordings.find((x) => x.id === id);
      if (r?.state === 'done') return r;
      await delay(100);
    }
    throw new Error(`recording ${id} did not finish`);
  };
  s.dir = (id) => join(s.t.hub.config.recordingsDir, id);
  s.session = (id) =>
    JSON.parse(readFileSync(join(s.dir(id), 'session.json'), 'utf8')) as RecordingSession;
  return s;
}

describe('a recording rolls over to a new segment before the WAV limit', () => {
  // 8 channels (2 slots + 1 spare + the mix) of 24-bit at 48 kHz: 1.15 MB/s; 6 MB a segment
  // (about 5 s: a recorder takes seconds to start on a loaded machine).
  const SEGMENT = 6_000_000;
  const s = jamRoom({
    env: { HUB_RECORDING_MIN_FREE_MB: '1' },
    recording: { segmentBytes: SEGMENT, checkEveryMs: 250 },
  });

  it('joins the segments to the frame; kill -9 of the recorder keeps every part readable', async (tc) => {
    const alice = await s.connect();
    const r = (await s.record('start')).recording!;
    const captures = () => readdirSync(s.dir(r.id)).filter((f) => /^capture-\d+\.wav$/.test(f));
    // Two segments or more, the last roll-over done (one recorder, its file below the limit,
    // so no roll-over is under way): kill that recorder.
    const size = (f: string) => statSync(join(s.dir(r.id), f)).size;
    // (A recorder that is starting is not in `pids` yet: count the jack_capture processes too.)
    const recorders = async () =>
      (
        await runTool('pgrep', ['-P', String(process.pid), '-x', 'jack_capture'], process.env)
      ).stdout
        .split('\n')
        .filter(Boolean).length;
    const calm = async () => {
      const c = captures().sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      const newest = c.at(-1);
      return (
        c.length >= 2 &&
        s.t.hub.recordings.pids.length === 1 &&
        newest !== undefined &&
        size(newest) > 1_500_000 &&
        size(newest) < SEGMENT * 0.9 &&
        (await recorders()) === 1
      );
    };
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) if (!(ready = await calm())) await delay(100);
    assert.ok(ready, `segments: ${captures().join(' ')}`);
    const pids = s.t.hub.recordings.pids;
    assert.equal(pids.length, 1, `recorders ${pids.join(' ')}`);
    process.kill(pids[0]!, 'SIGKILL');
    const done = await s.finished(r.id);
    assert.equal(done.stop_reason, 'recorder_died');

    const dir = s.dir(r.id);
    const session = s.session(r.id);
    tc.diagnostic(JSON.stringify(session.segments));
    const parts = session.segments.length;
    assert.ok(parts >= 2, `parts: ${parts}`);
    const names = (base: string) =>
      Array.from({ length: parts }, (_, i) => (i ? `${base} (part ${i + 1}).wav` : `${base}.wav`));
    assert.deepEqual(session.players[0]!.files, names('alice'));
    assert.deepEqual(session.mix_files, names('mix'));
    for (const [i, seg] of session.segments.entries()) {
      if (i === 0) continue;
      const prev = session.segments[i - 1]!;
      assert.equal(seg.after, 'rollover');
      // Found by content (to the frame) or, where the audio can't tell (silence, a player's
      // dropout), by the measured times (to a few ms).
      assert.ok(['content', 'clock'].includes(seg.placed_by), seg.placed_by);
      // Exactly where the previous part ends: the overlap trimmed, no gap.
      const end = Math.round((prev.start_seconds + prev.length_seconds) * 48000);
      assert.equal(Math.round(seg.start_seconds * 48000), end, `part ${seg.part}`);
    }
    for (const [i, file] of names('alice').entries()) {
      const n = await Promise.all([file, names('mix')[i]!].map((f) => frames(join(dir, f))));
      assert.equal(n[0], n[1], `${file} and the mix differ in length`);
      assert.equal(n[0], Math.round(session.segments[i]!.length_seconds * 48000), `${file}`);
      // Every part but the last (killed a moment after it began) holds the tone.
      if (i === parts - 1) continue;
      const st = await endStat(join(dir, file));
      assert.ok(isTone(st) && Math.abs(st.freq - 240) < 15, `${file}: ${JSON.stringify(st)}`);
    }
    const rpp = readFileSync(join(dir, 'session.rpp'), 'utf8');
    const items = rppItems(rpp);
    assert.deepEqual(
      items.map((x) => x.file),
      [...names('alice'), ...names('mix')],
    );
    for (const [i, seg] of session.segments.entries()) {
      assert.ok(Math.abs(items[i]!.position - seg.start_seconds) < 1e-5);
      assert.ok(Math.abs(items[parts + i]!.position - seg.start_seconds) < 1e-5);
    }
    const lof = readFileSync(join(dir, 'session.lof'), 'utf8');
    assert.match(
      lof,
      new RegExp(
        `file "alice \\(part 2\\)\\.wav" offset ${session.segments[1]!.start_seconds.toFixed(6)}`,
      ),
    );
    await stopChild(alice.child, 3000);
  });
});

describe("a restart of the room's jackd continues the recording in a new segment", () => {
  const s = jamRoom({ env: { HUB_RECORDING_MIN_FREE_MB: '1' } });

  it('records on after kill -9 of jackd, and places the second part after the gap', async (tc) => {
    let alice = await s.connect();
    const r = (await s.record('start')).recording!;
    await delay(2000);
    const rt = s.t.hub.supervisor.get(s.room.id)!;
    const mark = s.host.mark;
    const back = new Promise<string>((res) => {
      s.t.hub.supervisor.once('restarted', () => res('restarted'));
      s.t.hub.supervisor.once('failed', (_id, err) => res(`failed: ${err.message}`));
      setTimeout(() => res('timed out'), 60_000).unref();
    });
    const killedAt = performance.now();
    process.kill(rt.jack.pid, 'SIGKILL');
    // The restart gap: from the kill to the first frames of the next segment's file.
    const next = join(s.dir(r.id), 'capture-2.wav');
    let gap = NaN;
    for (let i = 0; i < 3000 && Number.isNaN(gap); i++) {
      if (existsSync(next) && statSync(next).size > 1000)
        gap = (performance.now() - killedAt) / 1000;
      else await delay(10);
    }
    assert.equal(await back, 'restarted');
    const goesOn = await s.host.next(
      (m) => m.type === 'recording' && /goes on \(part 2\)/.test(String(m.message)),
      20_000,
      mark,
    );
    assert.equal(goesOn.type === 'recording' && goesOn.state, 'recording');
    const live = await s.t.ok<RecordingStatus>('alice', 'GET', `/rooms/${s.room.id}/recording`);
    assert.equal(live.recording?.id, r.id);
    assert.equal(live.recording.state, 'recording');
    // The player's app stops its old client and reconnects (a fresh local port).
    await stopChild(alice.child, 3000);
    alice = await s.connect();
    await delay(3000);
    const done = (await s.record('stop')).recording!;
    assert.equal(done.state, 'done');
    assert.equal(done.stop_reason, 'host');

    const dir = s.dir(r.id);
    const session = s.session(r.id);
    tc.diagnostic(`measured gap ${gap.toFixed(3)} s; ${JSON.stringify(session.segments)}`);
    assert.equal(session.segments.length, 2);
    const [one, two] = session.segments as [
      RecordingSession['segments'][0],
      RecordingSession['segments'][0],
    ];
    assert.equal(two.after, 'restart');
    for (const f of ['alice.wav', 'alice (part 2).wav', 'mix.wav', 'mix (part 2).wav'])
      assert.ok((await frames(join(dir, f))) > 48000, `${f} is readable and not empty`);
    const a2 = await endStat(join(dir, 'alice (part 2).wav'));
    assert.ok(isTone(a2) && Math.abs(a2.freq - 240) < 15, `alice, part 2: ${JSON.stringify(a2)}`);
    const items = rppItems(readFileSync(join(dir, 'session.rpp'), 'utf8'));
    const p1 = items.find((x) => x.file === 'alice.wav')!;
    const p2 = items.find((x) => x.file === 'alice (part 2).wav')!;
    const placedGap = p2.position - (p1.position + p1.length);
    assert.ok(
      placedGap > 0,
      `part 2 at ${p2.position} s, part 1 ends at ${p1.position + p1.length} s`,
    );
    assert.ok(Math.abs(placedGap - gap) < 1, `placed gap ${placedGap} s, measured ${gap} s`);
    assert.ok(Math.abs(p2.position - two.start_seconds) < 1e-5);
    assert.ok(Math.abs(one.length_seconds - p1.length) < 1e-5);
    const lof = readFileSync(join(dir, 'session.lof'), 'utf8');
    assert.match(
      lof,
      new RegExp(`file "alice \\(part 2\\)\\.wav" offset ${p2.position.toFixed(6)}`),
    );
    await stopChild(alice.child, 3000);
  });
});

describe("a room whose jackd can't be brought back", () => {
  // The room's jackd, through a wrapper that fails once `broken` exists (a server that won't
  // start again after its crash).
  const bin = tempDir('backline-segs-jackd-');
  const broken = join(bin.path, 'broken');
  const wrapper = join(bin.path, 'jackd.sh');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nif [ -e '${broken}' ]; then echo 'jackd: broken' >&2; exit 1; fi\nexec jackd "$@"\n`,
    { mode: 0o755 },
  );
  after(() => bin.remove());
  const s = jamRoom({ env: { HUB_RECORDING_MIN_FREE_MB: '1', JACKD_BIN: wrapper } });

  it('stops the recording with a clear reason and keeps the first part', async () => {
    const alice = await s.connect();
    const r = (await s.record('start')).recording!;
    await delay(2500);
    const mark = s.host.mark;
    writeFileSync(broken, '');
    process.kill(s.t.hub.supervisor.get(s.room.id)!.jack.pid, 'SIGKILL');
    // The room fails for good once its restarts are used up (RestartPolicy, about 16 s); its
    // players are sent away with the reason, and the recording stops with its own.
    const failed = await s.host.next(
      (m) => m.type === 'room_state' && m.state === 'failed',
      90_000,
      mark,
    );
    assert.match(String(failed.message), /jackd: broken/);
    const done = await s.finished(r.id);
    assert.equal(done.stop_reason, 'room_failed');
    const session = s.session(r.id);
    assert.equal(session.segments.length, 1);
    assert.deepEqual(session.players[0]!.files, ['alice.wav']);
    for (const f of ['alice.wav', 'mix.wav'])
      assert.ok((await frames(join(s.dir(r.id), f))) > 48000, `${f} is readable and not empty`);
    assert.equal(s.t.hub.recordings.pids.length, 0);
    await stopChild(alice.child, 3000);
  });
});
