import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../../testkit/fixtures.js';
import { ConfigError } from '../errors.js';
import { generateSelfSigned, loadCertificateFiles, loadOrCreateSelfSigned } from './certificate.js';

describe('TLS certificate', () => {
  const dir = tempDir();
  after(dir.remove);

  it('is generated once, reused on the next start, and its fingerprint is stable', () => {
    const first = loadOrCreateSelfSigned(dir.path);
    assert.equal(first.generated, true);
    assert.match(first.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(statSync(first.keyPath).mode & 0o777, 0o600);
    const x509 = new X509Certificate(first.certPem);
    assert.match(x509.subjectAltName ?? '', /DNS:localhost/);
    assert.match(x509.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(new Date(x509.validTo).getTime() > Date.now() + 365 * 86_400_000);

    const second = loadOrCreateSelfSigned(dir.path);
    assert.equal(second.generated, false);
    assert.equal(second.fingerprint256, first.fingerprint256);
    assert.equal(second.certPem, first.certPem);
  });

  it("uses the admin's files and checks that key and certificate match", () => {
    const a = generateSelfSigned(['localhost']);
    const b = generateSelfSigned(['localhost']);
    const certPath = join(dir.path, 'admin-cert.pem');
    const keyPath = join(dir.path, 'admin-key.pem');
    const otherKey = join(dir.path, 'other-key.pem');
    writeFileSync(certPath, a.certPem);
    writeFileSync(keyPath, a.keyPem);
    writeFileSync(otherKey, b.keyPem);
    const loaded = loadCertificateFiles(certPath, keyPath);
    assert.equal(loaded.fingerprint256, new X509Certificate(a.certPem).fingerprint256);

    const rejects = (cert: string, key: string, variable: string, pattern: RegExp) =>
      assert.throws(
        () => loadCertificateFiles(cert, key),
        (err: unknown) =>
          err instanceof ConfigError && err.variable === variable && pattern.test(err.message),
      );
    rejects(
      join(dir.path, 'missing.pem'),
      keyPath,
      'SSL_CERTFILE',
      /cannot read .*missing\.pem \(ENOENT\)/,
    );
    rejects(certPath, join(dir.path, 'nokey.pem'), 'SSL_KEYFILE', /cannot read/);
    rejects(keyPath, keyPath, 'SSL_CERTFILE', /is not a PEM certificate/);
    rejects(certPath, certPath, 'SSL_KEYFILE', /is not a PEM private key/);
    rejects(certPath, otherKey, 'SSL_KEYFILE', /does not match the certificate/);
  });

  it('refuses a damaged generated pair instead of replacing a pinned certificate', () => {
    const d = tempDir();
    try {
      const c = loadOrCreateSelfSigned(d.path);
      writeFileSync(c.certPath, 'garbage');
      assert.throws(() => loadOrCreateSelfSigned(d.path), /is not a PEM certificate/);
      assert.equal(readFileSync(c.certPath, 'utf8'), 'garbage');
    } finally {
      d.remove();
    }
  });
});
