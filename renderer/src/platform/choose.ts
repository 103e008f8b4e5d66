import { desktopApi, type BacklineBridge, type PortWindow } from '../../../protocol/ipcClient.js';
import type { Platform } from '../lib/platform.js';
import { DesktopPlatform } from './desktop.js';
import { WebPlatform } from './web.js';

/** What choosePlatform looks at: the page's global object (the window). */
export interface PlatformEnv {
  backline?: unknown;
  location?: { protocol: string; origin: string };
  /** Where the preload posts the voice session's port (the window itself). */
  addEventListener?: PortWindow['addEventListener'];
}

/**
 * Decides once where this page runs. The desktop app's preload exposes `window.backline`
 * (kind 'desktop'), which protocol's desktopApi wraps; anything else is a browser page, whose
 * hub is the origin that served it.
 */
export function choosePlatform(env: PlatformEnv = globalThis): Platform {
  const preload = env.backline;
  const isDesktop =
    !!preload && typeof preload === 'object' && (preload as { kind?: unknown }).kind === 'desktop';
  if (isDesktop && env.addEventListener)
    return new DesktopPlatform(desktopApi(preload as BacklineBridge, env as PortWindow));
  const loc = env.location;
  const served = loc && (loc.protocol === 'https:' || loc.protocol === 'http:');
  return new WebPlatform(served ? loc.origin : undefined);
}
