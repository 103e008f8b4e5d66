// Main-process features without Electron: the IPC router, links, pinning over real TLS, the
// hub process (sources and the bundled build), the jacktrip client against a real hub, the tray.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { generateSelfSigned, delay, RestartPolicy } from '../../hub-core/src/index.js';
import { X509Certificate } from 'node:crypto';
import { startJamHub, type JamHub } from '../../testkit/fixtures.js';
import { Procs } from '../../testkit/jack.js';
import type { JoinAnswer } from '../../protocol/api.js';
import { IpcError, decodeIncoming, encodeOutgoing, unwrapReply } from '../../protocol/ipc.js';
import { appSettingsFromEnv } from './appSettings.js';
import { buildElectronBundle } from '../electronRuntime.js';
import { createDesktop } from './desktop.js';
import { JackControl, parseAsoundCards, parseBufsize } from './jack.js';
import { HostedHub, lanAddress, nodeForker } from './hostedHub.js';
import { pinnedJson } from './hubFetch.js';
import {
  isAppUrl,
  isExternalUrlAllowed,
  isPermissionAllowed,
  isPermissionCheckAllowed,
} from './policy.js';
import { IpcRouter } from './ipc/router.js';
import { JACKTRIP_RESTARTS, JackTripClient, classifyLine, playerArgs } from './jacktripClient.js';
import { linkFromArgv, parseLink, shareLinks } from './links.js';
import { SecretStore, plainCodec } from './secrets.js';
import { fingerprintFromChromium, trayMenuModel } from './trayModel.js';
import { VoicePortSession } from './voicePort.js';
import { TrustStore, confirmTrust, openLink } from './trust.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'backline-main-'));
const FP = Array.from({ length: 32 }, (_, i) =>
  (i * 7).toString(16).padStart(2, '0').toUpperCase(),
).join(':');
const APP = { url: 'backline-app://app/room/x', isMainFrame: true };

