import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type forgeModule from 'node-forge';
import type { HubConfig } from '../config.js';
import { ConfigError } from '../errors.js';

export interface Certificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 over the DER certificate, "AB:CD:..." as browsers show it. */
  fingerprint256: string;
  certPath: string;
  keyPath: string;
  /** True when this call created the certificate (first run). */
  generated: boolean;
}

/** How long a generated certificate is valid. Pinned by fingerprint, so a long life is fine. */
const VALID_DAYS = 5 * 365;

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * node-forge, loaded on first use: only a first run (no certificate yet) needs it, and loading
 * it costs a start where the certificate exists some 40 ms.
 */
let forgeLoaded: typeof forgeModule | undefined;
function loadForge(): typeof forgeModule {
  forgeLoaded ??= createRequire(import.meta.url)('node-forge') as typeof forgeModule;
  return forgeLoaded;
}

/** Creates a self-signed certificate for the hub: RSA-2048 from Node's crypto, signed by forge. */
export function generateSelfSigned(names: readonly string[]): { certPem: string; keyPem: string } {
  const forge = loadForge();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pubPem);
  // Positive 16-byte serial (top bit cleared) as RFC 5280 asks.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + VALID_DAYS * 86_400_000);
  const attrs = [
    { name: 'commonName', value: 'Backline hub' },
    { name: 'organizationName', value: 'Backline' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const altNames = names.map((n) =>
    /^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n },
  );
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(variable, `cannot read ${path} (${code})`);
  }
}

/** Parses a PEM pair and checks that the key belongs to the certificate. */
export function checkPair(
  certPem: string,
  keyPem: string,
  where: { cert: string; key: string; certVar: string; keyVar: string },
): string {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch {
    throw new ConfigError(where.certVar, `${where.cert} is not a PEM certificate`);
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new ConfigError(
      where.keyVar,
      `${where.key} is not a PEM private key (or it is encrypted)`,
    );
  }
  if (!x509.checkPrivateKey(key)) {
    throw new ConfigError(
      where.keyVar,
      `${where.key} does not match the certificate ${where.cert}`,
    );
  }
  return x509.fingerprint256;
}

/** The admin's own certificate files (SSL_CERTFILE / SSL_KEYFILE). */
export function loadCertificateFiles(certPath: string, keyPath: string): Certificate {
  const certPem = readPem('SSL_CERTFILE', certPath);
  const keyPem = readPem('SSL_KEYFILE', keyPath);
  const fingerprint256 = checkPair(certPem, keyPem, {
    cert: certPath,
    key: keyPath,
    certVar: 'SSL_CERTFILE',
    keyVar: 'SSL_KEYFILE',
  });
  return { certPem, keyPem, fingerprint256, certPath, keyPath, generated: false };
}

/**
 * The hub's own certificate in `<dataDir>/certs/`: generated on first run, reused after.
 * A damaged pair is an error (never silently replaced: clients have pinned its fingerprint).
 */
export function loadOrCreateSelfSigned(
  dataDir: string,
  extraNames: readonly string[] = [],
): Certificate {
  const dir = join(dataDir, 'certs');
  const certPath = join(dir, 'hub-cert.pem');
  const keyPath = join(dir, 'hub-key.pem');
  // The certificate is renamed into place last, so its presence marks a complete pair.
  if (existsSync(certPath)) {
    const certPem = readPem('BACKLINE_DATA_DIR', certPath);
    const keyPem = readPem('BACKLINE_DATA_DIR', keyPath);
    const fingerprint256 = checkPair(certPem, keyPem, {
      cert: certPath,
      key: keyPath,
      certVar: 'BACKLINE_DATA_DIR',
      keyVar: 'BACKLINE_DATA_DIR',
    });
    return { certPem, keyPem, fingerprint256, certPath, keyPath, generated: false };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const names = [...new Set(['localhost', '127.0.0.1', '::1', hostname(), ...extraNames])].filter(
    (n) => n !== '' && n !== '0.0.0.0' && n !== '::',
  );
  const { certPem, keyPem } = generateSelfSigned(names);
  // Write both under temporary names, then rename: a crash never leaves half a pair.
  writeFileSync(`${keyPath}.tmp`, keyPem, { mode: 0o600 });
  writeFileSync(`${certPath}.tmp`, certPem, { mode: 0o644 });
  renameSync(`${keyPath}.tmp`, keyPath);
  renameSync(`${certPath}.tmp`, certPath);
  chmodSync(keyPath, 0o600);
  return {
    certPem,
    keyPem,
    fingerprint256: fingerprintOf(certPem),
    certPath,
    keyPath,
    generated: true,
  };
}

/**
 * The hub's certificates: the API's (none with plain HTTP), and JackTrip's, which runs over TLS
 * even when the API does not. Once the files exist this reads and checks them (a few ms); only
 * a first run generates a pair.
 */
export function hubCertificates(config: Pick<HubConfig, 'tls' | 'dataDir' | 'host'>): {
  api: Certificate | undefined;
  jacktrip: Certificate;
} {
  const api =
    config.tls.mode === 'files'
      ? loadCertificateFiles(config.tls.certFile, config.tls.keyFile)
      : config.tls.mode === 'generate'
        ? loadOrCreateSelfSigned(config.dataDir, [config.host])
        : undefined;
  return { api, jacktrip: api ?? loadOrCreateSelfSigned(config.dataDir, [config.host]) };
}
