import { randomUUID } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import { ErrorCode } from '../../../protocol/relay.js';
import type { VerifyResult, VoiceClaims } from './model.js';

const ISSUER = 'backline-hub';
const AUDIENCE = 'backline-relay';
/** How long a voice token can be used for a handshake. */
export const VOICE_TOKEN_TTL_S = 60;

/** Signs a short-lived, single-use voice token (HS256, with a random `jti`) for one member of one room. */
export async function signVoiceToken(
  secret: Uint8Array,
  c: VoiceClaims,
  ttlSeconds = VOICE_TOKEN_TTL_S,
): Promise<{ token: string; expiresAt: number }> {
  const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
  const token = await new SignJWT({ room: c.roomId, name: c.username, host: c.host })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(c.userId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(secret);
  return { token, expiresAt: expiresAt * 1000 };
}

/** Checks signature, issuer, audience and expiry; returns the claims or the relay error to send. */
export async function verifyVoiceToken(secret: Uint8Array, token: string): Promise<VerifyResult> {
  if (token.length > 1024)
    return { ok: false, code: ErrorCode.BadToken, message: 'token too long' };
  try {
    const { payload } = await jwtVerify(token, secret, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const userId = Number(payload.sub);
    if (
      !Number.isInteger(userId) ||
      userId <= 0 ||
      typeof payload.room !== 'string' ||
      typeof payload.name !== 'string' ||
      typeof payload.jti !== 'string' ||
      payload.jti.length > 64 ||
      typeof payload.exp !== 'number'
    ) {
      return { ok: false, code: ErrorCode.BadToken, message: 'token claims are malformed' };
    }
    return {
      ok: true,
      claims: {
        userId,
        roomId: payload.room,
        username: payload.name,
        host: payload.host === true,
        jti: payload.jti,
        expiresAt: payload.exp * 1000,
      },
    };
  } catch (err) {
    if (err instanceof errors.JWTExpired)
      return {
        ok: false,
        code: ErrorCode.TokenExpired,
        message: 'token expired: ask the hub for a new one',
      };
    return {
      ok: false,
      code: ErrorCode.BadToken,
      message: 'token signature or claims are invalid',
    };
  }
}
