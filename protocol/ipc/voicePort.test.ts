import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeIncoming, decodeOutgoing, encodeIncoming, encodeOutgoing } from './voicePort.js';
import { IpcError, errorReply, okReply, unwrapReply } from './errors.js';

describe('the voice port codec', () => {
  it('round-trips frames both ways, 32-bit fields whole', () => {
    const out = { data: Uint8Array.of(9, 8, 7), timestamp: 0xffffffff };
    assert.deepEqual(decodeOutgoing(encodeOutgoing(out)), out);
    const inc = {
      speaker: 0xfffffff0,
      seq: 65536,
      timestamp: 12,
      host: false,
      data: Uint8Array.of(1),
    };
    assert.deepEqual(decodeIncoming(encodeIncoming(inc)), inc);
    assert.equal(decodeIncoming(encodeIncoming({ ...inc, host: true }))!.host, true);
    // An ArrayBuffer (what a transferred buffer may arrive as) decodes too.
    assert.deepEqual(decodeOutgoing(encodeOutgoing(out).buffer), out);
  });

  it('drops what is not a frame', () => {
    for (const bad of ['AAAA', 42, null, { data: [1] }, Uint8Array.of(1, 2)]) {
      assert.equal(decodeOutgoing(bad), undefined);
      assert.equal(decodeIncoming(bad), undefined);
    }
    // A microphone frame can't be larger than one Opus packet (1275 bytes) plus its header.
    const big = encodeOutgoing({ data: new Uint8Array(1275), timestamp: 1 });
    assert.equal(decodeOutgoing(big)!.data.byteLength, 1275);
    assert.equal(
      decodeOutgoing(encodeOutgoing({ data: new Uint8Array(1276), timestamp: 1 })),
      undefined,
    );
  });
});

describe('IPC replies', () => {
  it('carry a value, or a coded error the renderer gets back as an IpcError', () => {
    assert.equal(unwrapReply(okReply(5)), 5);
    const reply = errorReply(new IpcError('not_pinned', 'https://h is not a trusted hub'));
    assert.deepEqual(reply, {
      ok: false,
      error: { code: 'not_pinned', message: 'https://h is not a trusted hub' },
    });
    assert.throws(() => unwrapReply(reply), { name: 'IpcError', code: 'not_pinned' });
    assert.deepEqual(errorReply(new Error('JACK did not start')).ok, false);
    assert.throws(() => unwrapReply(errorReply('odd')), { code: 'failed', message: 'odd' });
    // A code outside the closed set (an older or newer main) reads as `failed`.
    assert.throws(
      () => unwrapReply({ ok: false, error: { code: 'nope' as 'failed', message: 'x' } }),
      { code: 'failed' },
    );
  });
});
