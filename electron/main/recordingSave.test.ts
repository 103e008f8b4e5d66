// Saving a recording from the desktop app's main process, against a real hub holding a real
// recording (its jackd, jacktrip and jack_capture), over the pinned TLS connection: a full save, a
// cancelled dialog, an interrupted save resumed with HTTP Range (the same bytes as a one-shot
// download), refusals that leave nothing behind, and the IPC call with its progress pushes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PushChannel, SaveRecordingProgress } from '../../protocol/ipc.js';
import { unwrapReply } from '../../protocol/ipc.js';
import { startJamHub, type JamHub } from '../../testkit/fixtures.js';
import { Procs } from '../../testkit/jack.js';
import { pinOf, takeRecording, zipNames, type TakenRecording } from '../../testkit/recording.js';
import { createDesktop } from './desktop.js';
import { RecordingSaver, defaultRecordingName, type ChooseSavePath } from './recordingSaver.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('saving a recording from main (real hub, real recording)', () => {
  let t: JamHub;
  const procs = new Procs();
  let take: TakenRecording;
  let oneShot: Buffer;
  const dir = mkdtempSync(join(tmpdir(), 'backline-save-'));
  let n = 0;
  const freshDir = () => {
    const d = join(dir, `case-${++n}`);
    mkdirSync(d);
    return d;
  };

  /** A saver for `user`'s token, whose dialog answers `path`; progress collected. */
  const saver = (user: string, choose: ChooseSavePath, pin = pinOf(t)) => {
    const progress: SaveRecordingProgress[] = [];
    const s = new RecordingSaver({
      pinOf: (origin) => (origin === t.url ? pin : undefined),
      tokenOf: () => t.tokens[user] ?? null,
      chooseSavePath: choose,
      onProgress: (p) => progress.push(p),
    });
    return { s, progress };
  };
  const req = () => ({
    hub: t.url,
    recordingId: take.recording.id,
    room_name: take.room.name,
    started_at: take.recording.started_at,
  });

  before(async () => {
    t = await startJamHub(['alice', 'carol'], { env: { HUB_RECORDING_MIN_FREE_MB: '1' } });
    take = await takeRecording(t, procs, 'alice', { roomName: 'Friday: take/1', seconds: 2 });
    // The reference: the whole zip in one plain request.
    oneShot = await new Promise<Buffer>((resolve, reject) => {
      const r = request(
        `${t.url}/recordings/${take.recording.id}/download`,
        { headers: { authorization: `Bearer ${t.tokens.alice}` }, ca: t.ca, agent: false },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve(Buffer.concat(parts)));
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      r.end();
    });
    assert.ok(oneShot.length > 500_000, `a zip of ${oneShot.length} bytes`);
  });
  after(async () => {
    await procs.stopAll();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('suggests "<room> <date> <time>.zip", safe as a file name', () => {
    const name = defaultRecordingName(req());
    assert.match(name, /^Friday take 1 \d{4}-\d\d-\d\d \d\d\.\d\d\.zip$/);
    assert.equal(
      defaultRecordingName({ hub: t.url, recordingId: 'abcdef', room_name: '../..' }),
      'Recording abcdef.zip',
    );
  });

  it('saves the whole zip under the chosen name, with progress, and no .part left', async () => {
    const d = freshDir();
    const path = join(d, 'take.zip');
    let suggested = '';
    const { s, progress } = saver('alice', ({ defaultName }) => {
      suggested = defaultName;
      return Promise.resolve(path);
    });
    const r = await s.save(req());
    assert.deepEqual(r, { status: 'saved', path, bytes: oneShot.length });
    assert.match(suggested, /^Friday take 1 /);
    assert.deepEqual(readdirSync(d), ['take.zip']);
    const saved = readFileSync(path);
    assert.equal(sha(saved), sha(oneShot));
    assert.deepEqual(zipNames(saved).sort(), [
      'alice.wav',
      'mix.wav',
      'session.json',
      'session.lof',
      'session.rpp',
    ]);
    assert.ok(progress.length >= 2);
    assert.deepEqual(progress.at(-1), {
      hub: t.url,
      recordingId: take.recording.id,
      received: oneShot.length,
      total: oneShot.length,
    });
    for (let i = 1; i < progress.length; i++)
      assert.ok(progress[i]!.received >= progress[i - 1]!.received, 'progress only grows');
  });

  it('writes nothing when the dialog is cancelled', async () => {
    const d = freshDir();
    const { s, progress } = saver('alice', () => Promise.resolve(null));
    assert.deepEqual(await s.save(req()), { status: 'cancelled' });
    assert.deepEqual(readdirSync(d), []);
    assert.deepEqual(progress, []);
  });

  it('an interrupted save keeps only a .part; saving there again resumes to the same bytes', async () => {
    const d = freshDir();
    const path = join(d, 'resumed.zip');
    const { s } = saver('alice', () => Promise.resolve(path));
    // Stop the save half way, as quitting the app does.
    let stopping = false;
    const first = new RecordingSaver({
      pinOf: () => pinOf(t),
      tokenOf: () => t.tokens.alice!,
      chooseSavePath: () => Promise.resolve(path),
      onProgress: (p) => {
        if (p.received < p.total / 2 || stopping) return;
        stopping = true;
        setImmediate(() => first.close());
      },
    });
    await assert.rejects(first.save(req()), /save to the same place again to continue/);
    assert.deepEqual(readdirSync(d), ['resumed.zip.part'], 'no file under the chosen name');
    const kept = readFileSync(`${path}.part`);
    assert.ok(kept.length > 0 && kept.length < oneShot.length, `.part of ${kept.length}`);
    assert.ok(kept.equals(oneShot.subarray(0, kept.length)));

    const r = await s.save(req());
    assert.equal(r.status, 'saved');
    assert.deepEqual(readdirSync(d), ['resumed.zip']);
    assert.equal(sha(readFileSync(path)), sha(oneShot));
  });

  it('resumes a half .part from where it stops (a Range request), and restarts a foreign one', async () => {
    const d = freshDir();
    const path = join(d, 'half.zip');
    const half = Math.floor(oneShot.length / 2);
    writeFileSync(`${path}.part`, oneShot.subarray(0, half));
    const a = saver('alice', () => Promise.resolve(path));
    assert.equal((await a.s.save(req())).status, 'saved');
    assert.equal(a.progress[0]!.received, half, 'the save started where the .part stops');
    assert.equal(sha(readFileSync(path)), sha(oneShot));

    // A complete .part (the app stopped before renaming it): nothing left to fetch.
    const whole = join(d, 'whole.zip');
    writeFileSync(`${whole}.part`, oneShot);
    const c = saver('alice', () => Promise.resolve(whole));
    assert.equal((await c.s.save(req())).status, 'saved');
    assert.deepEqual(
      c.progress.map((p) => p.received),
      [oneShot.length],
    );
    assert.equal(sha(readFileSync(whole)), sha(oneShot));

    // A .part of something else (its first bytes differ) is not continued: started over.
    const other = join(d, 'other.zip');
    const foreign = Buffer.from(oneShot.subarray(0, half));
    foreign[40] = foreign[40]! ^ 0xff;
    writeFileSync(`${other}.part`, foreign);
    const b = saver('alice', () => Promise.resolve(other));
    assert.equal((await b.s.save(req())).status, 'saved');
    assert.equal(b.progress[0]!.received, 0, 'started over');
    assert.equal(sha(readFileSync(other)), sha(oneShot));
  });

  it("a non-member's save is refused (403) in plain words and leaves nothing", async () => {
    const d = freshDir();
    const { s } = saver('carol', () => Promise.resolve(join(d, 'nope.zip')));
    await assert.rejects(s.save(req()), /Only the room's members may get its recordings/);
    assert.deepEqual(readdirSync(d), []);
  });

  it('refuses a hub presenting another certificate than the pin, and leaves nothing', async () => {
    const d = freshDir();
    // Another fingerprint: its first byte changed (to 00, or to FF when it is 00: a certificate
    // whose fingerprint starts with 00, one in 256, made this test pass the real pin).
    const real = pinOf(t).fingerprint;
    const pin = {
      ...pinOf(t),
      fingerprint: `${real.startsWith('00') ? 'FF' : '00'}${real.slice(2)}`,
    };
    assert.notEqual(pin.fingerprint, real);
    const { s } = saver('alice', () => Promise.resolve(join(d, 'pin.zip')), pin);
    await assert.rejects(s.save(req()), /another certificate than the one you trusted/);
    assert.deepEqual(readdirSync(d), []);
  });

  it('says plainly when the hub cannot be reached, and leaves nothing', async () => {
    const d = freshDir();
    const gone = 'https://127.0.0.1:9';
    const s = new RecordingSaver({
      pinOf: () => ({ ...pinOf(t), origin: gone }),
      tokenOf: () => t.tokens.alice!,
      chooseSavePath: () => Promise.resolve(join(d, 'gone.zip')),
    });
    await assert.rejects(
      s.save({ hub: gone, recordingId: take.recording.id }),
      /Could not reach the hub at 127\.0\.0\.1:9/,
    );
    assert.deepEqual(readdirSync(d), []);
  });

  it('says so when the folder to save in is gone, and leaves nothing', async () => {
    const d = freshDir();
    const { s } = saver('alice', () => Promise.resolve(join(d, 'gone', 'x.zip')));
    await assert.rejects(s.save(req()), /The folder to save in does not exist/);
    assert.deepEqual(readdirSync(d), []);
  });

  it('says so when the disk is too small, and leaves nothing', async (ctx) => {
    if (process.getuid?.() !== 0) return ctx.skip('mounting a small tmpfs needs root');
    const d = freshDir();
    // A 256 KiB disk (private to this test run's mount namespace, see /work/tools/iso.sh).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', d]);
    try {
      const { s } = saver('alice', () => Promise.resolve(join(d, 'full.zip')));
      await assert.rejects(s.save(req()), /Not enough free space/);
      assert.deepEqual(readdirSync(d), []);
    } finally {
      execFileSync('umount', [d]);
    }
  });

  it('the IPC call checks its input, saves over the pin and pushes progress', async () => {
    const userData = freshDir();
    const path = join(freshDir(), 'ipc.zip');
    const desktop = createDesktop({
      userData,
      trustedSender: () => true,
      chooseSavePath: () => Promise.resolve(path),
      log: () => {},
    });
    const pushed: [PushChannel, unknown][] = [];
    desktop.push.attach((c, p) => pushed.push([c, p]));
    const app = { url: 'backline-app://app/', isMainFrame: true };
    const call = async (args: unknown) =>
      unwrapReply(await desktop.router.dispatch(app, 'recordings.save', [args]));
    try {
      await assert.rejects(call({ hub: t.url, recordingId: '../etc' }), (e: Error) => {
        assert.match(e.message, /recordingId: not a recording id/);
        return (e as { code?: string }).code === 'bad_arguments';
      });
      await assert.rejects(
        call({ hub: t.url, recordingId: take.recording.id }),
        (e: Error & { code?: string }) => e.code === 'not_pinned',
      );
      const pin = pinOf(t);
      desktop.trust.pin(t.url, { fingerprint: pin.fingerprint, pem: pin.cert_pem });
      await assert.rejects(call({ hub: t.url, recordingId: take.recording.id }), /Sign in to/);
      desktop.secrets.set(t.url, t.tokens.alice!);
      const r = await call(req());
      assert.deepEqual(r, { status: 'saved', path, bytes: oneShot.length });
      assert.equal(sha(readFileSync(path)), sha(oneShot));
      const last = pushed.filter(([c]) => c === 'recordings.progress').at(-1);
      assert.deepEqual(last?.[1], {
        hub: t.url,
        recordingId: take.recording.id,
        received: oneShot.length,
        total: oneShot.length,
      });
      assert.ok(!existsSync(`${path}.part`));
    } finally {
      await desktop.close();
    }
  });
});
