// The only file that touches ipcMain: every invoke channel of the contract goes to the router
// (which checks the sender and parses the arguments); pushes go to the app's windows.
import { ipcMain, type BrowserWindow } from 'electron';
import { INVOKE_CHANNELS, invokeWire, pushWire } from '../../../protocol/ipc.js';
import type { IpcRouter, RendererPush } from '../ipc/router.js';

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
