// Environment-neutral contracts shared by the hub, the renderer and the Electron shell.
export * from './errors.js';
export * from './auth.js';
export * from './health.js';
export * from './patchbay.js';
export * from './reach.js';
export * from './rooms.js';
