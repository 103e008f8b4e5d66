import { create } from 'zustand';
import type { User } from '../../../protocol/api.js';
import {
  ApiError,
  HubClient,
  HubSocket,
  hubApi,
  normaliseHubUrl,
  type HubApi,
} from '../transport/index.js';
import { desktopBridge } from '../app/platform.js';

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
  /** Desktop: a trusted (pinned) hub was opened; sign in with the token main kept, if any. */
  openHub: (origin: string) => Promise<void>;
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
  const socket = new HubSocket(() => client.socketUrl('/ws'));
  // The hub closes a session's sockets when it is signed out elsewhere, revoked or expired.
  socket.onStatus((s) => {
    if (s === 'unauthorized' && useSession.getState().socket === socket)
      useSession.getState().expired();
  });
  return {
    phase: 'signed-in' as const,
    origin: client.origin,
    client,
    api: hubApi(client),
    socket,
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

  async openHub(origin) {
    const bridge = desktopBridge();
    if (!bridge) return;
    get().socket?.close();
    set({ phase: 'restoring', origin, client: null, api: null, socket: null, user: null });
    const { token } = await bridge.invoke('session.get', { origin });
    if (token) {
      const client = new HubClient(origin, { kind: 'bearer', token });
      try {
        const user = await hubApi(client).me();
        set(signedIn(client, user));
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401)
          await bridge.invoke('session.set', { origin, token: null });
        else {
          set({ phase: 'signed-out', origin, error: describeError(err) });
          return;
        }
      }
    }
    set({ phase: 'signed-out', origin, error: null });
  },

  async signIn(mode, hub, username, password) {
    set({ busy: true, error: null });
    try {
      const origin = normaliseHubUrl(hub);
      const bridge = desktopBridge();
      // Browser: the hub sets the HttpOnly cookie; the token in the answer is not kept.
      // Desktop: main keeps the bearer token (encrypted) and hands it back on the next start.
      const client = new HubClient(origin, { kind: 'cookie' });
      const api = hubApi(client);
      const answer =
        mode === 'register'
          ? await api.register(username, password)
          : await api.login(username, password);
      if (bridge) {
        await bridge.invoke('session.set', { origin, token: answer.token });
        set(signedIn(new HubClient(origin, { kind: 'bearer', token: answer.token }), answer.user));
        return;
      }
      set(signedIn(client, answer.user));
    } catch (err) {
      set({ busy: false, error: describeError(err) });
    }
  },

  async signOut() {
    const { api, socket, origin } = get();
    socket?.close();
    try {
      await api?.logout();
    } catch {
      // Already signed out on the hub: nothing to undo.
    }
    const bridge = desktopBridge();
    if (bridge && origin)
      await bridge.invoke('session.set', { origin, token: null }).catch(() => {});
    set({ phase: 'signed-out', client: null, api: null, socket: null, user: null, busy: false });
  },

  expired() {
    get().socket?.close();
    const origin = get().origin;
    const bridge = desktopBridge();
    if (bridge && origin)
      void bridge.invoke('session.set', { origin, token: null }).catch(() => {});
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
