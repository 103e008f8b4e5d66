// Bundles (docs/relay-protocol.md): one datagram per listener carries every speaker's frame from
// a short window, so the relay's out-packets grow with listeners, not listeners × speakers.
import {
  BUNDLE_FRAME_HEADER_BYTES,
  HEADER_BYTES,
  MAX_BUNDLE_FRAMES,
  MAX_PACKET_BYTES,
  PacketType,
  encode,
  type BundleFrame,
} from '../../../protocol/relay.js';
import type { Session } from './sessions.js';

/** A speaker who sent a frame this recently is talking (three 20 ms frames). */
export const ACTIVE_SPEAKER_MS = 60;
/** A talking speaker's next frame is expected this long after its last (20 ms frames). */
export const FRAME_MS = 20;

/**
 * Whether a speaker whose last frame came `since` ms ago is expected to send its next one
 * within `windowMs` from now (or is a little late with it): worth holding a bundle for.
 */
export const dueWithin = (since: number, windowMs: number): boolean =>
  since < ACTIVE_SPEAKER_MS && Math.abs(FRAME_MS - since) <= windowMs;

/**
 * Holds frames for listeners that read bundles, at most `windowMs` from the first frame waiting in
 * the room. A listener's bundle leaves sooner once it holds as many frames as there are other
 * speakers talking, at once when no other speaker's frame is due within the window (one speaker
 * alone, or speakers far apart in phase), and when the next frame would not fit.
 */
export class Bundler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private seq = 1;

  constructor(
    private readonly send: (to: string, data: Uint8Array) => void,
    private readonly windowMs: number,
    private readonly channelOf: (roomId: string) => Iterable<Session> | undefined,
  ) {}

  /** Queues `frame` for `listener`; `expected` is how many speakers other than it are talking. */
  add(roomId: string, listener: Session, frame: BundleFrame, expected: number): void {
    const bytes = BUNDLE_FRAME_HEADER_BYTES + frame.opus.length;
    if (
      HEADER_BYTES + listener.outboxBytes + bytes > MAX_PACKET_BYTES ||
      listener.outbox.length >= MAX_BUNDLE_FRAMES
    )
      this.flush(listener);
    listener.outbox.push(frame);
    listener.outboxBytes += bytes;
    if (listener.outbox.length >= expected) return this.flush(listener);
    if (!this.timers.has(roomId))
      this.timers.set(
        roomId,
        setTimeout(() => this.flushRoom(roomId), this.windowMs),
      );
  }

  /** Sends every waiting bundle of the room (its window is over). */
  flushRoom(roomId: string): void {
    this.timers.delete(roomId);
    for (const s of this.channelOf(roomId) ?? []) if (s.outbox.length > 0) this.flush(s);
  }

  /** Stops the windows' timers; what waits is dropped (the relay is closing). */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private flush(s: Session): void {
    const frames = s.outbox;
    if (frames.length === 0) return;
    s.outbox = [];
    s.outboxBytes = 1;
    this.send(
      s.addr,
      encode({ type: PacketType.AudioBundle, session: 0, seq: this.seq++, flags: 0, frames }),
    );
  }
}
