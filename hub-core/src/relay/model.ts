import type { ErrorCode } from '../../../protocol/relay.js';

/** Who a valid voice token says its bearer is. */
export interface VoiceClaims {
  userId: number;
  username: string;
  roomId: string;
  host: boolean;
}

/** A verified token's claims, with its id and expiry (ms since the epoch) for single use. */
export interface VerifiedClaims extends VoiceClaims {
  jti: string;
  expiresAt: number;
}

export type VerifyResult =
  { ok: true; claims: VerifiedClaims } | { ok: false; code: ErrorCode; message: string };

export interface RelayLimits {
  /** A session must join its channel within this long after the handshake. Default 5000 ms. */
  handshakeTimeoutMs: number;
  /** A session without any packet (heartbeat) for this long is dropped. Default 30000 ms. */
  sessionTimeoutMs: number;
  /** Token bucket per session: sustained packets per second. Default 120 (audio is 50). */
  packetsPerSecond: number;
  /** Token bucket burst. Default 60. */
  burst: number;
  maxSessionsPerUser: number;
  maxSessionsPerRoom: number;
  /** Handshakes being verified at once, over all addresses. Default 64. */
  maxPendingHandshakes: number;
  /**
   * How long a frame may wait at the relay to share one AudioBundle with other speakers' frames,
   * for clients that read bundles. 0 sends every frame alone. Default 3 ms.
   */
  bundleWindowMs: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  handshakeTimeoutMs: 5000,
  sessionTimeoutMs: 30_000,
  packetsPerSecond: 120,
  burst: 60,
  maxSessionsPerUser: 2,
  maxSessionsPerRoom: 32,
  maxPendingHandshakes: 64,
  bundleWindowMs: 3,
};
