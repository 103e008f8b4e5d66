import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jackdArgs, jacktripClientArgs, jacktripServerArgs } from './argv.js';

describe('jacktrip argv', () => {
  it('runs the hub without its own auto-patcher unless told otherwise', () => {
    const auth = { certFile: 'c.pem', keyFile: 'k.pem', credsFile: 'creds' };
    const a = jacktripServerArgs({ tcpPort: 4464, udpBase: 4465, auth });
    assert.deepEqual(a, [
      '-S',
      '-B',
      '4464',
      '-U',
      '4465',
      '-p',
      '5',
      '-A',
      '--certfile',
      'c.pem',
      '--keyfile',
      'k.pem',
      '--credsfile',
      'creds',
    ]);
    const bare = jacktripServerArgs({ tcpPort: 1, udpBase: 2, patchMode: 2, queue: 8 });
    assert.deepEqual(bare.slice(5), ['-p', '2', '-q', '8']);
  });

  it('builds a client that names its ports after the player', () => {
    const a = jacktripClientArgs({
      host: 'h',
      port: 4464,
      remoteName: 'bob',
      localPort: 30001,
      username: 'bob',
      password: 'pw',
    });
    assert.deepEqual(a, [
      '-C',
      'h',
      '-P',
      '4464',
      '-K',
      'bob',
      '-B',
      '30001',
      '-A',
      '--username',
      'bob',
      '--password',
      'pw',
    ]);
  });

  it('adds no latency of its own: a room runs the settings of a bare jacktrip -S', () => {
    // A structural extra period would come from a longer queue (-q), another jitter buffer
    // (--bufstrategy), broadcast outputs, or more buffering in jackd. A room's argv differs
    // from a bare hub's only by the patcher (-p) and authentication (-A).
    const auth = { certFile: 'c.pem', keyFile: 'k.pem', credsFile: 'creds' };
    const room = jacktripServerArgs({ tcpPort: 4464, udpBase: 4465, auth });
    const bare = jacktripServerArgs({ tcpPort: 4464, udpBase: 4465, patchMode: 2 });
    const withoutPatcher = (a: string[]) => a.filter((x, i) => x !== '-p' && a[i - 1] !== '-p');
    assert.deepEqual(withoutPatcher(room).slice(0, 5), withoutPatcher(bare));
    assert.deepEqual(withoutPatcher(room).slice(5), [
      '-A',
      '--certfile',
      'c.pem',
      '--keyfile',
      'k.pem',
      '--credsfile',
      'creds',
    ]);
    for (const flag of ['-q', '--queue', '--bufstrategy', '-b', '--broadcast'])
      assert.ok(!room.includes(flag), `${flag} in ${room.join(' ')}`);
    // The room's JACK server: the dummy driver at the period asked, nothing more.
    assert.deepEqual(jackdArgs({ name: 'backline-4464', period: 64 }), [
      '-n',
      'backline-4464',
      '-d',
      'dummy',
      '-r',
      '48000',
      '-p',
      '64',
    ]);
  });
});
