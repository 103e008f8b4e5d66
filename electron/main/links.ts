// Share links: what "Host a jam" hands out and what "Join" accepts. Pure functions.
//   backline://192.168.1.20:8000/?fp=AA:BB:...            (opens the app)
//   backline://192.168.1.20:8000/room/<id>?fp=AA:BB:...   (opens a room)
//   https://192.168.1.20:8000/#fp=AA:BB:...               (a browser; the app accepts it too)
// A bare "host:port" or an https:// URL without a fingerprint is accepted as well; the app
// then asks the person to confirm the hub's certificate (trust on first use).
import { LINK_SCHEME } from '../../protocol/channels.js';
import { parseRoute } from '../../protocol/rules.js';

export interface ParsedLink {
  origin: string;
  /** The fingerprint the link vouches for, normalised (AA:BB:..., upper case). */
  fingerprint?: string;
  roomId?: string;
}

export type LinkResult = { ok: true; link: ParsedLink } | { ok: false; message: string };

/** Accepts AA:BB:.. or 64 hex digits, any case; returns AA:BB:.. or undefined. */
export function normaliseFingerprint(raw: string): string | undefined {
  const hex = raw.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/.{2}/g)!.join(':');
}

export function shareLinks(
  host: string,
  port: number,
  fingerprint: string,
): { share_link: string; web_link: string } {
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    share_link: `${LINK_SCHEME}://${h}:${port}/?fp=${fingerprint}`,
    web_link: `https://${h}:${port}/#fp=${fingerprint}`,
  };
}

export function parseLink(input: string): LinkResult {
  const raw = input.trim();
  if (!raw) return { ok: false, message: 'Paste the link your host sent you.' };
  if (raw.length > 2000) return { ok: false, message: 'That link is too long.' };
  let text = /^[a-z][a-z0-9+.-]*:/i.test(raw) && raw.includes('://') ? raw : `https://${raw}`;
  const scheme = text.slice(0, text.indexOf(':')).toLowerCase();
  if (scheme === LINK_SCHEME) text = 'https' + text.slice(scheme.length);
  else if (scheme === 'http')
    return {
      ok: false,
      message: 'That hub runs without encryption (http://). The app joins hubs over https only.',
    };
  else if (scheme !== 'https')
    return { ok: false, message: `A hub link starts with ${LINK_SCHEME}:// or https://.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'That is not a hub link.' };
  }
  if (!url.hostname) return { ok: false, message: 'The link names no hub.' };
  if (url.username || url.password)
    return { ok: false, message: 'A hub link carries no user name or password.' };

  const fromFragment = new URLSearchParams(url.hash.replace(/^#/, '')).get('fp');
  const fpRaw = url.searchParams.get('fp') ?? fromFragment;
  let fingerprint: string | undefined;
  if (fpRaw !== null) {
    fingerprint = normaliseFingerprint(fpRaw);
    if (!fingerprint)
      return {
        ok: false,
        message: 'The link’s certificate fingerprint is damaged. Ask the host for the link again.',
      };
  }
  const route = parseRoute(url.pathname);
  const roomId = route.name === 'room' ? route.roomId : undefined;
  return { ok: true, link: { origin: url.origin, fingerprint, roomId } };
}

/** The backline:// link among a launch's command-line arguments (Windows and Linux). */
export function linkFromArgv(argv: readonly string[]): string | undefined {
  return argv.find((a) => a.toLowerCase().startsWith(`${LINK_SCHEME}://`));
}
