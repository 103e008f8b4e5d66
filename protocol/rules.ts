// Public entry, without zod: the rules the hub, the desktop app and the renderer share (patch
// modes, room ids and the app's routes, how a player's JACK client is named). The renderer
// takes values only from here and from channels.ts, so its bundle carries no zod.
export * from './rules/patchMode.js';
export * from './rules/players.js';
export * from './rules/routes.js';
export * from './rules/graphDelta.js';
