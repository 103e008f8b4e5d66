// The desktop app's main-process features, composed without Electron: hosting, pinned hubs,
// sessions, the local JACK server and jacktrip client, and voice, each behind the IPC contract.
// electron/main/shell/index.ts wires it to Electron (windows, tray, utilityProcess, safeStorage);
// the e2e harness wires it to Playwright. No file here imports `electron`.
import { join } from 'node:path';
import type { HostStatus, PushChannel } from '../../protocol/ipc.js';
import { HubHost, nodeForker, type HubForker, type HubHostOptions } from './hubHost.js';
import { IpcRouter, PushHub, type SenderInfo } from './ipc/router.js';
import { registerHandlers } from './ipc/handlers.js';
import { JackControl } from './jack.js';
import { JackTripClient } from './jacktripClient.js';
import { SecretStore, plainCodec, type SecretCodec } from './secrets.js';
import { TrustStore, probeCertificate, type PeerCertificate } from './trust.js';
import { VoiceService } from './voice.js';

export interface DesktopOptions {
  /** The app's per-user folder (Electron's userData). */
  userData: string;
  /** Which senders may call main (the app's own page, top frame only). */
  trustedSender: (s: SenderInfo) => boolean;
  forker?: HubForker;
  secrets?: SecretCodec;
  /** The JACK server the player's jacktrip uses; undefined is JACK's default server. */
  jackServer?: string;
  jacktripBin?: string;
  /** Hosting settings beyond the defaults (tests listen on loopback only). */
  host?: Partial<Omit<HubHostOptions, 'forker' | 'dataDir' | 'logFile'>>;
  notify?: (title: string, body: string) => void;
  openExternal?: (url: string) => Promise<void> | void;
  probe?: (origin: string) => Promise<PeerCertificate>;
  log?: (msg: string, err?: unknown) => void;
}

export interface Desktop {
  router: IpcRouter;
  push: PushHub;
  hubHost: HubHost;
  trust: TrustStore;
  jack: JackControl;
  jacktrip: JackTripClient;
  voice: VoiceService;
  secrets: SecretStore;
  /** Leaves voice, stops jacktrip, stops hosting (players are told first), stops an owned JACK. */
  close(): Promise<void>;
}

export function createDesktop(o: DesktopOptions): Desktop {
  const log = o.log ?? ((m: string, err?: unknown) => console.error(m, err ?? ''));
  const router = new IpcRouter(o.trustedSender, (channel, err) =>
    log(`IPC ${channel} failed`, err),
  );
  const push = new PushHub();
  const trust = new TrustStore(join(o.userData, 'trust.json'), undefined, (why, aside) =>
    log(`${why}; moved to ${aside}`),
  );
  const secrets = new SecretStore(join(o.userData, 'sessions.json'), o.secrets ?? plainCodec);
  const hubHost = new HubHost({
    forker: o.forker ?? nodeForker,
    dataDir: join(o.userData, 'hub'),
    logFile: join(o.userData, 'logs', 'hub.log'),
    settingsFile: join(o.userData, 'host.json'),
    ...o.host,
  });
  const jack = new JackControl({ server: o.jackServer });
  const jacktrip = new JackTripClient({
    bin: o.jacktripBin,
    env: () => jack.env,
    period: () => jack.period(),
  });
  const voice = new VoiceService({
    pinOf: (origin) => trust.pinned(origin),
    tokenOf: (origin) => secrets.get(origin),
  });

  const relay =
    <C extends PushChannel>(c: C) =>
    (p: Parameters<PushHub['emit']>[1]) =>
      push.emit(c, p as never);
  hubHost.on('status', (s: HostStatus) => relay('host.status')(s));
  jacktrip.on('status', relay('jacktrip.status'));
  voice.on('status', (s) => {
    jacktrip.setRtt(s.rtt_ms);
    push.emit('voice.status', s);
  });
  voice.on('frame', relay('voice.frame'));
  voice.on('mute', relay('voice.mute'));

  const desktop: Desktop = {
    router,
    push,
    hubHost,
    trust,
    jack,
    jacktrip,
    voice,
    secrets,
    async close() {
      await voice.leave().catch((err: unknown) => log('voice leave failed', err));
      await jacktrip.close().catch((err: unknown) => log('jacktrip stop failed', err));
      await hubHost.stop().catch((err: unknown) => log('hub stop failed', err));
      await jack.close().catch((err: unknown) => log('JACK stop failed', err));
    },
  };
  registerHandlers(desktop, {
    probe: o.probe ?? probeCertificate,
    notify: o.notify ?? (() => {}),
    openExternal: o.openExternal ?? (() => {}),
  });
  const missing = router.missing();
  if (missing.length) throw new Error(`IPC channels without a handler: ${missing.join(', ')}`);
  return desktop;
}
