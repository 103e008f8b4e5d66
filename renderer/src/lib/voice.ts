/** What a voice session reports to the UI: joining, live, failed or off, and the server-mute. */
export interface VoiceLinkStatus {
  state: 'off' | 'joining' | 'live' | 'failed';
  message: string;
  /** The host muted this player on the relay. */
  server_muted: boolean;
}

/** A received voice frame: who spoke, their Opus frame, its 48 kHz timestamp. */
export interface VoiceLinkFrame {
  speaker: number;
  data: Uint8Array;
  timestamp: number;
}

export interface VoiceLinkHandlers {
  frame: (f: VoiceLinkFrame) => void;
  /** A player's mute changed (their own, or by the host). */
  mute: (m: { user_id: number; muted: boolean; by_host: boolean }) => void;
  /** The platform's own mute shortcut (the desktop app's tray or global key). */
  toggleMute: () => void;
  /** The session's state, where the link itself reports it (not through another store). */
  status: (s: VoiceLinkStatus) => void;
}

/**
 * The hub, as far as a voice link needs it: the signed-in client's requests (the voice token)
 * and WebSocket URLs with a single-use ticket. transport/HubClient fits it.
 */
export interface VoiceHub {
  readonly origin: string;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  socketUrl(path: string): Promise<string>;
}

/**
 * How this platform carries a room's voice to the relay: the desktop app through main's
 * RelayClient (UDP), a browser over the hub's /ws/voice. Same packets, same relay sessions.
 */
export interface VoiceLink {
  /** Handshakes and joins the room's channel. Rejects with a person-readable error. */
  join(origin: string, roomId: string): Promise<void>;
  leave(): Promise<void>;
  /** Tells the relay this player's mute (muted, or push-to-talk not held). */
  setMuted(muted: boolean): Promise<void>;
  /** Host only: mutes or unmutes a player for everyone. */
  serverMute(userId: number, muted: boolean): Promise<void>;
  /** One encoded frame of this player's microphone. */
  send(frame: { data: Uint8Array; timestamp: number }): void;
  /** Listens; returns the function that stops listening. */
  listen(handlers: VoiceLinkHandlers): () => void;
}
