import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ORIGIN } from '../../protocol/channels.js';
import { ConfigError } from './errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

export type TlsConfig =
  | { mode: 'generate' } // self-signed, kept in <dataDir>/certs
  | { mode: 'files'; certFile: string; keyFile: string }
  | { mode: 'off' }; // plain HTTP: only with --insecure-http / HUB_INSECURE_HTTP=1

export interface HubConfig {
  /** Interface to listen on. Default `localhost`. */
  host: string;
  /** TCP port of the HTTPS API. Default 8000; 0 picks a free port. */
  port: number;
  /** The jacktrip binary rooms run. Default `jacktrip`. */
  jacktripBin: string;
  /** The jackd binary rooms run. Default `jackd`. */
  jackdBin: string;
  /** First port of the JackTrip pool (TCP handshake and UDP). Default 4464. */
  jacktripBasePort: number;
  /** Number of ports in the JackTrip pool. Default 100. */
  jacktripPortRange: number;
  tls: TlsConfig;
  /** Where hub.db and certs/ live. Default: the OS's per-user data folder. */
  dataDir: string;
  /** How long a login stays valid, in hours. Default 720 (30 days). */
  sessionTtlHours: number;
  /** pino level. Default `info`. */
  logLevel: LogLevel;
  /** Trust X-Forwarded-For from a reverse proxy (for per-IP rate limits). Default false. */
  trustProxy: boolean;
  /** Login attempts allowed per client IP in 10 minutes. Default 30. */
  loginAttemptsPerIp: number;
  /** Registrations allowed per client IP per hour. Default 10. */
  registrationsPerIp: number;
  /** Rooms one user may create per 10 minutes. Default 10. */
  roomCreationsPerUser: number;
  /** Open rooms (not closed, not expired) one user may host at once. Default 3. */
  openRoomsPerUser: number;
  /** Wrong room passphrases allowed per client IP in 10 minutes. Default 20. */
  passphraseAttemptsPerIp: number;
  /** WebSockets one user may hold open at once, over all their sessions. Default 20. */
  wsMaxPerUser: number;
  /** Host name players' jacktrip connects to. Default: the host the player reached the API by. */
  publicHost: string | undefined;
  /** UDP port of the voice relay. Default: the same number as HUB_PORT. */
  relayPort: number;
  /**
   * Voice relay workers, each a thread with its own UDP port (RELAY_PORT + i) and its share of
   * the rooms. Default 1: the router mapping and the forwarding rules know one relay port.
   */
  relayWorkers: number;
  /** Frames per period of every room's JACK server (players must match it). Default 128. */
  jackPeriod: number;
  /** Each room's JACK in a namespace of its own where the machine allows it, or never. Default auto. */
  jackNamespaces: 'auto' | 'off';
  /** The built web UI (renderer/dist) the hub serves at `/`. Default: this checkout's build. */
  webRoot: string;
  /**
   * Origins whose pages may call the API cross-origin with a bearer token (CORS). Default: the
   * desktop app's own origin, backline-app://app. Cookies are never accepted cross-origin.
   */
  corsOrigins: string[];
  /** Open the home router's ports with UPnP IGD or NAT-PMP (HUB_UPNP). Default false. */
  upnp: boolean;
  /** Lease asked of the router per mapping, in seconds; renewed at half (HUB_UPNP_LEASE_SECONDS). Default 1800. */
  upnpLeaseSeconds: number;
  /** Longest recording, in minutes (HUB_RECORDING_MAX_MINUTES). Default 180. */
  recordingMaxMinutes: number;
  /** Disk space all recordings may take, in MB (HUB_RECORDING_QUOTA_MB). Default 10240. */
  recordingQuotaMb: number;
  /** Free disk below which recording refuses to start or stops (HUB_RECORDING_MIN_FREE_MB). Default 512. */
  recordingMinFreeMb: number;
  /** Where recordings are kept (HUB_RECORDINGS_DIR). Default `<dataDir>/recordings`. */
  recordingsDir: string;
}

/** This checkout's renderer build, the default web UI. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));

export type Env = Readonly<Record<string, string | undefined>>;

/** The OS's per-user data folder for Backline. */
export function defaultDataDir(env: Env = process.env, platform = process.platform): string {
  if (platform === 'win32') {
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Backline');
  }
  if (platform === 'darwin') {
    return join(homedir(), 'Library', 'Application Support', 'Backline');
  }
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'share'), 'backline');
}

