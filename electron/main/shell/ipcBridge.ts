// The only file that touches ipcMain: every invoke channel of the contract goes to the router
// (which checks the sender and parses the arguments, and answers an IpcReply); pushes go to the
// app's windows; a voice session's MessagePort goes to the app's window.
import { ipcMain, MessageChannelMain, type BrowserWindow } from 'electron';
import { INVOKE_CHANNELS, VOICE_PORT_WIRE, invokeWire, pushWire } from '../../../protocol/ipc.js';
import type { IpcRouter } from '../ipc/router.js';
import type { RendererPush } from '../push.js';
import type { VoicePortOpener } from '../voicePort.js';

export function bridgeIpc(
  router: IpcRouter,
  push: RendererPush,
  windows: () => BrowserWindow[],
): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(invokeWire(channel), (event, ...args: unknown[]) => {
      const frame = event.senderFrame;
      return router.dispatch(
        { url: frame?.url ?? '', isMainFrame: !!frame && frame === frame.top },
        channel,
        args,
      );
    });
  }
  push.attach((channel, payload) => {
    for (const w of windows()) if (!w.isDestroyed()) w.webContents.send(pushWire(channel), payload);
  });
}

/** Opens a MessageChannelMain per voice session, and sends one end to the app's window. */
export function voicePortOpener(window: () => BrowserWindow | undefined): VoicePortOpener {
  return () => {
    const win = window();
    if (!win || win.isDestroyed()) return undefined;
    const { port1, port2 } = new MessageChannelMain();
    win.webContents.postMessage(VOICE_PORT_WIRE, null, [port2]);
    port1.start();
    return {
      post: (bytes) => port1.postMessage(bytes),
      onMessage: (listener) => port1.on('message', (e) => listener(e.data)),
      close: () => port1.close(),
    };
  };
}
