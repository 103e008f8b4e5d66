// Pinned hubs and recent rooms, kept in <userData>/trust.json; and the pinning itself: the
// certificate a hub presents is compared with the fingerprint a link vouched for, or the one
// the person confirmed the first time (trust on first use).
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:tls';
import { z } from 'zod';
import { PinnedHub, RecentRoom, type OpenResult } from '../../protocol/ipc.js';
import { parseLink } from './links.js';

const StoredHub = PinnedHub.extend({ cert_pem: z.string().max(20_000) });
type StoredHub = z.infer<typeof StoredHub>;
const TrustFile = z.object({
  version: z.literal(1),
  hubs: z.array(StoredHub),
  recent_rooms: z.array(RecentRoom),
});
type TrustFile = z.infer<typeof TrustFile>;

export const RECENT_ROOMS_MAX = 10;

export interface PeerCertificate {
  fingerprint: string;
  pem: string;
}

/** Connects to the hub's TLS port and reads its certificate (no request is sent). */
export function probeCertificate(origin: string, timeoutMs = 5000): Promise<PeerCertificate> {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      // Verification is ours: the fingerprint is compared below, by the caller.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${url.host} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const raw = socket.getPeerCertificate(false)?.raw;
      socket.end();
      if (!raw) return reject(new Error(`${url.host} presented no certificate`));
      const cert = new X509Certificate(raw);
      resolve({ fingerprint: cert.fingerprint256, pem: cert.toString() });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(
          err.code === 'ECONNREFUSED'
            ? `nothing answers at ${url.host} (is the hub running?)`
            : err.code === 'EPROTO' || /wrong version|SSL/i.test(err.message)
              ? `${url.host} does not speak TLS`
              : `cannot reach ${url.host}: ${err.code ?? err.message}`,
        ),
      );
    });
  });
}

export class TrustStore {
  private data: TrustFile = { version: 1, hubs: [], recent_rooms: [] };

  /** A damaged file is set aside (trust.json.damaged-<time>) and the store starts empty. */
  constructor(
    private readonly file: string,
    private readonly now: () => Date = () => new Date(),
    onDamaged: (why: string, movedTo: string) => void = () => {},
  ) {
    if (!existsSync(file)) return;
    let parsed: TrustFile | undefined;
    try {
      const r = TrustFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (r.success) parsed = r.data;
    } catch {
      parsed = undefined;
    }
    if (parsed) this.data = parsed;
    else {
      const aside = `${file}.damaged-${this.now().getTime()}`;
      renameSync(file, aside);
      onDamaged('trust.json could not be read', aside);
    }
  }

  hubs(): PinnedHub[] {
    return this.data.hubs.map((h) => PinnedHub.parse(h));
  }

  recentRooms(): RecentRoom[] {
    return this.data.recent_rooms.slice();
  }

  pinned(origin: string): StoredHub | undefined {
    return this.data.hubs.find((h) => h.origin === origin);
  }

  /** Is this certificate (by SHA-256 fingerprint) pinned for this host name, on any port? */
  isPinnedFor(hostname: string, fingerprint: string): boolean {
    return this.data.hubs.some(
      (h) => new URL(h.origin).hostname === hostname && h.fingerprint === fingerprint,
    );
  }

  pin(origin: string, cert: PeerCertificate): PinnedHub {
    const at = this.now().toISOString();
    const old = this.pinned(origin);
    const hub: StoredHub = {
      origin,
      fingerprint: cert.fingerprint,
      cert_pem: cert.pem,
      first_seen: old && old.fingerprint === cert.fingerprint ? old.first_seen : at,
      last_used: at,
    };
    this.data.hubs = [hub, ...this.data.hubs.filter((h) => h.origin !== origin)];
    this.save();
    return PinnedHub.parse(hub);
  }

  forget(origin: string): void {
    this.data.hubs = this.data.hubs.filter((h) => h.origin !== origin);
    this.data.recent_rooms = this.data.recent_rooms.filter((r) => r.origin !== origin);
    this.save();
  }

