import { Menu, Tray, nativeImage } from 'electron';
import { trayMenuModel, type TrayAction } from '../trayModel.js';
import type { Desktop } from '../desktop.js';

/** The tray icon: host toggle, the current room, mute, open, quit. */
export function createTray(icon: string, desktop: Desktop, act: (a: TrayAction) => void): Tray {
  const tray = new Tray(nativeImage.createFromPath(icon));
  tray.setToolTip('Backline');
  const render = () => {
    const items = trayMenuModel({
      host: desktop.hostedHub.status,
      jacktrip: desktop.jacktrip.status,
      voice: desktop.voice.status,
    });
    tray.setContextMenu(
      Menu.buildFromTemplate(
        items.map((i) => ({
          label: i.label,
          enabled: i.enabled,
          type: i.checked === undefined ? 'normal' : 'checkbox',
          checked: i.checked,
          click: () => act(i.action),
        })),
      ),
    );
  };
  desktop.hostedHub.on('status', render);
  desktop.jacktrip.on('status', render);
  desktop.voice.on('status', (s) => {
    if (s.state !== 'live' || s.muted !== lastMuted) render();
    lastMuted = s.muted;
  });
  let lastMuted = false;
  render();
  return tray;
}
