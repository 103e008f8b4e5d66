// What the tray menu shows, as plain data (shell/tray.ts turns it into an Electron Menu).
import type { HostStatus, JackTripStatus, VoiceStatus } from '../../protocol/ipc.js';

export type TrayAction = 'toggle-host' | 'toggle-mute' | 'open' | 'quit' | 'none';
export interface TrayItem {
  label: string;
  action: TrayAction;
  enabled: boolean;
  checked?: boolean;
}

export function trayMenuModel(s: {
  host: HostStatus;
  jacktrip: JackTripStatus;
  voice: VoiceStatus;
}): TrayItem[] {
  const hosting = s.host.state === 'running' || s.host.state === 'starting';
  const busy = s.host.state === 'starting' || s.host.state === 'stopping';
  const inRoom = s.voice.state === 'live' || s.jacktrip.state === 'connected';
  return [
    { label: 'Host a jam', action: 'toggle-host', enabled: !busy, checked: hosting },
    {
      label: inRoom
        ? `In a room · audio ${s.jacktrip.state}${s.jacktrip.rtt_ms !== undefined ? ` · ${s.jacktrip.rtt_ms} ms` : ''}`
        : 'Not in a room',
      action: 'none',
      enabled: false,
    },
    {
      label: 'Mute microphone',
      action: 'toggle-mute',
      enabled: s.voice.state === 'live',
      checked: s.voice.muted,
    },
    { label: 'Open Backline', action: 'open', enabled: true },
    { label: 'Quit', action: 'quit', enabled: true },
  ];
}

/** Chromium's certificate fingerprint ("sha256/<base64>") as the hub prints it (AA:BB:...). */
export function fingerprintFromChromium(fp: string): string | undefined {
  const m = /^sha256\/([A-Za-z0-9+/=]+)$/.exec(fp);
  if (!m) return undefined;
  const hex = Buffer.from(m[1]!, 'base64').toString('hex').toUpperCase();
  return hex.length === 64 ? hex.match(/.{2}/g)!.join(':') : undefined;
}
