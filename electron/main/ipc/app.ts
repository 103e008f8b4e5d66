import { IpcError } from '../../../protocol/ipc.js';
import { isExternalUrlAllowed } from '../policy.js';
import type { DesktopServices } from '../services.js';
import type { ChannelsOf, Handlers } from './types.js';

/** OS notifications and the system browser. */
export function appHandlers(s: DesktopServices): Handlers<ChannelsOf<'app'>> {
  return {
    'app.notify': ({ title, body }) => {
      s.notify(title, body);
      return { ok: true as const };
    },
    'app.openExternal': async ({ url }) => {
      if (!isExternalUrlAllowed(url))
        throw new IpcError('refused', 'only http(s) links open in the browser');
      await s.openExternal(url);
      return { ok: true as const };
    },
  };
}
