import type { FastifyReply, FastifyRequest } from 'fastify';
import { Forbidden } from '../errors.js';

/**
 * Browser sessions. The hub's web UI never sees its token in script: the hub sets it as an
 * HttpOnly, SameSite=Strict cookie on login and register (API clients keep using the bearer
 * token from the body and may ignore the cookie). Requests that authenticate by cookie and
 * change something must come from the hub's own origin.
 */
export const SESSION_COOKIE = 'backline_session';

const COOKIE_VALUE = /^[A-Za-z0-9_-]{1,128}$/;

/** One cookie's value from a Cookie header, or undefined. Malformed pairs are skipped. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return COOKIE_VALUE.test(value) ? value : undefined;
  }
  return undefined;
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  const attrs = [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
  ];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

export function cookieToken(request: FastifyRequest): string | undefined {
  const h = request.headers.cookie;
  return readCookie(typeof h === 'string' ? h : undefined, SESSION_COOKIE);
}

/**
 * Defence in depth beside SameSite=Strict: a cookie-authenticated request that carries an
 * Origin must name this hub exactly: scheme, host and port (an http:// page of the same host
 * is another origin). The scheme is the one the request arrived by (X-Forwarded-Proto only
 * when HUB_TRUST_PROXY is set).
 */
export function checkSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (!sameOrigin(origin, request.protocol, request.headers.host))
    throw new Forbidden('Cross-site request refused');
}

/** Pure: does an Origin header name the hub reached by `protocol` at `host`? */
export function sameOrigin(origin: string, protocol: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    // URL drops default ports, so "https://h" and host "h:443" agree.
    return new URL(origin).origin === new URL(`${protocol}://${host}`).origin;
  } catch {
    return false;
  }
}

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  expiresAtIso: string,
  secure: boolean,
): void {
  const maxAge = (Date.parse(expiresAtIso) - Date.now()) / 1000;
  reply.header('set-cookie', sessionCookie(token, maxAge, secure));
}
