/**
 * The one way an error becomes a sentence for a person: the hub's API errors (ApiError, with
 * "try again in N s" when the hub said when), the desktop app's coded IPC errors (IpcError, or
 * a bare { code, message } body: main writes the message for the person), and any other Error
 * or value.
 */
export function formatError(err: unknown): string {
  if (err && typeof err === 'object') {
    const { message, retryAfter } = err as { message?: unknown; retryAfter?: unknown };
    if (typeof message === 'string')
      return typeof retryAfter === 'number' && retryAfter > 0
        ? `${message} (try again in ${retryAfter} s)`
        : message;
  }
  return String(err);
}
