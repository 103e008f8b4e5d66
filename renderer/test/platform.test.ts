import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlatformPeg, type DesktopBridge } from '../src/lib/platform.js';
import { choosePlatform } from '../src/platform/choose.js';
import { DesktopPlatform } from '../src/platform/desktop.js';
import { WebPlatform } from '../src/platform/web.js';

/** The preload's bridge as main answers it: session tokens kept per hub, notifications shown. */
function desktopBridge() {
  const tokens = new Map<string, string>();
  const notes: string[] = [];
  const bridge = {
    kind: 'desktop',
    invoke(channel: string, args?: { origin: string; token?: string | null; body?: string }) {
      if (channel === 'session.get') return Promise.resolve({ token: tokens.get(args!.origin) });
      if (channel === 'session.set') {
        if (args!.token) tokens.set(args!.origin, args!.token);
        else tokens.delete(args!.origin);
        return Promise.resolve({ ok: true });
      }
      if (channel === 'app.notify') notes.push(args!.body!);
      return Promise.resolve({ ok: true });
    },
    on: () => () => {},
  } as unknown as DesktopBridge;
  return { bridge, tokens, notes };
}

describe('choosePlatform', () => {
  it('is the desktop app where the preload exposed its bridge', () => {
    const { bridge } = desktopBridge();
    const p = choosePlatform({
      backline: bridge,
      location: { protocol: 'https:', origin: 'https://app' },
    });
    assert.ok(p instanceof DesktopPlatform);
    assert.equal(p.desktop, bridge);
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
