import type { DesktopBridge } from '../lib/platform.js';
import type { VoiceLink, VoiceLinkHandlers } from '../lib/voice.js';

/**
 * The desktop app's voice link: main's RelayClient speaks to the relay over UDP; frames cross
 * the voice session's MessagePort, the rest is IPC. Main reports the status (desktop store).
 */
export class DesktopVoiceLink implements VoiceLink {
  constructor(private readonly bridge: DesktopBridge) {}

  async join(origin: string, roomId: string): Promise<void> {
    const status = await this.bridge.invoke('voice.join', { origin, room_id: roomId });
    if (status.state === 'failed') throw new Error(status.message);
  }

  async leave(): Promise<void> {
    await this.bridge.invoke('voice.leave').catch(() => {});
  }

  async setMuted(muted: boolean): Promise<void> {
    await this.bridge.invoke('voice.mute', { muted });
  }

  async serverMute(userId: number, muted: boolean): Promise<void> {
    await this.bridge.invoke('voice.serverMute', { user_id: userId, muted });
  }

  send(frame: { data: Uint8Array; timestamp: number }): void {
    this.bridge.sendVoice(frame);
  }

  listen(h: VoiceLinkHandlers): () => void {
    const offs = [
      this.bridge.on('voice.frame', (f) => h.frame(f)),
      this.bridge.on('voice.mute', (m) => h.mute(m)),
      this.bridge.on('voice.toggleMute', () => h.toggleMute()),
    ];
    return () => offs.forEach((off) => off());
  }
}
