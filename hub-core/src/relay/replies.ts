// What the relay sends back: acknowledgements, errors, heartbeats and mute notes, encoded.
import { PacketType, encode, type ErrorCode, type Packet } from '../../../protocol/relay.js';

export const ackPacket = (
  session: number,
  seq: number,
  acked: Pick<Packet, 'type' | 'seq'>,
  value = 0,
  flags = 0,
): Uint8Array =>
  encode({
    type: PacketType.Ack,
    session,
    seq,
    flags,
    ackType: acked.type,
    ackSeq: acked.seq,
    value,
  });

export const errorPacket = (
  session: number,
  seq: number,
  code: ErrorCode,
  message: string,
): Uint8Array => encode({ type: PacketType.Error, session, seq, flags: 0, code, message });

export const heartbeatPacket = (session: number, seq: number, sentAt: number): Uint8Array =>
  encode({ type: PacketType.Heartbeat, session, seq, flags: 0, sentAt });

/** Who is muted now (flag bit 1: by the host), for everyone in the channel. */
export const muteNote = (seq: number, target: number, muted: boolean, byHost: boolean) =>
  encode({ type: PacketType.SetMute, session: 0, seq, flags: byHost ? 2 : 0, muted, target });
