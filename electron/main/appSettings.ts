// The desktop app's own settings from the environment (all optional): where its data lives,
// which JACK server it plays on, and how "Host a jam" listens. Validated like the hub's
// settings: a bad value is one clear line naming the variable (ConfigError), never a guess.
import { isAbsolute } from 'node:path';
import { envInt, isHostOrIp, type Env, ConfigError } from '../../hub-core/src/index.js';

export interface AppSettings {
  /** BACKLINE_USER_DATA: the app's data folder instead of the OS's per-user one. */
  userData?: string;
  /** BACKLINE_JACK_SERVER: the JACK server the app's jacktrip plays on (JACK's default if unset). */
  jackServer?: string;
  /** How "Host a jam" runs its hub. */
  host: {
    /** BACKLINE_HOST_LISTEN: the interface the hub listens on (default 0.0.0.0, every one). */
    listenHost?: string;
    /** BACKLINE_HOST_ADDRESS: the address the share link names (default: the LAN address). */
    advertiseHost?: string;
    /** BACKLINE_HOST_PORT: the hub's port (default 8000, or any free one when it is taken). */
    port?: number;
  };
}

/** JACK server names the app accepts: what `jackd -n` takes, without shell or path characters. */
const JACK_SERVER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function host(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!isHostOrIp(raw)) throw new ConfigError(name, `"${raw}" is not a hostname or IP address`);
  return raw;
}

export function appSettingsFromEnv(env: Env): AppSettings {
  const userData = env.BACKLINE_USER_DATA?.trim() || undefined;
  if (userData !== undefined && (!isAbsolute(userData) || userData.includes('\0')))
    throw new ConfigError('BACKLINE_USER_DATA', `"${userData}" is not an absolute folder path`);
  const jackServer = env.BACKLINE_JACK_SERVER?.trim() || undefined;
  if (jackServer !== undefined && !JACK_SERVER.test(jackServer))
    throw new ConfigError(
      'BACKLINE_JACK_SERVER',
      `"${jackServer}" is not a JACK server name; allowed: letters, digits, _ . - (up to 63)`,
    );
  const port = env.BACKLINE_HOST_PORT?.trim()
    ? envInt(env, 'BACKLINE_HOST_PORT', 8000, 0, 65535)
    : undefined;
  return {
    userData,
    jackServer,
    host: {
      listenHost: host(env, 'BACKLINE_HOST_LISTEN'),
      advertiseHost: host(env, 'BACKLINE_HOST_ADDRESS'),
      port,
    },
  };
}