  rememberRoom(origin: string, roomId: string, roomName: string): void {
    const room: RecentRoom = {
      origin,
      room_id: roomId,
      room_name: roomName.slice(0, 200),
      joined_at: this.now().toISOString(),
    };
    this.data.recent_rooms = [
      room,
      ...this.data.recent_rooms.filter((r) => !(r.origin === origin && r.room_id === roomId)),
    ].slice(0, RECENT_ROOMS_MAX);
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/**
 * Opening a link: read the hub's certificate and decide.
 * - The link vouches for a fingerprint: the hub must present it. A hub pinned to another
 *   certificate is not re-pinned here (a link could otherwise swap the pin and collect the
 *   saved token): the person sees both fingerprints (`pin-changed`) and may `repin`.
 * - No fingerprint in the link: a pinned hub must still match its pin; an unknown one needs
 *   the person's confirmation (`needs-trust`, then `confirmTrust`).
 */
export async function openLink(
  store: TrustStore,
  input: string,
  probe: (origin: string) => Promise<PeerCertificate> = probeCertificate,
): Promise<OpenResult> {
  const parsed = parseLink(input);
  if (!parsed.ok) return { status: 'invalid', message: parsed.message };
  const { origin, fingerprint, roomId } = parsed.link;
  let cert: PeerCertificate;
  try {
    cert = await probe(origin);
  } catch (err) {
    return { status: 'unreachable', origin, message: (err as Error).message };
  }
  const host = new URL(origin).host;
  const pinned = store.pinned(origin);
  const expected = fingerprint ?? pinned?.fingerprint;
  if (expected && expected !== cert.fingerprint) {
    return {
      status: 'mismatch',
      origin,
      expected,
      actual: cert.fingerprint,
      message: fingerprint
        ? `The hub at ${host} is not the one your link is for: its certificate does not match. Someone may be impersonating it. Not connecting.`
        : `The hub at ${host} presents a different certificate than the one you trusted before. Someone may be impersonating it. Not connecting.`,
    };
  }
  if (!expected) {
    return { status: 'needs-trust', origin, fingerprint: cert.fingerprint, room_id: roomId };
  }
  if (pinned && pinned.fingerprint !== cert.fingerprint) {
    return {
      status: 'pin-changed',
      origin,
      pinned: pinned.fingerprint,
      presented: cert.fingerprint,
      room_id: roomId,
      message: `You trusted the hub at ${host} with another certificate. This link vouches for a new one, and the hub presents it. That is expected only if your host set their hub up again; otherwise someone may be impersonating it to catch your sign-in. Not connecting.`,
    };
  }
  return { status: 'trusted', hub: store.pin(origin, cert), room_id: roomId };
}

/** The person confirmed a first-use fingerprint: pin it if the hub still presents it. */
export async function confirmTrust(
  store: TrustStore,
  origin: string,
  fingerprint: string,
  probe: (origin: string) => Promise<PeerCertificate> = probeCertificate,
): Promise<OpenResult> {
  const pinned = store.pinned(origin);
  // First use only: replacing a pin is `repin`, which also drops what trusted the old one.
  if (pinned && pinned.fingerprint !== fingerprint)
    return {
      status: 'invalid',
      message: `${new URL(origin).host} is pinned to another certificate. Open its link again.`,
    };
  let cert: PeerCertificate;
  try {
    cert = await probe(origin);
  } catch (err) {
    return { status: 'unreachable', origin, message: (err as Error).message };
  }
  if (cert.fingerprint !== fingerprint) {
    return {
      status: 'mismatch',
      origin,
      expected: fingerprint,
      actual: cert.fingerprint,
      message: `The hub's certificate changed while you were deciding. Not connecting.`,
    };
  }
  return { status: 'trusted', hub: store.pin(origin, cert) };
}

/**
 * The person chose to trust a hub's new certificate (after `pin-changed`). Pins it only if
 * the hub is still pinned to `replaces` and presents `fingerprint`; first calls `dropSecrets`,
 * so nothing saved under the old pin (the bearer token) is ever handed to the new one.
 */
export async function repin(
  store: TrustStore,
  req: { origin: string; fingerprint: string; replaces: string },
  dropSecrets: (origin: string) => void,
  probe: (origin: string) => Promise<PeerCertificate> = probeCertificate,
): Promise<OpenResult> {
  const { origin, fingerprint, replaces } = req;
  let cert: PeerCertificate;
  try {
    cert = await probe(origin);
  } catch (err) {
    return { status: 'unreachable', origin, message: (err as Error).message };
  }
  if (store.pinned(origin)?.fingerprint !== replaces)
    return {
      status: 'invalid',
      message: `The pin of ${new URL(origin).host} changed meanwhile. Open its link again.`,
    };
  if (cert.fingerprint !== fingerprint) {
    return {
      status: 'mismatch',
      origin,
      expected: fingerprint,
      actual: cert.fingerprint,
      message: `The hub's certificate changed again while you were deciding. Nothing was changed; not connecting.`,
    };
  }
  dropSecrets(origin);
  return { status: 'trusted', hub: store.pin(origin, cert) };
}
