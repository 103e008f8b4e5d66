import type { XYPosition } from '@xyflow/react';
import { createStore } from 'zustand/vanilla';
import type { JoinAnswer, Recording, WsServerMessage } from '../../../protocol/api.js';
import { isPatchMode } from '../../../protocol/rules.js';
import { formatError } from '../lib/errors.js';
import { managed, type ManagedStore } from '../lib/store.js';
import { edgeId } from './graphModel.js';
import { emptyRoomView, reduceRoom, type RoomView } from './roomModel.js';
import { apiOf } from './rooms.js';
import type { SessionStore } from './session.js';

export type PatchRequestState = { op: 'connect' | 'disconnect'; error?: string };

export interface RoomState {
  view: RoomView | null;
  /** The last join answer: the JackTrip credentials this player connects with. */
  join: JoinAnswer | null;
  /** Patch requests sent and not yet reported back by the hub's graph, by edge id. */
  pending: Record<string, PatchRequestState>;
  /** Where the user dragged patchbay nodes (UI only). */
  positions: Record<string, XYPosition>;
  selectedEdges: Set<string>;
  actionError: string | null;
  busy: boolean;
  /** The room's live recording (elapsed, size) as last asked, and its finished recordings. */
  liveRecording: Recording | null;
  recordings: Recording[];

  open: (roomId: string) => Promise<void>;
  closeView: () => void;
  joinRoom: (passphrase?: string) => Promise<boolean>;
  leave: () => Promise<void>;
  sendChat: (body: string) => Promise<boolean>;
  hostAction: (
    action: 'lock' | 'unlock' | 'close' | 'kick' | 'ban' | 'mode',
    arg?: number,
  ) => Promise<void>;
  patch: (op: 'connect' | 'disconnect', source: string, dest: string) => Promise<void>;
  setPositions: (p: Record<string, XYPosition>) => void;
  resetLayout: () => void;
  selectEdges: (ids: Set<string>) => void;
  dismissBanner: () => void;
  /** The host starts or stops recording the room. */
  record: (action: 'start' | 'stop') => Promise<void>;
  /** Asks the hub for the live recording and the room's recordings. */
  refreshRecordings: () => Promise<void>;
}

export type RoomStore = ManagedStore<RoomState>;

/** Settles pending patch requests that the new graph fulfils. */
function settlePending(
  pending: Record<string, PatchRequestState>,
  view: RoomView,
): Record<string, PatchRequestState> {
  const present = new Set(view.graph.connections.map(([a, b]) => edgeId(a, b)));
  let changed = false;
  const next: Record<string, PatchRequestState> = {};
  for (const [id, p] of Object.entries(pending)) {
    const done = p.op === 'connect' ? present.has(id) : !present.has(id);
    if (done && !p.error) changed = true;
    else next[id] = p;
  }
  return changed ? next : pending;
}

/**
 * The room on screen: its state from the hub's WebSocket, chat, patch requests and the
 * patchbay's layout. Stopped, it stops following the room.
 */
