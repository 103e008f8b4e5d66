// The preload: contextBridge only. `window.backline` offers exactly the contract's channels;
// its calls answer main's IpcReply as it is (the renderer's desktopApi unwraps it). A voice
// session's MessagePort, sent by main, is handed on to the page with window.postMessage.
import { contextBridge, ipcRenderer } from 'electron';
import {
  INVOKE_CHANNELS,
  PUSH_CHANNELS,
  VOICE_PORT_MESSAGE,
  VOICE_PORT_WIRE,
  invokeWire,
  pushWire,
  type InvokeChannel,
  type PushChannel,
} from '../../protocol/channels.js';
// Types only (erased): the schemas and zod stay out of the sandboxed preload.
import type { BacklineBridge } from '../../protocol/ipc.js';

const invokeSet = new Set<string>(INVOKE_CHANNELS);
const pushSet = new Set<string>(PUSH_CHANNELS);

const api: BacklineBridge = {
  kind: 'desktop',
  invoke: ((channel: InvokeChannel, ...args: unknown[]) => {
    if (!invokeSet.has(channel))
      return Promise.resolve({
        ok: false,
        error: { code: 'unknown_channel', message: `no IPC channel "${channel}"` },
      });
    return ipcRenderer.invoke(invokeWire(channel), ...args);
  }) as BacklineBridge['invoke'],
  on: ((channel: PushChannel, listener: (payload: unknown) => void) => {
    if (!pushSet.has(channel)) throw new Error(`no push channel ${channel}`);
    const wrapped = (_e: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(pushWire(channel), wrapped);
    return () => {
      ipcRenderer.removeListener(pushWire(channel), wrapped);
    };
  }) as BacklineBridge['on'],
};

contextBridge.exposeInMainWorld('backline', api);

// Ports can't cross contextBridge: the page takes it from a message to its own window.
ipcRenderer.on(VOICE_PORT_WIRE, (e) => {
  window.postMessage(VOICE_PORT_MESSAGE, '*', e.ports);
});
