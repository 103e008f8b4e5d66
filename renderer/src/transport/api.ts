import type {
  AuthResponse,
  User,
  JackGraph,
  ChatMessage,
  CreateRoomBody,
  JoinAnswer,
  RoomDetail,
  RoomSummary,
} from '../../../protocol/api.js';
import type { PatchMode } from '../../../protocol/rules.js';
import type { HubClient } from './http.js';

/** The hub's HTTP API, typed from the shared protocol's schemas. */
export function hubApi(c: HubClient) {
  const id = encodeURIComponent;
  return {
    register: (username: string, password: string) =>
      c.request<AuthResponse>('POST', '/auth/register', { username, password }),
    login: (username: string, password: string) =>
      c.request<AuthResponse>('POST', '/auth/login', { username, password }),
    logout: () => c.request<void>('POST', '/auth/logout'),
    me: () => c.request<User>('GET', '/auth/me'),
    rooms: () => c.request<RoomSummary[]>('GET', '/rooms'),
    createRoom: (body: Partial<CreateRoomBody> & { name: string }) =>
      c.request<RoomDetail>('POST', '/rooms', body),
    room: (roomId: string) => c.request<RoomDetail>('GET', `/rooms/${id(roomId)}`),
    join: (roomId: string, passphrase?: string) =>
      c.request<JoinAnswer>(
        'POST',
        `/rooms/${id(roomId)}/join`,
        passphrase === undefined ? {} : { passphrase },
      ),
    leave: (roomId: string) => c.request<unknown>('POST', `/rooms/${id(roomId)}/leave`, {}),
    lock: (roomId: string, locked: boolean) =>
      c.request<unknown>('POST', `/rooms/${id(roomId)}/lock`, { locked }),
    kick: (roomId: string, userId: number) =>
      c.request<unknown>('POST', `/rooms/${id(roomId)}/kick`, { user_id: userId }),
    ban: (roomId: string, userId: number) =>
      c.request<unknown>('POST', `/rooms/${id(roomId)}/ban`, { user_id: userId }),
    close: (roomId: string) => c.request<unknown>('POST', `/rooms/${id(roomId)}/close`, {}),
    patchMode: (roomId: string, mode: PatchMode) =>
      c.request<unknown>('POST', `/rooms/${id(roomId)}/patch-mode`, { patch_mode: mode }),
    chat: (roomId: string, body: string) =>
      c.request<ChatMessage>('POST', `/rooms/${id(roomId)}/chat`, { body }),
    graph: (roomId: string) => c.request<JackGraph>('GET', `/jack/graph?room_id=${id(roomId)}`),
    connect: (roomId: string, source: string, dest: string) =>
      c.request<unknown>('POST', '/jack/connect', { room_id: roomId, source, dest }),
    disconnect: (roomId: string, source: string, dest: string) =>
      c.request<unknown>('POST', '/jack/disconnect', { room_id: roomId, source, dest }),
  };
}
export type HubApi = ReturnType<typeof hubApi>;
