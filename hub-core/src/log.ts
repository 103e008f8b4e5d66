import pino from 'pino';
import type { LogLevel } from './config.js';

export type Logger = pino.Logger;

/** Paths pino censors wherever they appear: secrets never reach a log line. */
export const REDACT_PATHS = [
  'password',
  'token',
  'passphrase',
  'ticket',
  '*.password',
  '*.token',
  '*.passphrase',
  '*.ticket',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** A URL as logged: the path only. A query string can carry a credential (`?token=`, `?ticket=`). */
export function pathOnly(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}

interface LoggedRequest {
  method?: unknown;
  url?: unknown;
  host?: unknown;
  ip?: unknown;
  socket?: { remotePort?: unknown } | null;
}

/**
 * Replaces Fastify's own request serializer (a logger's serializers take precedence over
 * Fastify's), so no route, WebSocket upgrades included, ever logs its query string.
 */
function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? pathOnly(req.url) : undefined,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'backline-hub' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { req: serializeRequest },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
