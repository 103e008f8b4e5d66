/**
 * The one way an error becomes a sentence for a person: the hub's API errors (with "try again
 * in N s" when the hub said when), the desktop app's IPC errors ({ code, message }), and any
 * other Error or value.
 */
export function formatError(err: unknown): string {
  if (err && typeof err === 'object') {
    const { message, retryAfter } = err as { message?: unknown; retryAfter?: unknown };
    if (typeof message === 'string') {
      // Electron prefixes a rejected invoke's message with where it came from.
      const text = message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '');
      return typeof retryAfter === 'number' && retryAfter > 0
        ? `${text} (try again in ${retryAfter} s)`
        : text;
    }
  }
  return String(err);
}
