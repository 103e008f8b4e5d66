import type { DesktopBridge, HubAuth, Platform, RecordingSaver } from '../lib/platform.js';
import type { VoiceLink } from '../lib/voice.js';
import { DesktopVoiceLink } from './desktopVoice.js';

/**
 * The desktop app's window: main (through the preload's bridge) hosts a hub, pins hubs'
 * certificates, keeps each hub's bearer token (encrypted), runs jacktrip and voice, saves
 * recordings with a file dialog, and shows notifications. The page itself comes from the app, so it belongs to no hub.
 */
export class DesktopPlatform implements Platform {
  readonly servingHub = undefined;
  readonly choosesHubs = true;
  readonly connectsAudio = true;

  /** Main asks where (the save dialog), downloads over the pinned connection, and reports. */
  readonly recordingSaver: RecordingSaver;

  constructor(readonly desktop: DesktopBridge) {
    this.recordingSaver = {
      async save(req, onProgress) {
        const off = desktop.on('recordings.progress', (p) => {
          if (p.hub === req.hub && p.recordingId === req.recordingId)
            onProgress(p.received, p.total);
        });
        try {
          return await desktop.invoke('recordings.save', req);
        } finally {
          off();
        }
      },
    };
  }

  async savedSession(origin: string): Promise<HubAuth | null> {
    const { token } = await this.desktop.invoke('session.get', { origin });
    return token ? { kind: 'bearer', token } : null;
  }

  async keepSession(origin: string, token: string): Promise<HubAuth> {
    await this.desktop.invoke('session.set', { origin, token });
    return { kind: 'bearer', token };
  }

  async forgetSession(origin: string): Promise<void> {
    await this.desktop.invoke('session.set', { origin, token: null }).catch(() => {});
  }

  notify(body: string): void {
    void this.desktop.invoke('app.notify', { title: 'Backline', body: body.slice(0, 300) });
  }

  voiceLink(): VoiceLink {
    return new DesktopVoiceLink(this.desktop);
  }
}
