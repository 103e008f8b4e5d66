// RelayCore's session ids, with real signed tokens and no sockets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PacketType, decode, encode, type Packet } from '../../../protocol/relay.js';
import { DEFAULT_RELAY_LIMITS, RelayCore } from './RelayCore.js';
import { signVoiceToken, verifyVoiceToken } from './tokens.js';

describe('RelayCore session ids', () => {
  it('come from the crypto generator: pinning Math.random changes nothing', async () => {
    const secret = new Uint8Array(32).fill(3);
    const out: Packet[] = [];
    const core = new RelayCore(
      (token) => verifyVoiceToken(secret, token),
      (_to, data) => {
        const r = decode(data);
        if (r.ok) out.push(r.packet);
      },
      { ...DEFAULT_RELAY_LIMITS, maxSessionsPerUser: 100, maxSessionsPerRoom: 100 },
    );
    core.setRoom('room-1', [1, 2, 3], []);
    const handshake = async (userId: number, addr: string) => {
      const { token } = await signVoiceToken(secret, {
        userId,
        username: `u${userId}`,
        roomId: 'room-1',
        host: false,
      });
      const before = out.length;
      core.handle(
        addr,
        encode({
          type: PacketType.Handshake,
          session: 0,
          seq: 1,
          flags: 0,
          token,
          channel: 'room-1',
        }),
      );
      for (let i = 0; i < 100 && out.length === before; i++)
        await new Promise((r) => setTimeout(r, 5));
      const ack = out[before];
      assert.ok(ack?.type === PacketType.Ack, JSON.stringify(ack));
      return ack.session;
    };

    const random = Math.random;
    Math.random = () => 0.25;
    let pinned: number;
    try {
      pinned = await handshake(1, '10.0.0.1:5000');
    } finally {
      Math.random = random;
    }
    // What an id derived from Math.random would have been.
    assert.notEqual(pinned, (0.25 * 0xffffffff) >>> 0);

    const ids = new Set([pinned]);
    for (let i = 0; i < 40; i++) ids.add(await handshake(2 + (i % 2), `10.0.0.2:${6000 + i}`));
    assert.equal(ids.size, 41, 'all distinct');
    for (const id of ids) assert.ok(id > 0 && id <= 0xffffffff, String(id));
  });
});
