import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desktopApi, IpcError, type BacklineBridge } from '../../protocol/ipcClient.js';
import { formatError } from '../src/lib/errors.js';
import { PlatformPeg } from '../src/lib/platform.js';
import { ApiError } from '../src/transport/http.js';
import { choosePlatform } from '../src/platform/choose.js';
import { DesktopPlatform } from '../src/platform/desktop.js';
import { WebPlatform } from '../src/platform/web.js';

/** The page's window, as far as desktopApi looks at it (where the voice port would arrive). */
const WINDOW = { addEventListener() {} };

/**
 * What the preload exposes, answering as main does (every reply `{ ok, value }`): session
 * tokens kept per hub, notifications shown.
 */
function preload() {
  const tokens = new Map<string, string>();
  const notes: string[] = [];
  const ok = (value: unknown) => Promise.resolve({ ok: true, value });
  const bridge = {
    kind: 'desktop',
    invoke(channel: string, args?: { origin: string; token?: string | null; body?: string }) {
      if (channel === 'session.get') return ok({ token: tokens.get(args!.origin) ?? null });
      if (channel === 'session.set') {
        if (args!.token) tokens.set(args!.origin, args!.token);
        else tokens.delete(args!.origin);
        return ok({ ok: true });
      }
      if (channel === 'app.notify') notes.push(args!.body!);
      return ok({ ok: true });
    },
    on: () => () => {},
  } as unknown as BacklineBridge;
  return { bridge, tokens, notes };
}
const desktopBridge = () => {
  const p = preload();
  return { ...p, bridge: desktopApi(p.bridge, WINDOW) };
};

describe('choosePlatform', () => {
  it('is the desktop app where the preload exposed its bridge', () => {
    const p = choosePlatform({
      backline: preload().bridge,
      location: { protocol: 'https:', origin: 'https://app' },
      ...WINDOW,
    });
    assert.ok(p instanceof DesktopPlatform);
    assert.equal(p.desktop?.kind, 'desktop');
    assert.equal(p.servingHub, undefined, "the app's own page belongs to no hub");
    assert.equal(p.choosesHubs, true);
    assert.equal(p.connectsAudio, true);
  });

  it('is a browser page otherwise, whose hub is the origin that served it', () => {
    const p = choosePlatform({ location: { protocol: 'https:', origin: 'https://hub:8000' } });
    assert.ok(p instanceof WebPlatform);
    assert.equal(p.servingHub, 'https://hub:8000');
    assert.equal(p.desktop, undefined);
    assert.equal(p.choosesHubs, false);
    assert.equal(p.connectsAudio, false);
  });

  it('takes no other global as the bridge, and no hub from a page no hub served', () => {
    const p = choosePlatform({
      backline: { kind: 'other' },
      location: { protocol: 'file:', origin: 'null' },
    });
    assert.ok(p instanceof WebPlatform);
    assert.equal(p.servingHub, undefined);
    assert.ok(choosePlatform({}) instanceof WebPlatform);
  });
});

describe('PlatformPeg', () => {
  it('answers the platform it was given, and refuses before one was', () => {
    assert.throws(() => PlatformPeg.get(), /before PlatformPeg.set/);
    const web = new WebPlatform('https://hub');
    PlatformPeg.set(web);
    assert.equal(PlatformPeg.get(), web);
    const desktop = new DesktopPlatform(desktopBridge().bridge);
    PlatformPeg.set(desktop);
    assert.equal(PlatformPeg.get(), desktop);
  });
});

describe('sessions per platform', () => {
  it('web: the hub’s cookie is the session; nothing is kept in the page', async () => {
    const web = new WebPlatform('https://hub');
    assert.deepEqual(await web.savedSession(), { kind: 'cookie' });
    assert.deepEqual(await web.keepSession(), { kind: 'cookie' });
    await web.forgetSession();
    web.notify();
  });

  it('desktop: main keeps a bearer token per hub, until the session ends', async () => {
    const { bridge, tokens, notes } = desktopBridge();
    const desktop = new DesktopPlatform(bridge);
    assert.equal(await desktop.savedSession('https://a'), null);
    assert.deepEqual(await desktop.keepSession('https://a', 't1'), {
      kind: 'bearer',
      token: 't1',
    });
    assert.deepEqual(await desktop.savedSession('https://a'), { kind: 'bearer', token: 't1' });
    assert.equal(await desktop.savedSession('https://b'), null);
    await desktop.forgetSession('https://a');
    assert.equal(tokens.size, 0);
    desktop.notify('x'.repeat(400));
    await Promise.resolve();
    assert.deepEqual(notes, ['x'.repeat(300)]);
  });
});

describe('formatError', () => {
  it('says what the hub, the desktop app or anything else said, in one way', () => {
    assert.equal(
      formatError(new ApiError(429, 'rate_limited', 'Too many tries', 30)),
      'Too many tries (try again in 30 s)',
    );
    assert.equal(formatError(new ApiError(400, 'bad', 'No such room')), 'No such room');
    assert.equal(
      formatError(new IpcError('not_pinned', 'Open this hub’s link first')),
      'Open this hub’s link first',
    );
    assert.equal(
      formatError({ code: 'failed', message: 'JACK is not running' }),
      'JACK is not running',
    );
    assert.equal(formatError(new Error('plain')), 'plain');
    assert.equal(formatError('text'), 'text');
  });
});

describe('saving a recording per platform', () => {
  it('web: no saver; the page links the zip and the browser downloads it', () => {
    assert.equal(new WebPlatform('https://hub').recordingSaver, undefined);
  });

  it("desktop: main saves it; the page hears this save's progress only, until it ends", async () => {
    const listeners = new Set<(p: unknown) => void>();
    const calls: unknown[] = [];
    let finish: (reply: unknown) => void = () => {};
    const preload = {
      kind: 'desktop',
      invoke(channel: string, args: unknown) {
        calls.push([channel, args]);
        return new Promise((r) => (finish = r));
      },
      on(channel: string, cb: (p: unknown) => void) {
        assert.equal(channel, 'recordings.progress');
        listeners.add(cb);
        return () => listeners.delete(cb);
      },
    } as unknown as BacklineBridge;
    const desktop = new DesktopPlatform(desktopApi(preload, WINDOW));
    const seen: [number, number][] = [];
    const req = { hub: 'https://a:1', recordingId: 'rec123' };
    const saving = desktop.recordingSaver.save(req, (r, t) => seen.push([r, t]));
    const push = (p: object) => listeners.forEach((cb) => cb(p));
    push({ hub: 'https://a:1', recordingId: 'rec123', received: 10, total: 100 });
    push({ hub: 'https://a:1', recordingId: 'other1', received: 50, total: 100 });
    push({ hub: 'https://b:1', recordingId: 'rec123', received: 60, total: 100 });
    finish({ ok: true, value: { status: 'saved', path: '/tmp/a.zip', bytes: 100 } });
    assert.deepEqual(await saving, { status: 'saved', path: '/tmp/a.zip', bytes: 100 });
    assert.deepEqual(calls, [['recordings.save', req]]);
    assert.deepEqual(seen, [[10, 100]]);
    assert.equal(listeners.size, 0, 'stops listening once the save ends');

    const failing = desktop.recordingSaver.save(req, () => {});
    finish({ ok: false, error: { code: 'failed', message: 'The disk is full' } });
    await assert.rejects(failing, /The disk is full/);
    assert.equal(listeners.size, 0);
  });
});