describe('IPC router', () => {
  const dir = tmp();
  after(() => rmSync(dir, { recursive: true, force: true }));
  const d = createDesktop({
    userData: dir,
    trustedSender: (s) => s.url.startsWith('backline-app://app/'),
    log: () => {},
  });
  /** As the renderer's desktopApi does: the reply's value, or its IpcError thrown. */
  const call = async (sender: typeof APP, channel: string, args: unknown) =>
    unwrapReply(await d.router.dispatch(sender, channel, args));

  it('has a handler for every channel of the contract', () => {
    assert.deepEqual(d.router.missing(), []);
  });

  it('refuses unknown channels, foreign or sub-frame senders, and bad arguments, clearly', async () => {
    await assert.rejects(call(APP, 'fs.readFile', []), /no IPC channel "fs.readFile"/);
    await assert.rejects(
      call({ url: 'https://evil.example/', isMainFrame: true }, 'host.status', []),
      { code: 'untrusted_sender' },
    );
    await assert.rejects(call({ ...APP, isMainFrame: false }, 'host.status', []), {
      code: 'untrusted_sender',
    });
    await assert.rejects(call(APP, 'hubs.open', [{ link: 42 }]), {
      code: 'bad_arguments',
      message: /hubs.open: 0.link/,
    });
    await assert.rejects(call(APP, 'voice.mute', [{ muted: 'yes' }]), {
      code: 'bad_arguments',
    });
    // Voice frames have no channel: they use the voice session's MessagePort.
    await assert.rejects(call(APP, 'voice.send', [{ data: 'AAAA', timestamp: 1 }]), {
      code: 'unknown_channel',
    });
    await assert.rejects(call(APP, 'host.status', 'not a tuple'), {
      code: 'bad_arguments',
    });
    assert.deepEqual(await call(APP, 'host.status', []), {
      state: 'stopped',
      upnp: true,
    });
  });

  it('hands tokens only to pinned hubs, and opens only http(s) links outside', async () => {
    await assert.rejects(call(APP, 'session.set', [{ origin: 'https://h:8000', token: 'tok' }]), {
      name: 'IpcError',
      code: 'not_pinned',
      message: /not a trusted hub/,
    });
    assert.deepEqual(await call(APP, 'session.get', [{ origin: 'https://h:8000' }]), {
      token: null,
    });
    assert.equal(isExternalUrlAllowed('https://jacktrip.org/'), true);
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'backline://x',
      'smb://h/s',
      'https://u:p@h/',
    ])
      assert.equal(isExternalUrlAllowed(bad), false, bad);
    await assert.rejects(call(APP, 'app.openExternal', [{ url: 'file:///etc/passwd' }]), {
      code: 'refused',
      message: /only http/,
    });
  });

  it('answers every call with a reply: errors cross as a code and a message, never thrown', async () => {
    assert.deepEqual(await d.router.dispatch(APP, 'fs.readFile', []), {
      ok: false,
      error: { code: 'unknown_channel', message: 'no IPC channel "fs.readFile"' },
    });
    const refused = await d.router.dispatch(APP, 'rooms.remember', [
      { origin: 'https://h:8000', room_id: 'abc', room_name: 'x' },
    ]);
    assert.deepEqual(refused, {
      ok: false,
      error: { code: 'not_pinned', message: 'https://h:8000 is not a trusted hub' },
    });
    // A reply survives structured cloning (what Electron's invoke does to it) unchanged.
    assert.deepEqual(structuredClone(refused), refused);
    // Voice too: no port is opened for a hub the person has not pinned.
    assert.deepEqual(
      await d.router.dispatch(APP, 'voice.join', [{ origin: 'https://h:8000', room_id: 'abc' }]),
      { ok: false, error: { code: 'not_pinned', message: 'https://h:8000 is not a trusted hub' } },
    );
    assert.throws(
      () => unwrapReply(refused),
      (err: unknown) => err instanceof IpcError,
    );
  });

  it('voice frames cross a MessagePort per session: bytes in, bytes out, anything else dropped', async () => {
    const sent: { data: number[]; timestamp: number }[] = [];
    const pages: MessagePort[] = [];
    const session = new VoicePortSession(
      () => {
        const { port1, port2 } = new MessageChannel();
        pages.push(port2);
        return {
          post: (bytes) => port1.postMessage(bytes),
          onMessage: (listener) => {
            port1.onmessage = (e) => listener(e.data);
          },
          close: () => port1.close(),
        };
      },
      (data, timestamp) => {
        // As the relay client does with a frame it refuses.
        if (data[0] === 66) throw new RangeError('refused by the relay client');
        sent.push({ data: [...data], timestamp });
      },
    );
    session.open();
    const page = pages[0]!;
    const heard = new Promise<unknown>((r) => (page.onmessage = (e) => r(e.data)));
    page.postMessage(encodeOutgoing({ data: Uint8Array.of(1, 2, 3), timestamp: 0xfffffffe }));
    page.postMessage('AAAA');
    page.postMessage(Uint8Array.of(1));
    // Larger than one Opus packet: dropped by the codec; refused by `send`: dropped, no throw.
    page.postMessage(encodeOutgoing({ data: new Uint8Array(1276), timestamp: 1 }));
    page.postMessage(encodeOutgoing({ data: Uint8Array.of(66), timestamp: 2 }));
    page.postMessage(encodeOutgoing({ data: Uint8Array.of(4), timestamp: 3 }));
    session.deliver({ speaker: 7, seq: 9, timestamp: 480, host: true, data: Uint8Array.of(5) });
    assert.deepEqual(decodeIncoming(await heard), {
      speaker: 7,
      seq: 9,
      timestamp: 480,
      host: true,
      data: Uint8Array.of(5),
    });
    await delay(50);
    assert.deepEqual(sent, [
      { data: [1, 2, 3], timestamp: 0xfffffffe },
      { data: [4], timestamp: 3 },
    ]);
    // A new session gets a new port; the old one is closed.
    session.open();
    assert.equal(pages.length, 2);
    session.close();
    page.close();
    pages[1]!.close();
  });

  it('the window policy: the app page, the microphone, nothing else', () => {
    assert.equal(isAppUrl('backline-app://app/room/abc'), true);
    for (const u of [
      'backline-app://app.evil/',
      'backline-app://evil/app/',
      'https://app/',
      'backline-app://u:p@app/',
      'not a url',
    ])
      assert.equal(isAppUrl(u), false, u);
    const page = 'backline-app://app/room/x';
    assert.equal(
      isPermissionAllowed({ url: page, permission: 'media', mediaTypes: ['audio'] }),
      true,
    );
    const refused: Parameters<typeof isPermissionAllowed>[0][] = [
      { url: page, permission: 'media', mediaTypes: ['audio', 'video'] },
      { url: page, permission: 'media', mediaTypes: ['video'] },
      { url: page, permission: 'media' },
      { url: page, permission: 'geolocation' },
      { url: page, permission: 'notifications' },
      { url: page, permission: 'clipboard-read' },
      { url: 'https://hub.example/', permission: 'media', mediaTypes: ['audio'] },
    ];
    for (const r of refused) assert.equal(isPermissionAllowed(r), false, JSON.stringify(r));
    assert.equal(isPermissionCheckAllowed(page, 'media'), true);
    assert.equal(isPermissionCheckAllowed(page, 'geolocation'), false);
    assert.equal(isPermissionCheckAllowed(undefined, 'media'), false);
    assert.equal(isPermissionCheckAllowed('https://x/', 'media'), false);
  });

  it('a handler is registered once', () => {
    const r = new IpcRouter(() => true);
    r.handle('host.status', () => ({ state: 'stopped' }));
    assert.throws(() => r.handle('host.status', () => ({ state: 'stopped' })), /twice/);
  });
});

