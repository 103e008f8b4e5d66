// The preload: contextBridge only. `window.backline` offers exactly the contract's channels.
import { contextBridge, ipcRenderer } from 'electron';
import {
  INVOKE_CHANNELS,
  PUSH_CHANNELS,
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
    if (!invokeSet.has(channel)) return Promise.reject(new Error(`no IPC channel ${channel}`));
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
