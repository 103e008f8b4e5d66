import { create } from 'zustand';
import type { User } from '../../../hub-core/src/protocol/auth.js';
import {
  ApiError,
  HubClient,
  HubSocket,
  hubApi,
  normaliseHubUrl,
  type HubApi,
} from '../transport/index.js';

export type SessionPhase = 'restoring' | 'signed-out' | 'signed-in';

interface SessionState {
  phase: SessionPhase;
  origin: string | null;
  client: HubClient | null;
  api: HubApi | null;
  socket: HubSocket | null;
  user: User | null;
  busy: boolean;
  error: string | null;
  /** Picks up an existing browser session (the hub's cookie), if any. */
  restore: (origin: string) => Promise<void>;
  signIn: (
    mode: 'login' | 'register',
    hub: string,
    username: string,
    password: string,
  ) => Promise<void>;
  signOut: () => Promise<void>;
  /** The hub said this session is gone (401): back to the connect screen. */
  expired: () => void;
}

export const describeError = (err: unknown): string =>
  err instanceof ApiError
    ? err.retryAfter
      ? `${err.message} (try again in ${err.retryAfter} s)`
      : err.message
    : err instanceof Error
      ? err.message
      : String(err);

function signedIn(client: HubClient, user: User) {
  return {
    phase: 'signed-in' as const,
    origin: client.origin,
    client,
    api: hubApi(client),
    socket: new HubSocket(client.socketUrl('/ws')),
    user,
    busy: false,
    error: null,
  };
}

export const useSession = create<SessionState>()((set, get) => ({
  phase: 'restoring',
  origin: null,
  client: null,
  api: null,
  socket: null,
  user: null,
  busy: false,
  error: null,

  async restore(origin) {
    const client = new HubClient(origin, { kind: 'cookie' });
    try {
      const user = await hubApi(client).me();
      set(signedIn(client, user));
    } catch (err) {
      const unreachable = err instanceof ApiError && err.status === 0;
      set({
        phase: 'signed-out',
        origin,
        error: unreachable ? describeError(err) : null,
      });
    }
  },

  async signIn(mode, hub, username, password) {
    set({ busy: true, error: null });
    try {
      const origin = normaliseHubUrl(hub);
      // Browser: the hub sets the HttpOnly cookie; the token in the answer is not kept.
      const client = new HubClient(origin, { kind: 'cookie' });
      const api = hubApi(client);
      const answer =
        mode === 'register'
          ? await api.register(username, password)
          : await api.login(username, password);
      set(signedIn(client, answer.user));
    } catch (err) {
      set({ busy: false, error: describeError(err) });
    }
  },

  async signOut() {
    const { api, socket } = get();
    socket?.close();
    try {
      await api?.logout();
    } catch {
      // Already signed out on the hub: nothing to undo.
    }
    set({ phase: 'signed-out', client: null, api: null, socket: null, user: null, busy: false });
  },

  expired() {
    get().socket?.close();
    set({
      phase: 'signed-out',
      client: null,
      api: null,
      socket: null,
      user: null,
      error: 'Your session ended. Sign in again.',
    });
  },
}));
