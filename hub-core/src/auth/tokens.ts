import { createHash, randomBytes } from 'node:crypto';

/** A new session token (256 random bits, base64url) and the hash that is all the hub stores. */
export function newSessionToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A short public id for a session (shown in the session list, used to revoke it). */
export function newSessionId(): string {
  return randomBytes(12).toString('base64url');
}

/** Accepts exactly the shape newSessionToken produces; anything else is not worth a lookup. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
