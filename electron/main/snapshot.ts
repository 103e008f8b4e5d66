// What a test (or a support report) can read off the main process at any moment, as plain
// data: the same figures the window sees, plus the PIDs the no-orphans checks need. The e2e
// harness reads it in Node; under real Electron the spec reads it with
// `electronApp.evaluate`, exposed by the e2e's own entry (e2e/electronMain.ts) through the
// shell's onReady hook; the shipped entry exposes nothing.
import type {
  HostStatus,
  JackTripStatus,
  PinnedHub,
  RecentRoom,
  VoiceStatus,
} from '../../protocol/ipc.js';
import type { Desktop } from './desktop.js';

export interface DesktopSnapshot {
  host: HostStatus;
  /** The hub process of "Host a jam", while it runs. */
  hubPid?: number;
  hubs: PinnedHub[];
  recentRooms: RecentRoom[];
  jacktrip: JackTripStatus;
  /** The local jacktrip's PID, while it runs. */
  jacktripPid?: number;
  voice: VoiceStatus;
  /** The JACK server the app's jacktrip uses. */
  jackServer: string;
}

export function snapshotOf(d: Desktop): DesktopSnapshot {
  return {
    host: d.hostedHub.status,
    hubPid: d.hostedHub.pid,
    hubs: d.trust.hubs(),
    recentRooms: d.trust.recentRooms(),
    jacktrip: d.jacktrip.status,
    jacktripPid: d.jacktrip.pid,
    voice: d.voice.status,
    jackServer: d.jack.serverName,
  };
}
