import type { SaveRecordingRequest, SaveRecordingResult } from '../../../protocol/ipc.js';
import type { DesktopApi } from '../../../protocol/ipcClient.js';
import type { VoiceHub, VoiceLink } from './voice.js';

/**
 * How requests to a hub are authenticated: in a browser, the hub's HttpOnly session cookie
 * (scripts never hold the token); in the desktop app, a bearer token that main keeps.
 */
export type HubAuth = { kind: 'cookie' } | { kind: 'bearer'; token: string };

/**
 * The desktop app's main process, as the renderer uses it (protocol's desktopApi over the
 * preload's `window.backline`): calls that resolve or throw a coded IpcError, pushes, and the
 * voice session's port.
 */
export type DesktopBridge = DesktopApi;

/**
 * Saves a hub's finished recording where the person chooses (the desktop app's save dialog;
 * main downloads it). Resolves where it went, or that the dialog was cancelled; rejects with
 * why it failed, in words for the person.
 */
export interface RecordingSaver {
  save(
    req: SaveRecordingRequest,
    onProgress: (received: number, total: number) => void,
  ): Promise<SaveRecordingResult>;
}

/**
 * Where the renderer runs, chosen once at start-up (platform/choose.ts) and asked, never
 * guessed: a browser page served by a hub (platform/web.ts), or the desktop app's window
 * (platform/desktop.ts). Each difference between the two is a method or a capability here.
 */
export interface Platform {
  /**
   * The hub this page belongs to: in a browser, the hub that served it (the only hub). The
   * desktop app's page belongs to none; the person hosts one or opens a link.
   */
  readonly servingHub: string | undefined;
  /** The person picks hubs here: hosting, links, pinned certificates, "Switch hub". */
  readonly choosesHubs: boolean;
  /** This app connects the room's audio itself (jacktrip and voice) instead of showing how. */
  readonly connectsAudio: boolean;
  /** The desktop app's main process, where there is one (hosting, pins, jacktrip, voice). */
  readonly desktop: DesktopBridge | undefined;
  /** The session kept for a hub, if any: what its requests authenticate with. */
  savedSession(origin: string): Promise<HubAuth | null>;
  /** After signing in with `token`: keeps it where this platform keeps sessions. */
  keepSession(origin: string, token: string): Promise<HubAuth>;
  /** The hub's session ended (signed out, expired): forgets what was kept. Never throws. */
  forgetSession(origin: string): Promise<void>;
  /**
   * How a finished recording is saved: with this (the desktop app's file dialog), or, where
   * undefined (a browser), by the page's download link and the browser's own download.
   */
  readonly recordingSaver: RecordingSaver | undefined;
  /** A system notification where there are such (the desktop app); nothing in a browser. */
  notify(body: string): void;
  /**
   * How this platform carries a room's voice: over main's UDP relay client (the desktop app),
   * or over the hub's /ws/voice (a browser), for the signed-in hub that `hub` returns.
   */
  voiceLink(hub: () => VoiceHub | null): VoiceLink;
}

let current: Platform | undefined;

/**
 * The one platform of this page (Element's PlatformPeg): set once by main.tsx, read by the
 * composition (app/stores.ts) and the components.
 */
export const PlatformPeg = {
  set(platform: Platform): void {
    current = platform;
  },
  get(): Platform {
    if (!current) throw new Error('PlatformPeg.get() before PlatformPeg.set()');
    return current;
  },
};
