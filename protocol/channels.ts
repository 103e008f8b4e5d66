// Public entry, without zod: the IPC channel names and the app's own URL schemes. The
// sandboxed preload imports only this, so it stays a few kilobytes.
export * from './ipc/channels.js';
