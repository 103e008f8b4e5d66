// The renderer's side of the IPC: `desktopApi(window.backline)` turns what the preload exposes
// (replies as data, push channels) into calls that resolve their answer or throw an IpcError
// with its code, and carries voice frames over the session's MessagePort (voicePort.ts).
// zod-free (types only from the contract), so the UI's bundle stays small.
import { VOICE_PORT_MESSAGE, type InvokeChannel, type PushChannel } from './channels.js';
import type { InvokeArgs, InvokeResult, PushPayload } from './contract.js';
import { IpcError, unwrapReply, type IpcReply } from './errors.js';
import {
  decodeIncoming,
  encodeOutgoing,
  type IncomingVoiceFrame,
  type OutgoingVoiceFrame,
} from './voicePort.js';

/** What the preload exposes as `window.backline` (and the e2e harness stands in for). */
export interface BacklineBridge {
  readonly kind: 'desktop';
  /** Answers an IpcReply: main never throws across IPC. */
  invoke<C extends InvokeChannel>(
    channel: C,
    ...args: InvokeArgs<C>
  ): Promise<IpcReply<InvokeResult<C>>>;
  /** Subscribes to a push channel; returns the unsubscribe function. */
  on<C extends PushChannel>(channel: C, listener: (payload: PushPayload<C>) => void): () => void;
}

/** What the renderer hears: main's pushes, and `voice.frame` from the voice port. */
export type DesktopEvents = { [C in PushChannel]: PushPayload<C> } & {
  'voice.frame': IncomingVoiceFrame;
};
export type DesktopEvent = keyof DesktopEvents;

/** The desktop app as the renderer uses it. */
export interface DesktopApi {
  readonly kind: 'desktop';
  /** Resolves the answer, or throws an IpcError with main's code and message. */
  invoke<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<InvokeResult<C>>;
  /** Subscribes to a push channel, or to `voice.frame`; returns the unsubscribe function. */
  on<E extends DesktopEvent>(event: E, listener: (payload: DesktopEvents[E]) => void): () => void;
  /** Sends one microphone frame over the voice port; false while no voice session has one. */
  sendVoice(frame: OutgoingVoiceFrame): boolean;
}

/** The part of a MessagePort this uses (the DOM's, in the page). */
export interface VoicePortLike {
  postMessage(message: unknown): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  close(): void;
}

/** The page's window, where the preload posts the voice port. */
export interface PortWindow {
  addEventListener(
    type: 'message',
    listener: (e: { data: unknown; source: unknown; ports: readonly VoicePortLike[] }) => void,
  ): void;
}

function isReply(r: unknown): r is IpcReply<unknown> {
  return !!r && typeof r === 'object' && typeof (r as { ok?: unknown }).ok === 'boolean';
}

/**
 * Wraps the preload's `window.backline`. `win` is the page's window: a voice port arrives
 * there as a message from the window itself (the preload), and replaces the one before.
 */
export function desktopApi(preload: BacklineBridge, win: PortWindow): DesktopApi {
  const frameListeners = new Set<(f: IncomingVoiceFrame) => void>();
  let port: VoicePortLike | undefined;

  win.addEventListener('message', (e) => {
    if (e.source !== win || e.data !== VOICE_PORT_MESSAGE || !e.ports[0]) return;
    port?.close();
    const p = e.ports[0];
    port = p;
    p.onmessage = (m) => {
      const f = decodeIncoming(m.data);
      if (!f) return;
      for (const cb of frameListeners) cb(f);
    };
  });

  const invoke = async <C extends InvokeChannel>(
    channel: C,
    ...args: InvokeArgs<C>
  ): Promise<InvokeResult<C>> => {
    let reply: unknown;
    try {
      reply = await preload.invoke(channel, ...args);
    } catch (err) {
      // Only the transport itself can throw (the app is quitting, say).
      throw new IpcError('failed', err instanceof Error ? err.message : String(err));
    }
    if (!isReply(reply)) throw new IpcError('failed', `no answer to ${channel}`);
    return unwrapReply(reply as IpcReply<InvokeResult<C>>);
  };

  const on = <E extends DesktopEvent>(
    event: E,
    listener: (payload: DesktopEvents[E]) => void,
  ): (() => void) => {
    if (event === 'voice.frame') {
      const cb = listener as (f: IncomingVoiceFrame) => void;
      frameListeners.add(cb);
      return () => void frameListeners.delete(cb);
    }
    return preload.on(event, listener as (p: unknown) => void);
  };

  return {
    kind: 'desktop',
    invoke,
    on,
    sendVoice(frame) {
      if (!port) return false;
      // Copied, not transferred: main's end is Electron's MessagePortMain, which loses a message
      // whose ArrayBuffer was transferred (the data arrives as null). A frame is ~100 bytes.
      port.postMessage(encodeOutgoing(frame));
      return true;
    },
  };
}
