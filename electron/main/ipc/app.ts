import type { Desktop } from '../desktop.js';
import { isExternalUrlAllowed } from '../policy.js';

/** OS notifications and the system browser. */
export function appHandlers(
  d: Desktop,
  notify: (title: string, body: string) => void,
  openExternal: (url: string) => Promise<void> | void,
): void {
  d.router.handle('app.notify', ({ title, body }) => {
    notify(title, body);
    return { ok: true as const };
  });
  d.router.handle('app.openExternal', async ({ url }) => {
    if (!isExternalUrlAllowed(url)) throw new Error('only http(s) links open in the browser');
    await openExternal(url);
    return { ok: true as const };
  });
}
