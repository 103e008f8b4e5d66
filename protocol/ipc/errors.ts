// Errors cross the IPC boundary as data, never as thrown exceptions: Electron's `invoke` would
// turn a thrown error into a string ("Error invoking remote method '…': Error: …") and drop
// its fields. Main answers every call with an IpcReply; the renderer's desktopApi
// (bridge.ts) unwraps it, throwing an IpcError with the same code and message.

/** Why a call failed. A closed set: the renderer may branch on it. */
export const IPC_ERROR_CODES = [
  /** No such channel in the contract (or no handler for it). */
  'unknown_channel',
  /** The caller is not the app's own top frame. */
  'untrusted_sender',
  /** The arguments do not match the contract's schema. */
  'bad_arguments',
  /** The call names a hub the person has not pinned. */
  'not_pinned',
  /** A request the app refuses by policy (a non-http(s) link to open outside, say). */
  'refused',
  /** The feature itself failed; the message says why, in words for the person. */
  'failed',
] as const;
export type IpcErrorCode = (typeof IPC_ERROR_CODES)[number];

export interface IpcErrorBody {
  code: IpcErrorCode;
  message: string;
}

export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: IpcErrorBody };

export class IpcError extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}

export const isIpcErrorCode = (c: unknown): c is IpcErrorCode =>
  typeof c === 'string' && (IPC_ERROR_CODES as readonly string[]).includes(c);

/** The reply for a value. */
export const okReply = <T>(value: T): IpcReply<T> => ({ ok: true, value });

/** The reply for anything thrown: an IpcError keeps its code, anything else is `failed`. */
export function errorReply(err: unknown): IpcReply<never> {
  if (err instanceof IpcError)
    return { ok: false, error: { code: err.code, message: err.message } };
  return {
    ok: false,
    error: { code: 'failed', message: err instanceof Error ? err.message : String(err) },
  };
}

/** The value of a reply, or an IpcError thrown with the reply's code and message. */
export function unwrapReply<T>(reply: IpcReply<T>): T {
  if (reply.ok) return reply.value;
  const { code, message } = reply.error;
  throw new IpcError(isIpcErrorCode(code) ? code : 'failed', String(message));
}
