// Public entry, without zod: the renderer's side of the IPC. `desktopApi(window.backline, window)`
// gives calls that resolve or throw a coded IpcError, push events, and the voice port.
export * from './ipc/bridge.js';
export * from './ipc/errors.js';
export type { IncomingVoiceFrame, OutgoingVoiceFrame } from './ipc/voicePort.js';
