import type { Desktop } from '../desktop.js';
import type { PeerCertificate } from '../trust.js';
import { appHandlers } from './app.js';
import { audioHandlers } from './audio.js';
import { hostHandlers } from './host.js';
import { hubsHandlers } from './hubs.js';
import { voiceHandlers } from './voice.js';

export interface HandlerDeps {
  probe: (origin: string) => Promise<PeerCertificate>;
  notify: (title: string, body: string) => void;
  openExternal: (url: string) => Promise<void> | void;
}

/** Every IPC handler, one file per feature. */
export function registerHandlers(d: Desktop, deps: HandlerDeps): void {
  hostHandlers(d);
  hubsHandlers(d, deps.probe);
  audioHandlers(d);
  voiceHandlers(d);
  appHandlers(d, deps.notify, deps.openExternal);
}
