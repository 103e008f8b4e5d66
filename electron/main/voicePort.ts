// Voice frames between the page and main: one MessagePort per voice session, opened when the
// page joins voice and closed when it leaves (protocol/ipc/voicePort.ts has the frame codec).
// Electron-free: the shell opens the port with MessageChannelMain and hands the other end to
// the page through the preload; the e2e harness stands in with a port of its own.
import { decodeOutgoing, encodeIncoming, type IncomingVoiceFrame } from '../../protocol/ipc.js';

/** Main's end of a voice port. */
export interface VoicePortEnd {
  post(bytes: Uint8Array): void;
  onMessage(listener: (message: unknown) => void): void;
  close(): void;
}

/** Opens a port and hands its other end to the app's page; undefined when there is no page. */
export type VoicePortOpener = () => VoicePortEnd | undefined;

/** Microphone frames from the page go to `send`; frames heard go to the page. */
export class VoicePortSession {
  private end: VoicePortEnd | undefined;

  constructor(
    private readonly opener: VoicePortOpener | undefined,
    private readonly send: (data: Uint8Array, timestamp: number) => void,
  ) {}

  /** A new voice session: a new port; the previous one closes. */
  open(): void {
    this.close();
    const end = this.opener?.();
    if (!end) return;
    this.end = end;
    end.onMessage((message) => {
      const f = decodeOutgoing(message);
      if (!f || this.end !== end) return;
      // A frame the relay client refuses must not become an uncaught error in main.
      try {
        this.send(f.data, f.timestamp);
      } catch {
        /* dropped, like a frame that does not decode */
      }
    });
  }

  deliver(frame: IncomingVoiceFrame): void {
    this.end?.post(encodeIncoming(frame));
  }

  close(): void {
    const end = this.end;
    this.end = undefined;
    end?.close();
  }
}