const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A host name or an IP address (v4 or v6). */
export const isHostOrIp = (h: string): boolean => isIP(h) !== 0 || HOSTNAME.test(h);

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(name, `"${raw}" is not a whole number; allowed: ${min} to ${max}`);
  }
  const n = Number(raw.trim());
  if (n < min || n > max) {
    throw new ConfigError(name, `${n} is out of range; allowed: ${min} to ${max}`);
  }
  return n;
}

function bool(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return false;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(
    name,
    `"${raw}" is not a boolean; allowed: 1/0, true/false, yes/no, on/off`,
  );
}

function nonEmpty(env: Env, name: string, def: string): string {
  const raw = env[name];
  if (raw === undefined) return def;
  if (raw.trim() === '' || raw.includes('\0')) {
    throw new ConfigError(name, 'must not be empty; allowed: a program name or path');
  }
  return raw;
}

// The desktop app reads its own few settings the same way (electron/main/appSettings.ts).
export { bool as envBool, int as envInt };

export const USAGE = `usage: npm run hub [-- --insecure-http]

Environment (all optional):
  HUB_HOST             interface to listen on            (localhost)
  HUB_PORT             HTTPS port, 0 = any free port     (8000)
  JACKTRIP_BIN         jacktrip binary                   (jacktrip)
  JACKD_BIN            jackd binary                      (jackd)
  JACKTRIP_BASE_PORT   first port of the JackTrip pool   (4464)
  JACKTRIP_PORT_RANGE  ports in the JackTrip pool        (100)
  SSL_CERTFILE         PEM certificate (with SSL_KEYFILE; default: generated self-signed)
  SSL_KEYFILE          PEM private key
  BACKLINE_DATA_DIR    data folder (hub.db, certs/)      (${defaultDataDir()})
  SESSION_TTL_HOURS    login lifetime in hours           (720)
  LOG_LEVEL            fatal|error|warn|info|debug|trace|silent (info)
  HUB_TRUST_PROXY      trust X-Forwarded-For             (false)
  LOGIN_ATTEMPTS_PER_IP  logins per client IP per 10 min (30; raise it for a band behind one NAT)
  REGISTRATIONS_PER_IP   new accounts per client IP per hour (10)
  ROOM_CREATIONS_PER_USER  rooms one user may create per 10 min (10)
  OPEN_ROOMS_PER_USER      open rooms one user may host at once (3)
  PASSPHRASE_ATTEMPTS_PER_IP  wrong room passphrases per client IP per 10 min (20)
  WS_MAX_PER_USER        WebSockets one user may hold open (20)
  HUB_PUBLIC_HOST      host name players' jacktrip uses  (the host in the request)
  RELAY_PORT           UDP port of the voice relay       (same number as HUB_PORT)
  RELAY_WORKERS        relay threads, one UDP port each (RELAY_PORT, +1, …); one per core
                       suits a server whose ports are open (1)
  JACK_PERIOD          room JACK period in frames: 32, 64, 128, 256 or 512 (128)
  JACK_NAMESPACES      auto: each room's JACK in a Linux namespace of its own where possible, so
                       more than 8 rooms run; off: the machine's JACK, at most 8 (auto)
  HUB_INSECURE_HTTP    serve plain HTTP, no TLS          (false; same as --insecure-http)
  BACKLINE_WEB_ROOT    built web UI to serve at /        (renderer/dist of this checkout)
  HUB_CORS_ORIGINS     extra page origins allowed to call the API with a bearer token,
                       comma-separated                   (the desktop app's backline-app://app)
  HUB_UPNP             open the home router's ports (UPnP IGD / NAT-PMP); needs HUB_HOST=0.0.0.0
                       or a LAN address                  (false)
  HUB_UPNP_LEASE_SECONDS  lease of each router mapping, renewed at half (1800)
`;

/**
 * Reads and validates the hub's settings. Throws ConfigError naming the first bad variable.
 * `argv` is the CLI's arguments after the script name.
 */
