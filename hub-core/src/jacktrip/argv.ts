// Pure argv builders: every option of every child process in one place, tested alone.
import type { PatchMode } from '../../../protocol/rules.js';

export interface JackdOptions {
  /** Server name, `-n`. Must not equal any JACK client's name on the machine. */
  name: string;
  /** Sample rate. Default 48000. */
  rate?: number;
  /** Frames per period. Default 128. */
  period?: number;
}

export function jackdArgs(options: JackdOptions): string[] {
  return [
    '-n',
    options.name,
    '-d',
    'dummy',
    '-r',
    String(options.rate ?? 48000),
    '-p',
    String(options.period ?? 128),
  ];
}

/**
 * jacktrip's own auto-patcher (`-p`). Backline rooms always run 5 (none): jacktrip would wire
 * every new client at spawn time, a foreign-named or kicked one included, before the hub could
 * react; the hub wires the room itself in every patch mode (patchbay/Wiring.ts).
 */
export const JACKTRIP_NO_AUTO_PATCH = 5;

export interface JackTripServerArgsOptions {
  /** TCP handshake port, `-B`. */
  tcpPort: number;
  /** First UDP port handed to clients, `-U`. */
  udpBase: number;
  /** jacktrip's `-p`. Default {@link JACKTRIP_NO_AUTO_PATCH}; only benchmarks of bare jacktrip set it. */
  patchMode?: PatchMode;
  /** Queue length in packets, `-q`. Default 4 (JackTrip's own default). */
  queue?: number;
  /** JackTrip authentication (`-A`); the hub always uses it for Backline rooms. */
  auth?: { certFile: string; keyFile: string; credsFile: string };
}

export function jacktripServerArgs(options: JackTripServerArgsOptions): string[] {
  const a = ['-S', '-B', String(options.tcpPort), '-U', String(options.udpBase)];
  a.push('-p', String(options.patchMode ?? JACKTRIP_NO_AUTO_PATCH));
  if (options.queue !== undefined) a.push('-q', String(options.queue));
  if (options.auth)
    a.push(
      '-A',
      '--certfile',
      options.auth.certFile,
      '--keyfile',
      options.auth.keyFile,
      '--credsfile',
      options.auth.credsFile,
    );
  return a;
}

export interface JackTripClientArgsOptions {
  host: string;
  /** The hub's TCP handshake port, `-P`. */
  port: number;
  /** The name the hub gives this client's ports, `-K`. */
  remoteName: string;
  /** Local JACK client name, `-J`. Unique on the player's machine. */
  clientName?: string;
  /**
   * Local UDP port, `-B`. Use a fresh one on every reconnect: the hub's worker for the old
   * connection lingers about 10 s and kills a client that comes back from the same port.
   */
  localPort?: number;
  username?: string;
  password?: string;
  queue?: number;
  /** Don't auto-connect to system ports, `-D`. */
  noAutoConnect?: boolean;
  /** Quit after 10 s without network activity, `-t`. */
  timeout?: boolean;
}

export function jacktripClientArgs(options: JackTripClientArgsOptions): string[] {
  const a = ['-C', options.host, '-P', String(options.port), '-K', options.remoteName];
  if (options.clientName) a.push('-J', options.clientName);
  if (options.localPort !== undefined) a.push('-B', String(options.localPort));
  if (options.queue !== undefined) a.push('-q', String(options.queue));
  if (options.noAutoConnect) a.push('-D');
  if (options.timeout) a.push('-t');
  if (options.username !== undefined)
    a.push('-A', '--username', options.username, '--password', options.password ?? '');
  return a;
}
