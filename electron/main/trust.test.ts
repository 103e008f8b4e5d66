// A link must not swap a pinned hub's certificate: against a real TLS server that changes its
// certificate, through the real IPC router and stores (trust.json, sessions.json on disk).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { generateSelfSigned } from '../../hub-core/src/index.js';
import { unwrapReply, type OpenResult } from '../../protocol/ipc.js';
import { createDesktop, type Desktop } from './desktop.js';
import { SecretStore, plainCodec } from './secrets.js';
import { TrustStore } from './trust.js';

const APP = { url: 'backline-app://app/', isMainFrame: true };
type Pair = { certPem: string; keyPem: string; fp: string };
const pair = (): Pair => {
  const p = generateSelfSigned(['localhost']);
  return { ...p, fp: new X509Certificate(p.certPem).fingerprint256 };
};

describe('a link with a different fingerprint than the pin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backline-trust-'));
  const [oldCert, newCert, third] = [pair(), pair(), pair()];
  let server: Server;
  let origin: string;
  let d: Desktop;
  const presents = (c: Pair) => server.setSecureContext({ cert: c.certPem, key: c.keyPem });
  const invoke = async (channel: string, arg: object) =>
    unwrapReply(await d.router.dispatch(APP, channel, [arg]));
  const call = async (channel: string, arg: object) => (await invoke(channel, arg)) as OpenResult;
  const link = (fp: string) => `${origin.replace('https', 'backline')}/room/r-1?fp=${fp}`;
  const savedToken = () =>
    new SecretStore(join(dir, 'sessions.json'), plainCodec).get(origin) ?? null;
  const pinnedOnDisk = () => new TrustStore(join(dir, 'trust.json')).pinned(origin)?.fingerprint;

  before(async () => {
    server = createServer({ cert: oldCert.certPem, key: oldCert.keyPem }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    d = createDesktop({ userData: dir, trustedSender: () => true, log: () => {} });
    assert.equal((await call('hubs.open', { link: link(oldCert.fp) })).status, 'trusted');
    await invoke('session.set', { origin, token: 'thirty-day-token' });
  });
  after(async () => {
    await d.close();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not re-pinned: both fingerprints are reported, and the token stays put', async () => {
    presents(newCert);
    const r = await call('hubs.open', { link: link(newCert.fp) });
    assert.deepEqual(r, {
      status: 'pin-changed',
      origin,
      pinned: oldCert.fp,
      presented: newCert.fp,
      room_id: 'r-1',
      message: r.status === 'pin-changed' ? r.message : '',
    });
    if (r.status === 'pin-changed') assert.match(r.message, /another certificate/);
    assert.equal(pinnedOnDisk(), oldCert.fp);
    assert.equal(savedToken(), 'thirty-day-token');
    // The pin still wins when the link carries no fingerprint.
    assert.equal((await call('hubs.open', { link: origin })).status, 'mismatch');
  });

  it('a link for the pinned certificate, or for neither, is refused as before', async () => {
    presents(newCert);
    const stale = await call('hubs.open', { link: link(oldCert.fp) });
    assert.equal(stale.status, 'mismatch');
    if (stale.status === 'mismatch') {
      assert.equal(stale.expected, oldCert.fp);
      assert.equal(stale.actual, newCert.fp);
    }
    presents(oldCert);
    const foreign = await call('hubs.open', { link: link(third.fp) });
    assert.equal(foreign.status, 'mismatch');
    assert.equal(pinnedOnDisk(), oldCert.fp);
  });

  it('trust on first use cannot replace a pin, nor can a re-pin of a pin that is not the current one', async () => {
    presents(newCert);
    const tofu = await call('hubs.trust', { origin, fingerprint: newCert.fp });
    assert.equal(tofu.status, 'invalid');
    if (tofu.status === 'invalid') assert.match(tofu.message, /pinned to another certificate/);
    const wrongOld = await call('hubs.repin', {
      origin,
      fingerprint: newCert.fp,
      replaces: third.fp,
    });
    assert.equal(wrongOld.status, 'invalid');
    assert.equal(pinnedOnDisk(), oldCert.fp);
    assert.equal(savedToken(), 'thirty-day-token');
  });

  it('a certificate that changes again while the person decides is not pinned', async () => {
    presents(third);
    const r = await call('hubs.repin', { origin, fingerprint: newCert.fp, replaces: oldCert.fp });
    assert.equal(r.status, 'mismatch');
    assert.equal(pinnedOnDisk(), oldCert.fp);
    assert.equal(savedToken(), 'thirty-day-token');
  });

  it('the explicit re-pin pins the new certificate and deletes the saved token', async () => {
    presents(newCert);
    const r = await call('hubs.repin', { origin, fingerprint: newCert.fp, replaces: oldCert.fp });
    assert.equal(r.status, 'trusted');
    if (r.status === 'trusted') assert.equal(r.hub.fingerprint, newCert.fp);
    assert.equal(pinnedOnDisk(), newCert.fp);
    assert.equal(savedToken(), null, 'the token saved under the old pin is gone from disk');
    assert.deepEqual(await invoke('session.get', { origin }), { token: null });
    assert.equal(d.trust.isPinnedFor('127.0.0.1', oldCert.fp), false);
    // From now on its link simply opens.
    assert.equal((await call('hubs.open', { link: link(newCert.fp) })).status, 'trusted');
  });
});
