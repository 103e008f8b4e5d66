// The one handler helper: every IPC call from a renderer passes through `dispatch`, which checks
// the sender, parses the arguments with the contract's schema, and only then runs the handler.
// It never throws: it answers an IpcReply, the value or a coded error (protocol/ipc/errors.ts).
// Electron-free, so the e2e harness and the tests run it in plain Node (ipcMain is wired to it
// in electron/main/shell/ipcBridge.ts, the only file that touches ipcMain).
import type { z } from 'zod';
import {
  INVOKE_CHANNELS,
  IpcError,
  errorReply,
  invokeSchemas,
  okReply,
  type InvokeChannel,
  type IpcReply,
} from '../../../protocol/ipc.js';
import type { Handler, HandlerMap } from './types.js';

/** Who sent an IPC message: the URL of the sending frame, and whether it is the top frame. */
export interface SenderInfo {
  url: string;
  isMainFrame: boolean;
}

const isChannel = (c: string): c is InvokeChannel =>
  (INVOKE_CHANNELS as readonly string[]).includes(c);

function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`)
    .join('; ');
}

export class IpcRouter {
  private readonly handlers = new Map<InvokeChannel, (...args: unknown[]) => unknown>();

  /** `trusted` decides whether a sender may call main at all (the app's own top frame only). */
  constructor(
    private readonly trusted: (sender: SenderInfo) => boolean,
    private readonly onFailure: (channel: string, err: unknown) => void = () => {},
  ) {}

  handle<C extends InvokeChannel>(channel: C, fn: Handler<C>): void {
    if (this.handlers.has(channel)) throw new Error(`IPC channel ${channel} is handled twice`);
    this.handlers.set(channel, fn as (...args: unknown[]) => unknown);
  }

  /** Every channel's handler at once (a complete map: handlers.ts). */
  handleAll(map: HandlerMap): void {
    for (const channel of INVOKE_CHANNELS) this.handle(channel, map[channel]);
  }

  /** Channels of the contract without a handler (a wiring mistake; checked at start and in tests). */
  missing(): InvokeChannel[] {
    return INVOKE_CHANNELS.filter((c) => !this.handlers.has(c));
  }

  async dispatch(sender: SenderInfo, channel: string, args: unknown): Promise<IpcReply<unknown>> {
    try {
      return okReply(await this.run(sender, channel, args));
    } catch (err) {
      return errorReply(err);
    }
  }

  private async run(sender: SenderInfo, channel: string, args: unknown): Promise<unknown> {
    if (!isChannel(channel)) throw new IpcError('unknown_channel', `no IPC channel "${channel}"`);
    if (!sender.isMainFrame || !this.trusted(sender)) {
      throw new IpcError(
        'untrusted_sender',
        `IPC from ${sender.url || 'an unknown frame'} refused`,
      );
    }
    const parsed = invokeSchemas[channel][0].safeParse(args);
    if (!parsed.success) {
      throw new IpcError('bad_arguments', `${channel}: ${describeIssues(parsed.error)}`);
    }
    const fn = this.handlers.get(channel);
    if (!fn) throw new IpcError('unknown_channel', `IPC channel ${channel} has no handler`);
    try {
      return await fn(...(parsed.data as unknown[]));
    } catch (err) {
      this.onFailure(channel, err);
      throw err;
    }
  }
}