describe('links', () => {
  it('round-trips a share link and accepts the forms people paste', () => {
    const { share_link, web_link } = shareLinks('192.168.1.20', 8000, FP);
    assert.deepEqual(parseLink(share_link), {
      ok: true,
      link: { origin: 'https://192.168.1.20:8000', fingerprint: FP, roomId: undefined },
    });
    assert.deepEqual(parseLink(web_link), {
      ok: true,
      link: { origin: 'https://192.168.1.20:8000', fingerprint: FP, roomId: undefined },
    });
    const bare = FP.replace(/:/g, '').toLowerCase();
    const r = parseLink(`  backline://hub.example:9000/room/abc-1?fp=${bare} `);
    assert.deepEqual(r, {
      ok: true,
      link: { origin: 'https://hub.example:9000', fingerprint: FP, roomId: 'abc-1' },
    });
    assert.deepEqual(parseLink('10.0.0.5:8000'), {
      ok: true,
      link: { origin: 'https://10.0.0.5:8000', fingerprint: undefined, roomId: undefined },
    });
    assert.equal(linkFromArgv(['/usr/bin/backline', '--flag', share_link]), share_link);
  });

  it('refuses damaged, foreign and unencrypted links with a reason', () => {
    for (const [input, why] of [
      ['', /Paste the link/],
      ['backline://h:8000/?fp=AB:CD', /fingerprint is damaged/],
      ['http://h:8000', /without encryption/],
      ['ftp://h', /starts with backline/],
      ['https://user:pw@h:8000', /no user name/],
      ['x'.repeat(3000), /too long/],
    ] as const) {
      const r = parseLink(input);
      assert.equal(r.ok, false, input.slice(0, 40));
      if (!r.ok) assert.match(r.message, why);
    }
  });
});

