export { hubApi, type HubApi } from './api.js';
export {
  ApiError,
  HubClient,
  normaliseHubUrl,
  type HubAuth,
  type HubClientOptions,
} from './http.js';
export { HubSocket, parseServerMessage, type SocketStatus } from './socket.js';
