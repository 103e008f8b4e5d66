// Main's own HTTPS calls to a hub (voice tokens, recording downloads): only to a pinned hub, and only when the
// certificate it presents is the pinned one. Self-signed hubs work without turning
// verification off: the pinned certificate is the trust anchor, and the identity check is the
// fingerprint (a LAN address is rarely among a self-signed certificate's names).
import { X509Certificate } from 'node:crypto';
import { request, type RequestOptions } from 'node:https';
import type { PeerCertificate as TlsPeerCertificate } from 'node:tls';

export interface Pin {
  origin: string;
  fingerprint: string;
  cert_pem: string;
}

export class HubRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HubRequestError';
  }
}

function selfSigned(pem: string): boolean {
  try {
    const c = new X509Certificate(pem);
    return c.issuer === c.subject && c.verify(c.publicKey);
  } catch {
    return false;
  }
}

/**
 * TLS options for a request to a pinned hub: its own certificate as the trust anchor when it is
 * self-signed, and the fingerprint as the identity check.
 */
export function pinnedTls(pin: Pin): Pick<RequestOptions, 'ca' | 'checkServerIdentity'> {
  return {
    ca: selfSigned(pin.cert_pem) ? [pin.cert_pem] : undefined,
    checkServerIdentity: (_host: string, cert: TlsPeerCertificate) =>
      cert.fingerprint256 === pin.fingerprint
        ? undefined
        : new Error(`the hub's certificate is not the pinned one (${cert.fingerprint256})`),
  };
}

export function pinnedJson<T>(
  pin: Pin,
  method: 'GET' | 'POST',
  path: string,
  token: string | undefined,
  timeoutMs = 10_000,
  body: unknown = {},
): Promise<T> {
  const url = new URL(path, pin.origin);
  return new Promise<T>((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ...pinnedTls(pin),
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (body.length < 1_000_000) body += d;
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = body ? JSON.parse(body) : undefined;
          } catch {
            json = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && json !== undefined) resolve(json as T);
          else {
            const msg = (json as { error?: { message?: unknown } } | undefined)?.error?.message;
            reject(
              new HubRequestError(
                status,
                typeof msg === 'string' ? msg : `the hub answered ${status} to ${path}`,
              ),
            );
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host}`)));
    req.on('error', (err) =>
      reject(err instanceof HubRequestError ? err : new HubRequestError(0, err.message)),
    );
    req.end(method === 'POST' ? JSON.stringify(body) : undefined);
  });
}
