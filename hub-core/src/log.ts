import pino from 'pino';
import type { LogLevel } from './config.js';

export type Logger = pino.Logger;

/** Paths pino censors wherever they appear: secrets never reach a log line. */
export const REDACT_PATHS = [
  'password',
  'token',
  'passphrase',
  '*.password',
  '*.token',
  '*.passphrase',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'backline-hub' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
