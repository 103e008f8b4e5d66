import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultDataDir, loadConfig } from './config.js';
import { ConfigError } from './errors.js';

function bad(env: Record<string, string>, variable: string, argv: string[] = []) {
  assert.throws(
    () => loadConfig(env, argv),
    (err: unknown) => err instanceof ConfigError && err.variable === variable,
    `expected ${variable} to be rejected for ${JSON.stringify(env)}`,
  );
}

describe('loadConfig', () => {
  it("keeps the seed's defaults", () => {
    const c = loadConfig({ BACKLINE_DATA_DIR: '/tmp/x' });
    assert.equal(c.host, 'localhost');
    assert.equal(c.port, 8000);
    assert.equal(c.jacktripBin, 'jacktrip');
    assert.equal(c.jackdBin, 'jackd');
    assert.equal(c.jacktripBasePort, 4464);
    assert.equal(c.jacktripPortRange, 100);
    assert.deepEqual(c.tls, { mode: 'generate' });
    assert.equal(c.dataDir, '/tmp/x');
    assert.equal(c.sessionTtlHours, 720);
    assert.equal(c.roomCreationsPerUser, 10);
    assert.equal(c.openRoomsPerUser, 3);
    assert.equal(c.passphraseAttemptsPerIp, 20);
    assert.equal(c.jackNamespaces, 'auto');
    assert.equal(loadConfig({ JACK_NAMESPACES: ' OFF ' }).jackNamespaces, 'off');
  });

  it('reads the room limits', () => {
    const c = loadConfig({
      ROOM_CREATIONS_PER_USER: '2',
      OPEN_ROOMS_PER_USER: '1',
      PASSPHRASE_ATTEMPTS_PER_IP: '100',
    });
    assert.equal(c.roomCreationsPerUser, 2);
    assert.equal(c.openRoomsPerUser, 1);
    assert.equal(c.passphraseAttemptsPerIp, 100);
    bad({ ROOM_CREATIONS_PER_USER: '0' }, 'ROOM_CREATIONS_PER_USER');
    bad({ ROOM_CREATIONS_PER_USER: 'many' }, 'ROOM_CREATIONS_PER_USER');
    bad({ OPEN_ROOMS_PER_USER: '0' }, 'OPEN_ROOMS_PER_USER');
    bad({ OPEN_ROOMS_PER_USER: '-2' }, 'OPEN_ROOMS_PER_USER');
    bad({ PASSPHRASE_ATTEMPTS_PER_IP: '0' }, 'PASSPHRASE_ATTEMPTS_PER_IP');
    bad({ PASSPHRASE_ATTEMPTS_PER_IP: '2.5' }, 'PASSPHRASE_ATTEMPTS_PER_IP');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      HUB_HOST: '0.0.0.0',
      HUB_PORT: '9443',
      JACKTRIP_BIN: '/opt/jt/jacktrip',
      JACKD_BIN: '/opt/jack/jackd',
      JACKTRIP_BASE_PORT: '5000',
      JACKTRIP_PORT_RANGE: '50',
      SSL_CERTFILE: '/etc/c.pem',
      SSL_KEYFILE: '/etc/k.pem',
      SESSION_TTL_HOURS: '24',
      LOG_LEVEL: 'warn',
      HUB_TRUST_PROXY: 'yes',
    });
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.port, 9443);
    assert.equal(c.jacktripBin, '/opt/jt/jacktrip');
    assert.equal(c.jackdBin, '/opt/jack/jackd');
    assert.deepEqual(c.tls, { mode: 'files', certFile: '/etc/c.pem', keyFile: '/etc/k.pem' });
    assert.equal(c.sessionTtlHours, 24);
    assert.equal(c.logLevel, 'warn');
    assert.equal(c.trustProxy, true);
  });

  it('rejects each invalid variable by name', () => {
    bad({ HUB_PORT: 'abc' }, 'HUB_PORT');
    bad({ HUB_PORT: '70000' }, 'HUB_PORT');
    bad({ HUB_PORT: '-1' }, 'HUB_PORT');
    bad({ HUB_PORT: '80.5' }, 'HUB_PORT');
    bad({ HUB_HOST: 'not a host' }, 'HUB_HOST');
    bad({ HUB_HOST: '' }, 'HUB_HOST');
    bad({ JACKTRIP_BIN: '' }, 'JACKTRIP_BIN');
    bad({ JACKD_BIN: '' }, 'JACKD_BIN');
    bad({ JACKTRIP_BASE_PORT: '80' }, 'JACKTRIP_BASE_PORT');
    bad({ JACKTRIP_PORT_RANGE: '0' }, 'JACKTRIP_PORT_RANGE');
    bad({ JACKTRIP_BASE_PORT: '65500', JACKTRIP_PORT_RANGE: '100' }, 'JACKTRIP_PORT_RANGE');
    bad({ HUB_PORT: '4470' }, 'HUB_PORT'); // inside the JackTrip pool 4464-4563
    bad({ SSL_CERTFILE: '/c.pem' }, 'SSL_KEYFILE');
    bad({ SSL_KEYFILE: '/k.pem' }, 'SSL_CERTFILE');
    bad({ HUB_INSECURE_HTTP: 'maybe' }, 'HUB_INSECURE_HTTP');
    bad({ HUB_INSECURE_HTTP: '1', SSL_CERTFILE: '/c', SSL_KEYFILE: '/k' }, 'HUB_INSECURE_HTTP');
    bad({ SESSION_TTL_HOURS: '0' }, 'SESSION_TTL_HOURS');
    bad({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    bad({ JACK_PERIOD: '100' }, 'JACK_PERIOD');
    bad({ JACK_NAMESPACES: 'maybe' }, 'JACK_NAMESPACES');
    bad({ RELAY_PORT: 'udp' }, 'RELAY_PORT');
    bad({ RELAY_PORT: '4500' }, 'RELAY_PORT'); // inside the JackTrip pool
    bad({ HUB_PUBLIC_HOST: 'two words' }, 'HUB_PUBLIC_HOST');
    bad({ BACKLINE_DATA_DIR: ' ' }, 'BACKLINE_DATA_DIR');
    bad({}, 'argv', ['--frobnicate']);
  });

  it('RELAY_WORKERS: relay threads on RELAY_PORT, +1, …; 1 unless set; the ports stay out of the JackTrip pool', () => {
    assert.equal(loadConfig({}).relayWorkers, 1);
    assert.equal(loadConfig({ RELAY_WORKERS: '4', RELAY_PORT: '9000' }).relayWorkers, 4);
    bad({ RELAY_WORKERS: '0' }, 'RELAY_WORKERS');
    bad({ RELAY_WORKERS: 'all' }, 'RELAY_WORKERS');
    bad({ RELAY_WORKERS: '4', RELAY_PORT: '65534' }, 'RELAY_WORKERS');
    bad({ RELAY_WORKERS: '3', RELAY_PORT: '4462' }, 'RELAY_PORT'); // 4462-4464 reaches the pool
  });

  it('WS_MAX_PER_USER: WebSockets per user, 20 unless set', () => {
    assert.equal(loadConfig({}).wsMaxPerUser, 20);
    assert.equal(loadConfig({ WS_MAX_PER_USER: '3' }).wsMaxPerUser, 3);
    bad({ WS_MAX_PER_USER: '0' }, 'WS_MAX_PER_USER');
    bad({ WS_MAX_PER_USER: 'many' }, 'WS_MAX_PER_USER');
  });

  it('the error message names the variable and what is allowed', () => {
    try {
      loadConfig({ HUB_PORT: 'eighty' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^HUB_PORT: "eighty" is not a whole number; allowed: 0 to 65535$/);
    }
  });

  it('plain HTTP only behind the explicit flag', () => {
    assert.deepEqual(loadConfig({}, ['--insecure-http']).tls, { mode: 'off' });
    assert.deepEqual(loadConfig({ HUB_INSECURE_HTTP: 'true' }).tls, { mode: 'off' });
    assert.deepEqual(loadConfig({ HUB_INSECURE_HTTP: '0' }).tls, { mode: 'generate' });
  });

  it('defaults the data dir to the per-user data folder', () => {
    assert.equal(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux'), '/xdg/backline');
    assert.match(defaultDataDir({}, 'linux'), /\/\.local\/share\/backline$/);
    assert.match(defaultDataDir({}, 'darwin'), /Library\/Application Support\/Backline$/);
    assert.match(
      defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32'),
      /Backline$/,
    );
  });
  it('HUB_UPNP: off by default, on for a hub that listens beyond loopback, with a lease', () => {
    const off = loadConfig({ BACKLINE_DATA_DIR: '/tmp/x' });
    assert.equal(off.upnp, false);
    assert.equal(off.upnpLeaseSeconds, 1800);
    const on = loadConfig({
      BACKLINE_DATA_DIR: '/tmp/x',
      HUB_HOST: '0.0.0.0',
      HUB_UPNP: 'true',
      HUB_UPNP_LEASE_SECONDS: '600',
    });
    assert.equal(on.upnp, true);
    assert.equal(on.upnpLeaseSeconds, 600);
    bad({ HUB_UPNP: 'true' }, 'HUB_UPNP'); // localhost: no router can forward to it
    bad({ HUB_HOST: '127.0.0.1', HUB_UPNP: '1' }, 'HUB_UPNP');
    bad({ HUB_HOST: '0.0.0.0', HUB_UPNP: 'maybe' }, 'HUB_UPNP');
    bad({ HUB_UPNP_LEASE_SECONDS: '10' }, 'HUB_UPNP_LEASE_SECONDS');
  });
});
