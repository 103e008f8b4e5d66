import type { DesktopBridge, Platform } from '../lib/platform.js';
import { DesktopPlatform } from './desktop.js';
import { WebPlatform } from './web.js';

/** What choosePlatform looks at: the page's global object. */
export interface PlatformEnv {
  backline?: unknown;
  location?: { protocol: string; origin: string };
}

/**
 * Decides once where this page runs. The desktop app's preload exposes `window.backline`
 * (kind 'desktop'); anything else is a browser page, whose hub is the origin that served it.
 */
export function choosePlatform(env: PlatformEnv = globalThis): Platform {
  const bridge = env.backline;
  if (bridge && typeof bridge === 'object' && (bridge as { kind?: unknown }).kind === 'desktop')
    return new DesktopPlatform(bridge as DesktopBridge);
  const loc = env.location;
  const served = loc && (loc.protocol === 'https:' || loc.protocol === 'http:');
  return new WebPlatform(served ? loc.origin : undefined);
}
