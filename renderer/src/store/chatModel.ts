import type { ChatMessage } from '../../../protocol/api.js';

/** How many messages a room view keeps. */
export const CHAT_KEEP = 500;

/**
 * Merges history and live messages: ordered by the hub's id (its insertion order), each
 * message once, the newest CHAT_KEEP kept. History may arrive after live messages on a
 * reconnect; the order still comes out right.
 */
export function mergeChat(
  current: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): ChatMessage[] {
  if (incoming.length === 0) return current as ChatMessage[];
  const last = current[current.length - 1];
  // The common case: one new message after the last one.
  if (incoming.length === 1 && last && incoming[0]!.id > last.id) {
    const next = [...current, incoming[0]!];
    return next.length > CHAT_KEEP ? next.slice(next.length - CHAT_KEEP) : next;
  }
  const byId = new Map<number, ChatMessage>();
  for (const m of current) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  const all = [...byId.values()].sort((a, b) => a.id - b.id);
  return all.length > CHAT_KEEP ? all.slice(all.length - CHAT_KEEP) : all;
}
