// Public entry: the IPC contract between the renderer and the desktop app's main process (zod
// schemas of every channel's arguments, answers and pushes), with the channel names, the coded
// errors every reply may carry, and the voice port's frame codec.
export * from './ipc/channels.js';
export * from './ipc/contract.js';
export * from './ipc/errors.js';
export * from './ipc/voicePort.js';
export type { BacklineBridge } from './ipc/bridge.js';