export function createRoomStore(deps: { session: SessionStore }): RoomStore {
  const { session } = deps;
  /** Stops following the room's messages on the session's socket. */
  let unlisten: (() => void) | undefined;

  const store = createStore<RoomState>()((set, get) => {
    const onMessage = (m: WsServerMessage) => {
      const { view, pending } = get();
      if (!view) return;
      const next = reduceRoom(view, m);
      if (next === view) return;
      // A missed graph change: ask for the whole graph once.
      if (next.graphStale && !view.graphStale)
        session.getState().socket?.send({ type: 'refresh', room_id: next.roomId });
      set({
        view: next,
        pending: next.graph !== view.graph ? settlePending(pending, next) : pending,
      });
    };

    const run = async (fn: () => Promise<unknown>) => {
      set({ busy: true, actionError: null });
      try {
        await fn();
        set({ busy: false });
        return true;
      } catch (err) {
        set({ busy: false, actionError: formatError(err) });
        return false;
      }
    };

    return {
      view: null,
      join: null,
      pending: {},
      positions: {},
      selectedEdges: new Set(),
      actionError: null,
      busy: false,
      liveRecording: null,
      recordings: [],

      async open(roomId) {
        const socket = session.getState().socket;
        if (get().view?.roomId !== roomId) {
          get().closeView();
          set({
            view: emptyRoomView(roomId),
            positions: {},
            pending: {},
            selectedEdges: new Set(),
          });
        }
        try {
          const detail = await apiOf(session).room(roomId);
          set((s) => ({ view: s.view ? { ...s.view, detail, members: detail.members } : s.view }));
          if (socket && get().view?.roomId === roomId && (detail.you.member || detail.you.host)) {
            unlisten?.();
            unlisten = socket.onMessage(onMessage);
            socket.subscribe(roomId);
          }
        } catch (err) {
          set((s) => ({ view: s.view ? { ...s.view, error: formatError(err) } : s.view }));
        }
      },

      closeView() {
        const v = get().view;
        if (v) session.getState().socket?.unsubscribe(v.roomId);
        unlisten?.();
        unlisten = undefined;
        set({ view: null, join: null, actionError: null });
      },

      async joinRoom(passphrase) {
        const v = get().view;
        if (!v) return false;
        return run(async () => {
          const answer = await apiOf(session).join(v.roomId, passphrase);
          set({ join: answer });
          await get().open(v.roomId);
        });
      },

      async leave() {
        const v = get().view;
        if (!v) return;
        await run(() => apiOf(session).leave(v.roomId));
        get().closeView();
      },

      async sendChat(body) {
        const v = get().view;
        if (!v || !body.trim()) return false;
        // Over HTTP so the sender hears about a refusal (rate limit, too long) right here;
        // the message itself arrives back over the WebSocket like everyone else's.
        return run(() => apiOf(session).chat(v.roomId, body));
      },

      async hostAction(action, arg) {
        const v = get().view;
        if (!v) return;
        const api = apiOf(session);
        const id = v.roomId;
        await run(async () => {
          if (action === 'lock' || action === 'unlock') await api.lock(id, action === 'lock');
          else if (action === 'close') await api.close(id);
          else if (action === 'kick' && arg !== undefined) await api.kick(id, arg);
          else if (action === 'ban' && arg !== undefined) await api.ban(id, arg);
          else if (action === 'mode' && isPatchMode(arg)) await api.patchMode(id, arg);
          if (action === 'lock' || action === 'unlock' || action === 'mode') {
            const detail = await api.room(id);
            set((s) => ({ view: s.view ? { ...s.view, detail } : s.view }));
          }
        });
      },

      async patch(op, source, dest) {
        const v = get().view;
        if (!v) return;
        const id = edgeId(source, dest);
        set((s) => ({ pending: { ...s.pending, [id]: { op } } }));
        try {
          // The hub answers once JACK has made the change; the edge itself is drawn (or
          // removed) only when the graph update arrives over the WebSocket.
          await apiOf(session)[op](v.roomId, source, dest);
          // A no-op (already so) brings no graph update: settle against the graph we have.
          set((s) => ({ pending: s.view ? settlePending(s.pending, s.view) : s.pending }));
        } catch (err) {
          set((s) => ({ pending: { ...s.pending, [id]: { op, error: formatError(err) } } }));
        }
      },

      setPositions(p) {
        set((s) => ({ positions: { ...s.positions, ...p } }));
      },
      resetLayout() {
        set({ positions: {} });
      },
      selectEdges(ids) {
        set({ selectedEdges: ids });
      },
      dismissBanner() {
        set((s) => ({ view: s.view ? { ...s.view, banner: null } : s.view }));
      },
      async record(action) {
        const v = get().view;
        if (!v) return;
        await run(async () => {
          const r = await apiOf(session).record(v.roomId, action);
          set({ liveRecording: action === 'start' ? r.recording : null });
          await get().refreshRecordings();
        });
      },
      async refreshRecordings() {
        const v = get().view;
        if (!v) return;
        try {
          const api = apiOf(session);
          const [live, list] = await Promise.all([
            api.recordingStatus(v.roomId),
            api.roomRecordings(v.roomId),
          ]);
          set({ liveRecording: live.recording, recordings: list.recordings });
        } catch {
          // Not a member (yet), or the room ended: nothing to show.
        }
      },
    };
  });

  return managed(store, {
    start() {},
    stop() {
      store.getState().closeView();
    },
  });
}
