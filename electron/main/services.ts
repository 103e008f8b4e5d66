// What the IPC handlers work with: the main process's features, as one type that sits below
// both the handlers (ipc/) and their composition (desktop.ts), so neither imports the other's
// module in a loop. desktop.ts builds it; the e2e harness and the tests reach it through Desktop.
import type { HostedHub } from './hostedHub.js';
import type { RendererPush } from './push.js';
import type { JackControl } from './jack.js';
import type { JackTripClient } from './jacktripClient.js';
import type { RecordingSaver } from './recordingSaver.js';
import type { SecretStore } from './secrets.js';
import type { PeerCertificate, TrustStore } from './trust.js';
import type { VoiceService } from './voice.js';
import type { VoicePortSession } from './voicePort.js';

export interface DesktopServices {
  push: RendererPush;
  hostedHub: HostedHub;
  trust: TrustStore;
  jack: JackControl;
  jacktrip: JackTripClient;
  voice: VoiceService;
  /** The voice session's MessagePort to the page (frames both ways). */
  voicePort: VoicePortSession;
  secrets: SecretStore;
  /** Saves hubs' recordings where the person chooses. */
  recordings: RecordingSaver;
  /** Reads the certificate a hub presents (TLS only, no request). */
  probe: (origin: string) => Promise<PeerCertificate>;
  /** An OS notification. */
  notify: (title: string, body: string) => void;
  /** Opens a page in the system browser. */
  openExternal: (url: string) => Promise<void> | void;
}
