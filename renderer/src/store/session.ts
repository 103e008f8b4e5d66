import { createStore } from 'zustand/vanilla';
import type { User } from '../../../protocol/api.js';
import { formatError } from '../lib/errors.js';
import type { HubAuth, Platform } from '../lib/platform.js';
import { managed, type ManagedStore } from '../lib/store.js';
import {
  ApiError,
  HubClient,
  HubSocket,
  hubApi,
  normaliseHubUrl,
  type HubApi,
} from '../transport/index.js';

export type SessionPhase = 'restoring' | 'signed-out' | 'signed-in';

export interface SessionState {
  phase: SessionPhase;
  origin: string | null;
  client: HubClient | null;
  api: HubApi | null;
  socket: HubSocket | null;
  user: User | null;
  busy: boolean;
  error: string | null;
  /** Opens a hub with the session the platform kept for it, if any (else: sign in). */
  open: (origin: string) => Promise<void>;
  signIn: (
    mode: 'login' | 'register',
    hub: string,
    username: string,
    password: string,
  ) => Promise<void>;
  signOut: () => Promise<void>;
  /** Back to choosing a hub ("Switch hub"); its socket closes too. */
  leaveHub: () => void;
}

export type SessionStore = ManagedStore<SessionState>;

const NO_SESSION = { client: null, api: null, socket: null, user: null } as const;

/**
 * Who is signed in to which hub. Started, it opens the hub that served the page (a browser);
 * the desktop app's page waits for a hub to be hosted or opened. Stopped, its socket closes.
 */
export function createSessionStore(deps: { platform: Platform }): SessionStore {
  const { platform } = deps;
  let running = false;

  const store = createStore<SessionState>()((set, get) => {
    /** The hub said this session is gone (a 401, or the socket's 4401): sign in again. */
    const ended = (client: HubClient) => {
      if (get().client !== client) return;
      get().socket?.close();
      void platform.forgetSession(client.origin);
      set({ phase: 'signed-out', ...NO_SESSION, error: 'Your session ended. Sign in again.' });
    };

    const signedIn = (origin: string, auth: HubAuth, user: User) => {
      // The client reports a 401 once, and the hub closes a session's sockets when it is
      // signed out elsewhere, revoked or expired: either ends the session here.
      const client: HubClient = new HubClient(origin, auth, {
        onUnauthorized: () => ended(client),
      });
      const socket = new HubSocket(() => client.socketUrl('/ws'));
      socket.onStatus((s) => {
        if (s === 'unauthorized') ended(client);
      });
      set({
        phase: 'signed-in',
        origin,
        client,
        api: hubApi(client),
        socket,
        user,
        busy: false,
        error: null,
      });
    };

    return {
      phase: 'restoring',
      origin: null,
      ...NO_SESSION,
      busy: false,
      error: null,

      async open(origin) {
        get().socket?.close();
        set({ phase: 'restoring', origin, ...NO_SESSION });
        const auth = await platform.savedSession(origin);
        if (auth) {
          try {
            const user = await hubApi(new HubClient(origin, auth)).me();
            if (running && get().origin === origin) signedIn(origin, auth, user);
            return;
          } catch (err) {
            if (!(err instanceof ApiError && err.status === 401)) {
              set({ phase: 'signed-out', origin, error: formatError(err) });
              return;
            }
            await platform.forgetSession(origin);
          }
        }
        set({ phase: 'signed-out', origin, error: null });
      },

      async signIn(mode, hub, username, password) {
        set({ busy: true, error: null });
        try {
          const origin = normaliseHubUrl(hub);
          // In a browser the hub sets its HttpOnly cookie and the token in the answer is not
          // kept; the desktop app's main keeps it (encrypted) for the next start.
          const api = hubApi(new HubClient(origin, { kind: 'cookie' }));
          const answer =
            mode === 'register'
              ? await api.register(username, password)
              : await api.login(username, password);
          const auth = await platform.keepSession(origin, answer.token);
          if (running) signedIn(origin, auth, answer.user);
        } catch (err) {
          set({ busy: false, error: formatError(err) });
        }
      },

      async signOut() {
        const { api, socket, origin } = get();
        socket?.close();
        set({ phase: 'signed-out', ...NO_SESSION, busy: false });
        try {
          await api?.logout();
        } catch {
          // Already signed out on the hub: nothing to undo.
        }
        if (origin) await platform.forgetSession(origin);
      },

      leaveHub() {
        get().socket?.close();
        set({ phase: 'signed-out', origin: null, ...NO_SESSION, error: null });
      },
    };
  });

  return managed(store, {
    start() {
      running = true;
      const hub = platform.servingHub;
      if (hub) void store.getState().open(hub);
      else store.setState({ phase: 'signed-out' });
    },
    stop() {
      running = false;
      store.getState().socket?.close();
      store.setState({ phase: 'signed-out', ...NO_SESSION });
    },
  });
}
