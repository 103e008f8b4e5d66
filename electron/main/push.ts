// Main → renderer pushes: each payload checked against the contract, then handed to every
// window (shell/ipcBridge.ts attaches the windows; the e2e harness attaches its page).
import { pushSchemas, type PushChannel, type PushPayload } from '../../protocol/ipc.js';

export type PushSink = (channel: PushChannel, payload: unknown) => void;

/** Main → renderer events: validated against the contract, then handed to every window. */
export class RendererPush {
  private readonly sinks = new Set<PushSink>();

  attach(sink: PushSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  emit<C extends PushChannel>(channel: C, payload: PushPayload<C>): void {
    // A push that breaks the contract is main's bug: fail loudly in the caller.
    pushSchemas[channel].parse(payload);
    for (const s of this.sinks) {
      try {
        s(channel, payload);
      } catch {
        // A window that is going away must not stop the others.
      }
    }
  }
}
