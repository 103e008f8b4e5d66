// The command lines that make and enter a room's namespace, and the probe where there is none.
// The real namespaces are proven in hub-core/test/roomns.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createArgv,
  enterArgv,
  hasPrivateShm,
  namespaceScope,
  probeJackIsolation,
  sharedScope,
  SHM_SOURCE,
} from './jackScope.js';

describe('a room’s JACK scope', () => {
  it('makes a namespace with a private /dev/shm, then execs the rest of the command line', () => {
    const argv = createArgv('mount');
    assert.deepEqual(argv.slice(0, 6), [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
    ]);
    const script = argv[7]!;
    assert.match(
      script,
      /^mount -t tmpfs -o size=\d+m,mode=1777 backline-jack \/dev\/shm && exec "\$@"$/,
    );
    assert.equal(argv.at(-1), SHM_SOURCE, "sh's $0; the command follows as $@");
    assert.deepEqual(createArgv('user').slice(0, 3), ['unshare', '--user', '--map-root-user']);
  });

  it('enters the namespace of the room’s jackd by its pid, in the hub’s directory', () => {
    assert.deepEqual(enterArgv('mount', 42), [
      'nsenter',
      '--mount=/proc/42/ns/mnt',
      `--wd=${process.cwd()}`,
      '--',
    ]);
    assert.deepEqual(enterArgv('user', 42).slice(0, 4), [
      'nsenter',
      '--user=/proc/42/ns/user',
      '--preserve-credentials',
      '--mount=/proc/42/ns/mnt',
    ]);
  });

  it('enters nothing once its jackd is gone: a tool fails with the reason, a program throws', async () => {
    const s = namespaceScope('backline-4464', 'mount', 42, () => false);
    const r = await s.run('jack_lsp', []);
    assert.equal(r.code, null);
    assert.match(r.stderr, /JACK server backline-4464 is gone/);
    assert.throws(() => s.spawn('jack_evmon', [], () => {}), /backline-4464 is gone/);
    assert.equal(s.env().JACK_DEFAULT_SERVER, 'backline-4464');
    assert.equal(s.env().JACK_NO_START_SERVER, '1');
  });

  it('shared: today’s environment, no namespace', () => {
    const s = sharedScope('backline-4464');
    assert.equal(s.isolation, 'none');
    assert.equal(s.env().JACK_DEFAULT_SERVER, 'backline-4464');
    assert.equal(hasPrivateShm(process.pid), false, 'this process has the machine’s /dev/shm');
  });

  it('macOS and Windows have no namespaces: rooms share JACK, and the probe says why', async () => {
    assert.deepEqual(await probeJackIsolation('darwin', 501), {
      isolation: 'none',
      reason: 'no namespaces on darwin',
    });
    assert.equal((await probeJackIsolation('win32', undefined)).isolation, 'none');
  });
});
