export { hubApi, type HubApi } from './api.js';
export { ApiError, HubClient, normaliseHubUrl, type HubAuth } from './http.js';
export { HubSocket, parseServerMessage, type SocketStatus } from './socket.js';
