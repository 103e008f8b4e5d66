import type { DesktopServices } from '../services.js';
import { appHandlers } from './app.js';
import { audioHandlers } from './audio.js';
import { hostHandlers } from './host.js';
import { hubsHandlers } from './hubs.js';
import { recordingsHandlers } from './recordings.js';
import type { HandlerMap } from './types.js';
import { voiceHandlers } from './voice.js';

/**
 * Every IPC handler, one file per feature. The return type names every channel of the
 * contract: a feature that leaves one out does not compile.
 */
export function handlerMap(s: DesktopServices): HandlerMap {
  return {
    ...hostHandlers(s),
    ...hubsHandlers(s),
    ...audioHandlers(s),
    ...voiceHandlers(s),
    ...recordingsHandlers(s),
    ...appHandlers(s),
  };
}
