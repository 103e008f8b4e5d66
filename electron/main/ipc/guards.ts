import { IpcError } from '../../../protocol/ipc.js';
import type { TrustStore } from '../trust.js';

/**
 * The one check that a call names a hub the person pinned: tokens, rooms, jacktrip and voice
 * are for pinned hubs only, so a page can't fish for another origin's secrets.
 */
export function requirePinned(trust: Pick<TrustStore, 'pinned'>, origin: string): void {
  if (!trust.pinned(origin)) throw new IpcError('not_pinned', `${origin} is not a trusted hub`);
}

/** Whether a hub is pinned, for the calls that answer "nothing" rather than refuse. */
export const isPinned = (trust: Pick<TrustStore, 'pinned'>, origin: string): boolean =>
  !!trust.pinned(origin);
