// Public entry: the hub's HTTP and WebSocket API, as zod schemas and their types. The hub
// validates every request with them and generates its OpenAPI document from them; the
// renderer and the desktop app take their types (the renderer type-only: it carries no zod).
export * from './api/errors.js';
export * from './api/auth.js';
export * from './api/health.js';
export * from './api/patchbay.js';
export * from './api/reach.js';
export * from './api/recording.js';
export * from './api/rooms.js';
export * from './api/voice.js';