export function loadConfig(env: Env = process.env, argv: readonly string[] = []): HubConfig {
  let insecureFlag = false;
  for (const arg of argv) {
    if (arg === '--insecure-http') insecureFlag = true;
    else
      throw new ConfigError('argv', `unknown argument "${arg}"; allowed: --insecure-http, --help`);
  }

  const host = (env.HUB_HOST ?? 'localhost').trim();
  if (!isHostOrIp(host)) {
    throw new ConfigError('HUB_HOST', `"${env.HUB_HOST}" is not a hostname or IP address`);
  }
  const port = int(env, 'HUB_PORT', 8000, 0, 65535);
  const jacktripBin = nonEmpty(env, 'JACKTRIP_BIN', 'jacktrip');
  const jackdBin = nonEmpty(env, 'JACKD_BIN', 'jackd');
  const jacktripBasePort = int(env, 'JACKTRIP_BASE_PORT', 4464, 1024, 65534);
  const jacktripPortRange = int(env, 'JACKTRIP_PORT_RANGE', 100, 2, 10000);
  if (jacktripBasePort + jacktripPortRange - 1 > 65535) {
    throw new ConfigError(
      'JACKTRIP_PORT_RANGE',
      `${jacktripPortRange} ports from JACKTRIP_BASE_PORT=${jacktripBasePort} run past 65535`,
    );
  }
  if (port !== 0 && port >= jacktripBasePort && port < jacktripBasePort + jacktripPortRange) {
    throw new ConfigError(
      'HUB_PORT',
      `${port} lies inside the JackTrip pool ${jacktripBasePort}-${jacktripBasePort + jacktripPortRange - 1}`,
    );
  }

  const insecure = bool(env, 'HUB_INSECURE_HTTP') || insecureFlag;
  const certFile = env.SSL_CERTFILE?.trim() || undefined;
  const keyFile = env.SSL_KEYFILE?.trim() || undefined;
  let tls: TlsConfig;
  if (certFile && !keyFile)
    throw new ConfigError('SSL_KEYFILE', 'must be set when SSL_CERTFILE is');
  if (keyFile && !certFile)
    throw new ConfigError('SSL_CERTFILE', 'must be set when SSL_KEYFILE is');
  if (insecure) {
    if (certFile) {
      throw new ConfigError(
        'HUB_INSECURE_HTTP',
        'cannot be combined with SSL_CERTFILE/SSL_KEYFILE',
      );
    }
    tls = { mode: 'off' };
  } else if (certFile && keyFile) {
    tls = { mode: 'files', certFile: resolve(certFile), keyFile: resolve(keyFile) };
  } else {
    tls = { mode: 'generate' };
  }

  const rawDir = env.BACKLINE_DATA_DIR;
  if (rawDir !== undefined && (rawDir.trim() === '' || rawDir.includes('\0'))) {
    throw new ConfigError('BACKLINE_DATA_DIR', 'must not be empty; allowed: a folder path');
  }
  const dataDir = resolve(rawDir?.trim() || defaultDataDir(env));

  const sessionTtlHours = int(env, 'SESSION_TTL_HOURS', 720, 1, 24 * 365);
  const level = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    throw new ConfigError(
      'LOG_LEVEL',
      `"${env.LOG_LEVEL}" is not a level; allowed: ${LOG_LEVELS.join(', ')}`,
    );
  }
  const trustProxy = bool(env, 'HUB_TRUST_PROXY');
  const loginAttemptsPerIp = int(env, 'LOGIN_ATTEMPTS_PER_IP', 30, 1, 1_000_000);
  const registrationsPerIp = int(env, 'REGISTRATIONS_PER_IP', 10, 1, 1_000_000);
  const roomCreationsPerUser = int(env, 'ROOM_CREATIONS_PER_USER', 10, 1, 1_000_000);
  const openRoomsPerUser = int(env, 'OPEN_ROOMS_PER_USER', 3, 1, 10_000);
  const passphraseAttemptsPerIp = int(env, 'PASSPHRASE_ATTEMPTS_PER_IP', 20, 1, 1_000_000);
  const wsMaxPerUser = int(env, 'WS_MAX_PER_USER', 20, 1, 10_000);
  const publicHost = env.HUB_PUBLIC_HOST?.trim() || undefined;
  if (publicHost !== undefined && !(isIP(publicHost) !== 0 || HOSTNAME.test(publicHost))) {
    throw new ConfigError('HUB_PUBLIC_HOST', `"${publicHost}" is not a hostname or IP address`);
  }

  const relayPort = int(env, 'RELAY_PORT', port, 0, 65535);
  const relayWorkers = int(env, 'RELAY_WORKERS', 1, 1, 64);
  const relayLast = relayPort + relayWorkers - 1;
  if (relayPort !== 0 && relayLast > 65535) {
    throw new ConfigError(
      'RELAY_WORKERS',
      `${relayWorkers} workers from port ${relayPort} pass 65535`,
    );
  }
  if (
    relayPort !== 0 &&
    relayLast >= jacktripBasePort &&
    relayPort < jacktripBasePort + jacktripPortRange
  ) {
    throw new ConfigError(
      'RELAY_PORT',
      `${relayPort}${relayWorkers > 1 ? `-${relayLast}` : ''} lies inside the JackTrip pool ${jacktripBasePort}-${jacktripBasePort + jacktripPortRange - 1}`,
    );
  }
  const jackPeriod = int(env, 'JACK_PERIOD', 128, 16, 4096);
  if (![32, 64, 128, 256, 512].includes(jackPeriod)) {
    throw new ConfigError(
      'JACK_PERIOD',
      `${jackPeriod} is not allowed; allowed: 32, 64, 128, 256, 512`,
    );
  }

  const jackNamespaces = (env.JACK_NAMESPACES?.trim() || 'auto').toLowerCase();
  if (jackNamespaces !== 'auto' && jackNamespaces !== 'off')
    throw new ConfigError(
      'JACK_NAMESPACES',
      `"${env.JACK_NAMESPACES}" is not allowed; allowed: auto, off`,
    );

  const webRoot = resolve(env.BACKLINE_WEB_ROOT?.trim() || DEFAULT_WEB_ROOT);

  const corsOrigins = [APP_ORIGIN];
  for (const raw of (env.HUB_CORS_ORIGINS ?? '').split(',')) {
    const o = raw.trim();
    if (!o) continue;
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || url.origin === 'null' || url.origin !== o.replace(/\/$/, '')) {
      throw new ConfigError(
        'HUB_CORS_ORIGINS',
        `"${o}" is not an origin; allowed: scheme://host[:port], comma-separated`,
      );
    }
    if (!corsOrigins.includes(url.origin)) corsOrigins.push(url.origin);
  }

  const upnp = bool(env, 'HUB_UPNP');
  if (upnp && (host === 'localhost' || host === '::1' || host.startsWith('127.'))) {
    throw new ConfigError(
      'HUB_UPNP',
      `the hub listens on ${host} only, which no router can forward to; set HUB_HOST=0.0.0.0 (or a LAN address)`,
    );
  }
  const upnpLeaseSeconds = int(env, 'HUB_UPNP_LEASE_SECONDS', 1800, 60, 86400);
  const recordingMaxMinutes = int(env, 'HUB_RECORDING_MAX_MINUTES', 180, 1, 1440);
  const recordingQuotaMb = int(env, 'HUB_RECORDING_QUOTA_MB', 10240, 0, 100_000_000);
  const recordingMinFreeMb = int(env, 'HUB_RECORDING_MIN_FREE_MB', 512, 0, 100_000_000);
  const recordingsDir = resolve(env.HUB_RECORDINGS_DIR?.trim() || join(dataDir, 'recordings'));

  return {
    host,
    port,
    jacktripBin,
    jackdBin,
    jacktripBasePort,
    jacktripPortRange,
    tls,
    dataDir,
    sessionTtlHours,
    logLevel: level as LogLevel,
    trustProxy,
    loginAttemptsPerIp,
    publicHost,
    registrationsPerIp,
    roomCreationsPerUser,
    openRoomsPerUser,
    passphraseAttemptsPerIp,
    wsMaxPerUser,
    relayPort,
    relayWorkers,
    jackPeriod,
    jackNamespaces,
    webRoot,
    corsOrigins,
    upnp,
    upnpLeaseSeconds,
    recordingMaxMinutes,
    recordingQuotaMb,
    recordingMinFreeMb,
    recordingsDir,
  };
}
