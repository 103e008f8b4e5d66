import type {
  AuthResponse,
  User,
  JackGraph,
  ChatMessage,
  CreateRoomBody,
  JoinAnswer,
  RecordingList,
  RecordingStatus,
  RoomDetail,
  RoomSummary,
} from '../../../protocol/api.js';
import type { PatchMode } from '../../../protocol/rules.js';
import type { HubClient } from './http.js';

/** The hub's HTTP API, typed from the shared protocol's schemas. */
export function hubApi(client: HubClient) {
  const id = encodeURIComponent;
  return {
    register: (username: string, password: string) =>
      client.request<AuthResponse>('POST', '/auth/register', { username, password }),
    login: (username: string, password: string) =>
      client.request<AuthResponse>('POST', '/auth/login', { username, password }),
    logout: () => client.request<void>('POST', '/auth/logout'),
    me: () => client.request<User>('GET', '/auth/me'),
    rooms: () => client.request<RoomSummary[]>('GET', '/rooms'),
    createRoom: (body: Partial<CreateRoomBody> & { name: string }) =>
      client.request<RoomDetail>('POST', '/rooms', body),
    room: (roomId: string) => client.request<RoomDetail>('GET', `/rooms/${id(roomId)}`),
    join: (roomId: string, passphrase?: string) =>
      client.request<JoinAnswer>(
        'POST',
        `/rooms/${id(roomId)}/join`,
        passphrase === undefined ? {} : { passphrase },
      ),
    leave: (roomId: string) => client.request<unknown>('POST', `/rooms/${id(roomId)}/leave`, {}),
    lock: (roomId: string, locked: boolean) =>
      client.request<unknown>('POST', `/rooms/${id(roomId)}/lock`, { locked }),
    kick: (roomId: string, userId: number) =>
      client.request<unknown>('POST', `/rooms/${id(roomId)}/kick`, { user_id: userId }),
    ban: (roomId: string, userId: number) =>
      client.request<unknown>('POST', `/rooms/${id(roomId)}/ban`, { user_id: userId }),
    close: (roomId: string) => client.request<unknown>('POST', `/rooms/${id(roomId)}/close`, {}),
    patchMode: (roomId: string, mode: PatchMode) =>
      client.request<unknown>('POST', `/rooms/${id(roomId)}/patch-mode`, { patch_mode: mode }),
    chat: (roomId: string, body: string) =>
      client.request<ChatMessage>('POST', `/rooms/${id(roomId)}/chat`, { body }),
    graph: (roomId: string) =>
      client.request<JackGraph>('GET', `/jack/graph?room_id=${id(roomId)}`),
    connect: (roomId: string, source: string, dest: string) =>
      client.request<unknown>('POST', '/jack/connect', { room_id: roomId, source, dest }),
    disconnect: (roomId: string, source: string, dest: string) =>
      client.request<unknown>('POST', '/jack/disconnect', { room_id: roomId, source, dest }),
    record: (roomId: string, action: 'start' | 'stop') =>
      client.request<RecordingStatus>('POST', `/rooms/${id(roomId)}/recording`, { action }),
    recordingStatus: (roomId: string) =>
      client.request<RecordingStatus>('GET', `/rooms/${id(roomId)}/recording`),
    roomRecordings: (roomId: string) =>
      client.request<RecordingList>('GET', `/rooms/${id(roomId)}/recordings`),
  };
}
export type HubApi = ReturnType<typeof hubApi>;
