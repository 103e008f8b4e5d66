import type {
  JackGraph,
  ChatMessage,
  Member,
  RoomDetail,
  WsServerMessage,
} from '../../../protocol/api.js';
import { applyGraphDelta, isPatchMode, normalizeGraph } from '../../../protocol/rules.js';
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
  /** The hub's version of `graph`: a `graph_delta` applies only to the version it names. */
  graphSeq: number;
  /** A delta was missed: the graph is old until the whole one (asked with `refresh`) comes. */
  graphStale: boolean;
  banner: Banner | null;
  /** Closed, expired, or this player was kicked or banned: the room is over for them. */
  ended: boolean;
  subscribed: boolean;
  /** The last error the hub sent about this room. */
  error: string | null;
  /** The room is being recorded (the REC indicator), and who started it. */
  recording: { id: string; startedBy: string } | null;
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
    graphSeq: 0,
    graphStale: false,
    recording: null,
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
export function reduceRoom(view: RoomView, message: WsServerMessage): RoomView {
  if (!('room_id' in message) || message.room_id !== view.roomId) return view;
  switch (message.type) {
    case 'subscribed':
      return { ...view, subscribed: true, error: null };
    case 'participants':
      return {
        ...view,
        members: message.members,
        detail: view.detail
          ? {
              ...view.detail,
              members: message.members,
              participant_count: message.members.length,
              connected_count: message.members.filter((x) => x.connected).length,
            }
          : view.detail,
      };
    case 'graph':
      // Normalised against the graph shown: what did not change keeps its identity.
      return {
        ...view,
        graph: normalizeGraph(message.data, view.graph),
        graphVersion: view.graphVersion + 1,
        graphSeq: message.seq,
        graphStale: false,
      };
    case 'graph_delta':
      if (view.graphStale) return view; // the whole graph is on its way
      if (message.prev !== view.graphSeq) return { ...view, graphStale: true };
      return {
        ...view,
        graph: applyGraphDelta(view.graph, message.delta),
        graphVersion: view.graphVersion + 1,
        graphSeq: message.seq,
      };
    case 'chat':
      return { ...view, chat: mergeChat(view.chat, [message.message]) };
    case 'chat_history':
      return { ...view, chat: mergeChat(view.chat, message.messages) };
    case 'error':
      return { ...view, error: message.message };
    case 'recording':
      // The hub's message is the consent notice: it names who started the recording.
      return {
        ...view,
        recording:
          message.state === 'recording'
            ? { id: message.recording_id, startedBy: message.started_by }
            : null,
        banner: { tone: message.state === 'recording' ? 'warn' : 'info', text: message.message },
      };
    case 'room_state': {
      const ended = ENDED_TEXT[message.state];
      if (ended !== undefined)
        return {
          ...view,
          ended: true,
          subscribed: false,
          // "The hub is shutting down" says more than "the host closed this room".
          banner: {
            tone: 'ended',
            text: message.state === 'closed' && message.message ? message.message : ended,
          },
        };
      const detail = view.detail ? { ...view.detail } : null;
      if (detail) {
        if (message.state === 'locked') detail.locked = true;
        if (message.state === 'unlocked') detail.locked = false;
        if (message.expires_at) detail.expires_at = message.expires_at;
        if (isPatchMode(message.patch_mode)) detail.patch_mode = message.patch_mode;
      }
      // A refused connection is someone's misconfigured jacktrip: worth a desktop notification.
      const tone: BannerTone =
        message.state === 'expiring' || message.state === 'refused_name' ? 'warn' : 'info';
      return { ...view, detail, banner: { tone, text: message.message || message.state } };
    }
  }
}
