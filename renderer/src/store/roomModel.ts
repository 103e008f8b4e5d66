import type {
  JackGraph,
  ChatMessage,
  Member,
  RoomDetail,
  WsServerMessage,
} from '../../../protocol/api.js';
import { isPatchMode } from '../../../protocol/rules.js';
import { mergeChat } from './chatModel.js';

export type BannerTone = 'info' | 'warn' | 'ended';
export interface Banner {
  tone: BannerTone;
  text: string;
}

/** What the room screen shows, folded from the hub's WebSocket messages by `reduceRoom`. */
export interface RoomView {
  roomId: string;
  detail: RoomDetail | null;
  members: Member[];
  chat: ChatMessage[];
  graph: JackGraph;
  /** Bumped on every graph message, so views can tell a fresh graph from the same one. */
  graphVersion: number;
  banner: Banner | null;
  /** Closed, expired, or this player was kicked or banned: the room is over for them. */
  ended: boolean;
  subscribed: boolean;
  /** The last error the hub sent about this room. */
  error: string | null;
}

export const EMPTY_GRAPH: JackGraph = { clients: {}, connections: [] };

export function emptyRoomView(roomId: string, detail: RoomDetail | null = null): RoomView {
  return {
    roomId,
    detail,
    members: detail?.members ?? [],
    chat: [],
    graph: EMPTY_GRAPH,
    graphVersion: 0,
    banner: null,
    ended: false,
    subscribed: false,
    error: null,
  };
}

const ENDED_TEXT: Record<string, string> = {
  closed: 'The host closed this room.',
  expired: 'This room’s time is up: it has closed.',
  kicked: 'The host removed you from this room.',
  banned: 'The host removed you from this room and you can’t rejoin.',
  failed: 'This room’s audio server failed and the room has closed.',
};

/** Applies one hub message to a room's view. Messages for other rooms leave it unchanged. */
export function reduceRoom(v: RoomView, m: WsServerMessage): RoomView {
  if (!('room_id' in m) || m.room_id !== v.roomId) return v;
  switch (m.type) {
    case 'subscribed':
      return { ...v, subscribed: true, error: null };
    case 'participants':
      return {
        ...v,
        members: m.members,
        detail: v.detail
          ? {
              ...v.detail,
              members: m.members,
              participant_count: m.members.length,
              connected_count: m.members.filter((x) => x.connected).length,
            }
          : v.detail,
      };
    case 'graph':
      return { ...v, graph: m.data, graphVersion: v.graphVersion + 1 };
    case 'chat':
      return { ...v, chat: mergeChat(v.chat, [m.message]) };
    case 'chat_history':
      return { ...v, chat: mergeChat(v.chat, m.messages) };
    case 'error':
      return { ...v, error: m.message };
    case 'room_state': {
      const ended = ENDED_TEXT[m.state];
      if (ended !== undefined)
        return {
          ...v,
          ended: true,
          subscribed: false,
          // "The hub is shutting down" says more than "the host closed this room".
          banner: { tone: 'ended', text: m.state === 'closed' && m.message ? m.message : ended },
        };
      const detail = v.detail ? { ...v.detail } : null;
      if (detail) {
        if (m.state === 'locked') detail.locked = true;
        if (m.state === 'unlocked') detail.locked = false;
        if (m.expires_at) detail.expires_at = m.expires_at;
        if (isPatchMode(m.patch_mode)) detail.patch_mode = m.patch_mode;
      }
      // A refused connection is someone's misconfigured jacktrip: worth a desktop notification.
      const tone: BannerTone =
        m.state === 'expiring' || m.state === 'refused_name' ? 'warn' : 'info';
      return { ...v, detail, banner: { tone, text: m.message || m.state } };
    }
  }
}
