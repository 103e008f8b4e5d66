// Public entry: the IPC contract between the renderer and the desktop app's main process (zod
// schemas of every channel's arguments, answers and pushes), with the channel names.
export * from './ipc/channels.js';
export * from './ipc/contract.js';
