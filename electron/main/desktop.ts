// The desktop app's main-process features, composed without Electron: hosting, pinned hubs,
// sessions, the local JACK server and jacktrip client, and voice, each behind the IPC contract.
// electron/main/shell/ wires it to Electron (windows, tray, utilityProcess, safeStorage);
// the e2e harness wires it to Playwright. No file here imports `electron`.
import { join } from 'node:path';
import { TeardownStack } from '../../hub-core/src/index.js';
import type { HostStatus } from '../../protocol/ipc.js';
import { HostedHub, nodeForker, type HubForker, type HostedHubOptions } from './hostedHub.js';
import { handlerMap } from './ipc/handlers.js';
import { IpcRouter, type SenderInfo } from './ipc/router.js';
import { RendererPush } from './push.js';
import { RecordingSaver, type ChooseSavePath } from './recordingSaver.js';
import { JackControl } from './jack.js';
import { JackTripClient } from './jacktripClient.js';
import { SecretStore, plainCodec, type SecretCodec } from './secrets.js';
import type { DesktopServices } from './services.js';
import { TrustStore, probeCertificate, type PeerCertificate } from './trust.js';
import { VoiceService } from './voice.js';
import { VoicePortSession, type VoicePortOpener } from './voicePort.js';

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
  host?: Partial<Omit<HostedHubOptions, 'forker' | 'dataDir' | 'logFile'>>;
  notify?: (title: string, body: string) => void;
  openExternal?: (url: string) => Promise<void> | void;
  /** Asks where to save a recording (the shell: Electron's save dialog); none: saving is refused. */
  chooseSavePath?: ChooseSavePath;
  probe?: (origin: string) => Promise<PeerCertificate>;
  /** Opens a voice session's MessagePort to the page (none: voice frames go nowhere). */
  openVoicePort?: VoicePortOpener;
  log?: (msg: string, err?: unknown) => void;
}

export interface Desktop extends DesktopServices {
  router: IpcRouter;
  /**
   * Leaves voice, stops jacktrip, stops hosting (players are told first), stops an owned JACK.
   * Safe to call twice.
   */
  close(): Promise<void>;
}

export function createDesktop(options: DesktopOptions): Desktop {
  const log = options.log ?? ((m: string, err?: unknown) => console.error(m, err ?? ''));
  const router = new IpcRouter(options.trustedSender, (channel, err) =>
    log(`IPC ${channel} failed`, err),
  );
  const push = new RendererPush();
  const trust = new TrustStore(join(options.userData, 'trust.json'), undefined, (why, aside) =>
    log(`${why}; moved to ${aside}`),
  );
  const secrets = new SecretStore(
    join(options.userData, 'sessions.json'),
    options.secrets ?? plainCodec,
  );
  // Each part's stop is registered as it is made; close() runs them last-made first: voice,
  // then jacktrip, then hosting (players are told first), then an owned JACK server.
  const teardown = new TeardownStack((err, step) => log(`${step} failed`, err));
  const jack = new JackControl({ server: options.jackServer });
  teardown.defer(() => jack.close(), 'JACK stop');
  const hostedHub = new HostedHub({
    forker: options.forker ?? nodeForker,
    dataDir: join(options.userData, 'hub'),
    logFile: join(options.userData, 'logs', 'hub.log'),
    settingsFile: join(options.userData, 'host.json'),
    ...options.host,
  });
  teardown.defer(() => hostedHub.stop(), 'hub stop');
  const jacktrip = new JackTripClient({
    bin: options.jacktripBin,
    env: () => jack.env,
    period: () => jack.period(),
  });
  teardown.defer(() => jacktrip.close(), 'jacktrip stop');
  const voice = new VoiceService({
    pinOf: (origin) => trust.pinned(origin),
    tokenOf: (origin) => secrets.get(origin),
  });
  teardown.defer(() => voice.leave(), 'voice leave');
  const recordings = new RecordingSaver({
    pinOf: (origin) => trust.pinned(origin),
    tokenOf: (origin) => secrets.get(origin),
    chooseSavePath: options.chooseSavePath,
    onProgress: (p) => push.emit('recordings.progress', p),
  });
  teardown.defer(() => recordings.close(), 'recording saves stop');
  const voicePort = new VoicePortSession(options.openVoicePort, (data, timestamp) =>
    voice.send(data, timestamp),
  );
  teardown.defer(() => voicePort.close(), 'voice port close');

  hostedHub.on('status', (s: HostStatus) => push.emit('host.status', s));
  jacktrip.on('status', (s) => push.emit('jacktrip.status', s));
  voice.on('status', (s) => {
    jacktrip.setRtt(s.rtt_ms);
    push.emit('voice.status', s);
  });
  voice.on('frame', (f) => voicePort.deliver(f));
  voice.on('mute', (m) => push.emit('voice.mute', m));

  const services: DesktopServices = {
    push,
    hostedHub,
    trust,
    jack,
    jacktrip,
    voice,
    voicePort,
    secrets,
    recordings,
    probe: options.probe ?? probeCertificate,
    notify: options.notify ?? (() => {}),
    openExternal: options.openExternal ?? (() => {}),
  };
  router.handleAll(handlerMap(services));
  return {
    ...services,
    router,
    async close() {
      // Every step runs; each failure was logged as it happened.
      await teardown.dispose().catch(() => {});
    },
  };
}
