import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jacktripClientArgs, jacktripServerArgs } from './argv.js';

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
});