describe('pinning against a real TLS server', () => {
  let server: Server;
  let origin: string;
  let fingerprint: string;
  let other: { certPem: string; keyPem: string };
  const dir = tmp();
  before(async () => {
    const pair = generateSelfSigned(['localhost']);
    other = generateSelfSigned(['localhost']);
    fingerprint = new X509Certificate(pair.certPem).fingerprint256;
    server = createServer({ cert: pair.certPem, key: pair.keyPem }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('pins a link whose fingerprint matches, refuses one that does not', async () => {
    const store = new TrustStore(join(dir, 'a.json'));
    const bad = await openLink(store, `${origin.replace('https', 'backline')}/?fp=${FP}`);
    assert.equal(bad.status, 'mismatch');
    if (bad.status === 'mismatch') {
      assert.equal(bad.actual, fingerprint);
      assert.match(bad.message, /not the one your link is for/);
    }
    assert.deepEqual(store.hubs(), []);
    const good = await openLink(store, `${origin}/#fp=${fingerprint}`);
    assert.equal(good.status, 'trusted');
    assert.equal(store.hubs()[0]?.fingerprint, fingerprint);
    assert.equal(store.isPinnedFor('127.0.0.1', fingerprint), true);
    assert.equal(store.isPinnedFor('127.0.0.1', FP), false);
    // Remembered across restarts; without a fingerprint the pin decides.
    const again = new TrustStore(join(dir, 'a.json'));
    assert.equal((await openLink(again, origin)).status, 'trusted');
    server.setSecureContext({ cert: other.certPem, key: other.keyPem });
    const swapped = await openLink(again, origin);
    assert.equal(swapped.status, 'mismatch');
    if (swapped.status === 'mismatch')
      assert.match(swapped.message, /different certificate than the one you trusted/);
  });

  it('asks before trusting a hub on first use, and pins only what was confirmed', async () => {
    const store = new TrustStore(join(dir, 'b.json'));
    const first = await openLink(store, origin);
    assert.equal(first.status, 'needs-trust');
    assert.deepEqual(store.hubs(), []);
    if (first.status !== 'needs-trust') return;
    assert.equal((await confirmTrust(store, origin, FP)).status, 'mismatch');
    assert.equal((await confirmTrust(store, origin, first.fingerprint)).status, 'trusted');
    assert.equal(store.hubs().length, 1);
  });

  it('reports an unreachable hub, and sets a damaged trust file aside', async () => {
    const closed = createNetServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const store = new TrustStore(join(dir, 'c.json'));
    const r = await openLink(store, `https://127.0.0.1:${port}`);
    assert.equal(r.status, 'unreachable');
    if (r.status === 'unreachable') assert.match(r.message, /nothing answers/);
    writeFileSync(join(dir, 'd.json'), '{"version":1,"hubs":[{"origin":');
    let moved = '';
    const s = new TrustStore(join(dir, 'd.json'), undefined, (_w, aside) => (moved = aside));
    assert.deepEqual(s.hubs(), []);
    assert.match(readFileSync(moved, 'utf8'), /"hubs"/, 'the damaged file is kept, not deleted');
  });
});

describe('app settings from the environment', () => {
  it('reads them, and names the variable of a bad value', () => {
    assert.deepEqual(appSettingsFromEnv({}), {
      userData: undefined,
      jackServer: undefined,
      host: { listenHost: undefined, advertiseHost: undefined, port: undefined },
    });
    assert.deepEqual(
      appSettingsFromEnv({
        BACKLINE_USER_DATA: '/tmp/bl',
        BACKLINE_JACK_SERVER: 'studio',
        BACKLINE_HOST_LISTEN: '127.0.0.1',
        BACKLINE_HOST_ADDRESS: 'jam.example.org',
        BACKLINE_HOST_PORT: '0',
        // No test switch: the e2e runs have their own entry (e2e/electronMain.ts).
        BACKLINE_E2E: '1',
      }),
      {
        userData: '/tmp/bl',
        jackServer: 'studio',
        host: { listenHost: '127.0.0.1', advertiseHost: 'jam.example.org', port: 0 },
      },
    );
    const bad: [Record<string, string>, RegExp][] = [
      [{ BACKLINE_USER_DATA: 'relative/dir' }, /BACKLINE_USER_DATA: .*absolute/],
      [{ BACKLINE_JACK_SERVER: 'a;rm -rf' }, /BACKLINE_JACK_SERVER: .*not a JACK server name/],
      [{ BACKLINE_HOST_LISTEN: 'not a host' }, /BACKLINE_HOST_LISTEN: /],
      [{ BACKLINE_HOST_ADDRESS: 'http://x' }, /BACKLINE_HOST_ADDRESS: /],
      [{ BACKLINE_HOST_PORT: '70000' }, /BACKLINE_HOST_PORT: 70000 is out of range/],
      [{ BACKLINE_HOST_PORT: 'eight' }, /BACKLINE_HOST_PORT: .*whole number/],
    ];
    for (const [env, re] of bad) assert.throws(() => appSettingsFromEnv(env), re);
  });
});

describe('secrets and tray', () => {
  it('keeps tokens per hub and survives a damaged file', () => {
    const dir = tmp();
    const s = new SecretStore(join(dir, 's.json'), plainCodec);
    s.set('https://a:1', 'tok-a');
    assert.equal(new SecretStore(join(dir, 's.json'), plainCodec).get('https://a:1'), 'tok-a');
    s.set('https://a:1', null);
    assert.equal(s.get('https://a:1'), null);
    writeFileSync(join(dir, 's.json'), 'garbage');
    assert.equal(new SecretStore(join(dir, 's.json'), plainCodec).get('https://a:1'), null);
    rmSync(dir, { recursive: true, force: true });
  });

  it('tray menu and certificate fingerprints', () => {
    const items = trayMenuModel({
      host: { state: 'running' },
      jacktrip: {
        state: 'connected',
        message: '',
        preset: 'normal',
        queue: 4,
        attempt: 1,
        rtt_ms: 3.2,
      },
      voice: {
        state: 'live',
        message: '',
        muted: true,
        server_muted: false,
        frames_sent: 0,
        frames_received: 0,
      },
    });
    assert.deepEqual(
      items.map((i) => i.action),
      ['toggle-host', 'none', 'toggle-mute', 'open', 'quit'],
    );
    assert.equal(items[0]!.checked, true);
    assert.equal(items[2]!.checked, true);
    assert.match(items[1]!.label, /connected · 3.2 ms/);
    const b64 = Buffer.from(FP.replace(/:/g, ''), 'hex').toString('base64');
    assert.equal(fingerprintFromChromium(`sha256/${b64}`), FP);
    assert.equal(fingerprintFromChromium('sha1/abc'), undefined);
    assert.match(
      lanAddress({
        lo: [
          {
            address: '127.0.0.1',
            family: 'IPv4',
            internal: true,
            netmask: '',
            mac: '',
            cidr: null,
          },
        ],
        eth0: [
          {
            address: '192.168.4.7',
            family: 'IPv4',
            internal: false,
            netmask: '',
            mac: '',
            cidr: null,
          },
        ],
      }),
      /^192\.168\.4\.7$/,
    );
  });
});

/** A hosted hub on loopback, its data in `dir`. */
const loopbackHost = (dir: string, port: number, entry?: string) =>
  new HostedHub({
    forker: nodeForker,
    dataDir: join(dir, 'hub'),
    logFile: join(dir, 'hub.log'),
    listenHost: '127.0.0.1',
    advertiseHost: '127.0.0.1',
    port,
    entry,
    env: { LOG_LEVEL: 'warn', RELAY_PORT: '0' },
  });

describe('hosting: the hub as its own process', () => {
  it(
    'starts from the sources and from the bundled build, answers, and stops without leftovers',
    { timeout: 120_000 },
    async () => {
      buildElectronBundle();
      // A sandboxed preload may require only 'electron' (and a few built-ins): no zod, no hub code.
      const preload = readFileSync(
        join(import.meta.dirname, '..', '..', 'dist-electron', 'preload.cjs'),
        'utf8',
      );
      const required = [...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(required)], ['electron']);
      assert.ok(preload.length < 20_000, `preload is ${preload.length} bytes`);
      // The shipped entry carries no test switch; the e2e runs have their own entry.
      const main = readFileSync(
        join(import.meta.dirname, '..', '..', 'dist-electron', 'main.js'),
        'utf8',
      );
      assert.doesNotMatch(main, /__backlineE2E|BACKLINE_E2E/);
      for (const entry of [
        undefined,
        join(import.meta.dirname, '..', '..', 'dist-electron', 'hubEntry.js'),
      ]) {
        const dir = tmp();
        const host = loopbackHost(dir, 0, entry);
        const seen: string[] = [];
        host.on('status', (s) => seen.push(s.state));
        const s = await host.start();
        assert.equal(s.state, 'running', JSON.stringify(s));
        const pid = host.pid!;
        const health = await pinnedJson<{ status: string }>(
          {
            origin: s.local_url!,
            fingerprint: s.fingerprint!,
            cert_pem: readFileSync(join(dir, 'hub', 'certs', 'hub-cert.pem'), 'utf8'),
          },
          'GET',
          '/health',
          undefined,
        );
        assert.equal(health.status, 'ok');
        const parsed = parseLink(s.share_link!);
        assert.ok(parsed.ok && parsed.link.fingerprint === s.fingerprint);
        // A different pin is refused before any request is sent.
        await assert.rejects(
          pinnedJson(
            { origin: s.local_url!, fingerprint: FP, cert_pem: '' },
            'GET',
            '/health',
            undefined,
          ),
          /not the pinned one|certificate/,
        );
        assert.equal((await host.stop()).state, 'stopped');
        assert.deepEqual(seen, ['starting', 'running', 'stopping', 'stopped']);
        assert.throws(() => process.kill(pid, 0), 'the hub process is gone');
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    'moves to a free port when the usual one is taken, and reports a hub that cannot start',
    { timeout: 60_000 },
    async () => {
      const blocker = createNetServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const taken = (blocker.address() as { port: number }).port;
      const dir = tmp();
      const host = loopbackHost(dir, taken);
      const s = await host.start();
      assert.equal(s.state, 'running', JSON.stringify(s));
      assert.notEqual(s.port, taken);
      await host.stop();
      const broken = new HostedHub({
        forker: nodeForker,
        dataDir: join(dir, 'hub2'),
        logFile: join(dir, 'hub2.log'),
        listenHost: '127.0.0.1',
        port: 0,
        env: { JACK_PERIOD: '100' },
      });
      const f = await broken.start();
      assert.equal(f.state, 'failed');
      assert.match(f.error!, /JACK_PERIOD/);
      await new Promise<void>((r) => blocker.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  );
});

describe('the local JACK server', () => {
  it('reads sound cards and the period as JACK and ALSA print them', () => {
    assert.deepEqual(
      parseAsoundCards(
        ' 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n' +
          '                      HDA Intel PCH at 0xf7f10000 irq 32\n' +
          ' 1 [USB            ]: USB-Audio - Scarlett 2i2 USB\n',
      ),
      [
        { id: 'hw:PCH', label: 'HDA Intel PCH' },
        { id: 'hw:USB', label: 'Scarlett 2i2 USB' },
      ],
    );
    assert.deepEqual(parseAsoundCards('--- no soundcards ---\n'), []);
    assert.equal(parseBufsize('128\n'), 128);
    assert.equal(parseBufsize('buffer size = 256\n'), 256);
    for (const junk of ['', 'Cannot connect to server', '99999999', '0\n'])
      assert.equal(parseBufsize(junk), undefined, junk);
  });

  it(
    'says when none runs, starts one on the dummy device, reads its period, stops only its own',
    { timeout: 60_000 },
    async () => {
      const jack = new JackControl({ server: `bltt-jc-${process.pid}` });
      const before = await jack.status();
      assert.equal(before.running, false);
      assert.match(before.message, /No JACK server .* is running/);
      assert.ok(before.devices.some((d) => d.id === 'dummy'));
      await assert.rejects(jack.start('hw:NoSuchCard'), /unknown sound device/);
      const started = await jack.start('dummy');
      assert.equal(started.running, true);
      assert.equal(started.owned, true);
      assert.equal(await jack.period(), 128);
      await jack.close();
      assert.equal((await jack.status()).running, false, 'the server the app started is stopped');
      await jack.close();
    },
  );

  it(
    'closing while a start is under way stops the server that start brings up',
    { timeout: 60_000 },
    async () => {
      const jack = new JackControl({ server: `bltt-jc2-${process.pid}` });
      const starting = jack.start('dummy');
      await delay(100); // jackd is spawned, not yet answering
      await jack.close();
      await assert.rejects(starting, /app closed while it started|app is closing/);
      assert.equal((await jack.status()).running, false, 'no jackd left behind');
      await assert.rejects(jack.start('dummy'), /app is closing/);
    },
  );
});

describe('the local jacktrip client against a real hub', () => {
  let hub: JamHub;
  const procs = new Procs();
  before(async () => {
    hub = await startJamHub(['pia']);
  });
  after(async () => {
    await procs.stopAll();
    await hub?.close();
  });

  it('reads jacktrip output into states', () => {
    assert.deepEqual(classifyLine('Received Connection from Peer!'), { kind: 'connected' });
    assert.equal(classifyLine('ERROR: Incorrect username or password.')?.kind, 'fatal');
    assert.equal(classifyLine('Maybe the JACK server is not running?')?.kind, 'fatal');
    assert.equal(classifyLine('Peer Stopped')?.kind, 'peer-stopped');
    assert.equal(classifyLine('JackTrip 2.x'), undefined);
  });

  it('comes back after 1, 2, 4, 8, then every 15 s, for as long as the player stays', () => {
    const policy = new RestartPolicy(JACKTRIP_RESTARTS, () => 0);
    const waits = Array.from({ length: 7 }, () => policy.failed());
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    // A connection that was up starts again from 1 s.
    policy.started();
    assert.equal(policy.failed(), 1000);
  });

  it('builds an argv that names the user but never carries the password', () => {
    const args = playerArgs({
      connection: {
        host: 'hub.example',
        port: 4464,
        username: 'pia',
        password: 'sekret-123',
        remote_name: 'pia',
        queue: 4,
        args: [],
      },
      clientName: 'backline_pia',
      localPort: 42123,
      queue: 2,
    });
    assert.deepEqual(args, [
      '-C',
      'hub.example',
      '-P',
      '4464',
      '-K',
      'pia',
      '-J',
      'backline_pia',
      '-B',
      '42123',
      '-q',
      '2',
      '-t',
      '-A',
      '--username',
      'pia',
    ]);
  });

  it(
    'says clearly when no JACK server runs or the credentials are refused, then connects, and reconnects from a fresh port',
    { timeout: 90_000 },
    async () => {
      const room = await hub.ok<{ id: string }>('pia', 'POST', '/rooms', { name: 'jt client' });
      const answer = await hub.ok<JoinAnswer>('pia', 'POST', `/rooms/${room.id}/join`, {});
      const none = new JackTripClient({
        env: () => ({
          ...process.env,
          JACK_NO_START_SERVER: '1',
          JACK_DEFAULT_SERVER: 'bltt-missing',
        }),
      });
      await none.connect({ roomId: answer.room_id, connection: answer.jacktrip, preset: 'normal' });
      await until(() => none.status.state === 'failed');
      assert.match(none.status.message, /No JACK server is running/);

      const server = await procs.server('jtc');
      const env = () => ({
        ...process.env,
        JACK_NO_START_SERVER: '1',
        JACK_DEFAULT_SERVER: server.name,
      });
      // A password jacktrip could not read as one line of its input: refused before it starts.
      const broken = new JackTripClient({ env });
      await broken.connect({
        roomId: answer.room_id,
        connection: { ...answer.jacktrip, password: 'two\nlines' },
        preset: 'normal',
      });
      assert.equal(broken.status.state, 'failed');
      assert.match(broken.status.message, /line break/);
      assert.equal(broken.pid, undefined);
      // Wrong credentials: a clear failure, and no endless retries.
      const refused = new JackTripClient({
        env,
        restarts: { ...JACKTRIP_RESTARTS, initialMs: 300, maxMs: 300 },
      });
      await refused.connect({
        roomId: answer.room_id,
        connection: { ...answer.jacktrip, password: 'not-the-password' },
        preset: 'normal',
      });
      await until(() => refused.status.state === 'failed');
      assert.match(
        refused.status.message,
        /refused the credentials \(Incorrect username or password/,
      );
      assert.equal(refused.pid, undefined, 'no jacktrip left running');
      await delay(700);
      assert.equal(refused.status.state, 'failed', 'not retried');

      const c = new JackTripClient({
        env,
        restarts: { ...JACKTRIP_RESTARTS, initialMs: 300, maxMs: 300 },
      });
      const states: string[] = [];
      c.on('status', (s) => states.push(s.state));
      await c.connect({ roomId: answer.room_id, connection: answer.jacktrip, preset: 'tight' });
      await until(() => c.status.state === 'connected');
      assert.equal(c.status.queue, 2);
      // Connected with the password read from standard input: neither ps nor /proc shows it.
      const cmdline = readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').split('\0');
      assert.equal(cmdline[0], 'jacktrip', 'setpriv and stdbuf exec: the PID is jacktrip');
      assert.ok(cmdline.includes('--username'), cmdline.join(' '));
      const ps = execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(c.pid)], {
        encoding: 'utf8',
      });
      for (const shown of [cmdline.join(' '), ps]) {
        assert.ok(!shown.includes(answer.jacktrip.password), `the password is visible: ${shown}`);
        assert.ok(!shown.includes('--password'), shown);
      }
      const firstPort = c.status.local_port;
      // The connection drops (jacktrip killed): reconnecting, then connected again on a new port.
      process.kill(c.pid!, 'SIGKILL');
      await until(() => c.status.state === 'reconnecting');
      await until(() => c.status.state === 'connected');
      assert.notEqual(c.status.local_port, firstPort);
      const pid = c.pid!;
      await c.disconnect();
      assert.equal(c.status.state, 'stopped');
      assert.throws(() => process.kill(pid, 0));
      assert.deepEqual(states.filter((s, i) => s !== states[i - 1]).slice(0, 4), [
        'connecting',
        'connected',
        'reconnecting',
        'connecting',
      ]);
    },
  );
});

async function until(fn: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await delay(50);
  }
}
