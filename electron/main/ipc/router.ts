// The one handler helper: every IPC call from a renderer passes through `dispatch`, which checks
// the sender, parses the arguments with the contract's schema, and only then runs the handler.
// Electron-free, so the e2e harness and the tests run it in plain Node (ipcMain is wired to it
// in electron/main/shell/ipcBridge.ts, the only file that touches ipcMain).
import type { z } from 'zod';
import {
  INVOKE_CHANNELS,
  invokeSchemas,
  pushSchemas,
  type InvokeArgs,
  type InvokeChannel,
  type InvokeResult,
  type PushChannel,
  type PushPayload,
} from '../../../protocol/ipc.js';

/** Who sent an IPC message: the URL of the sending frame, and whether it is the top frame. */
export interface SenderInfo {
  url: string;
  isMainFrame: boolean;
}

export class IpcError extends Error {
  constructor(
    readonly code: 'unknown_channel' | 'untrusted_sender' | 'bad_arguments' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}

type Handler<C extends InvokeChannel> = (
  ...args: InvokeArgs<C>
) => Promise<InvokeResult<C>> | InvokeResult<C>;

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

  /** Channels of the contract without a handler (a wiring mistake; checked at start and in tests). */
  missing(): InvokeChannel[] {
    return INVOKE_CHANNELS.filter((c) => !this.handlers.has(c));
  }

  async dispatch(sender: SenderInfo, channel: string, args: unknown): Promise<unknown> {
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
      throw err instanceof Error ? err : new IpcError('failed', String(err));
    }
  }
}

export type PushSink = (channel: PushChannel, payload: unknown) => void;

/** Main → renderer events: validated against the contract, then handed to every window. */
export class RendererPush {
  private readonly sinks = new Set<PushSink>();

  attach(sink: PushSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  emit<C extends PushChannel>(channel: C, payload: PushPayload<C>): void {
    // A push that breaks the contract is main's bug: fail loudly in the caller.
    pushSchemas[channel].parse(payload);
    for (const s of this.sinks) {
      try {
        s(channel, payload);
      } catch {
        // A window that is going away must not stop the others.
      }
    }
  }
}
