import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AuthService, DEFAULT_AUTH_LIMITS, type AuthLimits } from './auth/AuthService.js';
import { PasswordHasher } from './auth/passwords.js';
import { systemClock, type Clock } from './clock.js';
import type { HubConfig } from './config.js';
import { openDatabase, type Db } from './db/open.js';
import { SessionsRepo } from './db/sessions.js';
import { UsersRepo } from './db/users.js';
import { buildHttpApp } from './http/server.js';
import { SafeEmitter } from './events.js';
import { createLogger, type Logger } from './log.js';
import {
  loadCertificateFiles,
  loadOrCreateSelfSigned,
  type Certificate,
} from './tls/certificate.js';
import { VERSION } from './version.js';

export interface HubOptions {
  config: HubConfig;
  logger?: Logger;
  /** Time source; tests move it instead of sleeping. Default: the system clock. */
  clock?: Clock;
  /** Login and registration limits. Default: DEFAULT_AUTH_LIMITS. */
  authLimits?: AuthLimits;
  /** bcrypt worker threads. Default: cores - 1, at least 1. */
  passwordThreads?: number;
}

export type HubEvents = { closed: [] };

/**
 * The composition root: certificate, database, services and the HTTPS server.
 * `Hub.create` resolves once everything is ready to listen; `close` is safe to call twice.
 */
export class Hub extends SafeEmitter<HubEvents> {
  private closing: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private listening = false;

  private constructor(
    readonly config: HubConfig,
    readonly logger: Logger,
    readonly app: FastifyInstance,
    readonly certificate: Certificate | undefined,
    private readonly db: Db,
    private readonly hasher: PasswordHasher,
    readonly auth: AuthService,
  ) {
    super();
    this.onListenerError = (event, err) => logger.error({ err, event }, 'hub event listener threw');
  }

  static async create(opts: HubOptions): Promise<Hub> {
    const { config } = opts;
    const clock = opts.clock ?? systemClock;
    const logger = opts.logger ?? createLogger(config.logLevel);
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

    const certificate =
      config.tls.mode === 'files'
        ? loadCertificateFiles(config.tls.certFile, config.tls.keyFile)
        : config.tls.mode === 'generate'
          ? loadOrCreateSelfSigned(config.dataDir, [config.host])
          : undefined;

    const db = openDatabase(join(config.dataDir, 'hub.db'));
    const hasher = new PasswordHasher({ threads: opts.passwordThreads });
    try {
      const users = new UsersRepo(db);
      const sessions = new SessionsRepo(db);
      const auth = new AuthService(
        users,
        sessions,
        hasher,
        clock,
        config.sessionTtlHours * 3_600_000,
        opts.authLimits ?? {
          ...DEFAULT_AUTH_LIMITS,
          loginPerIp: { ...DEFAULT_AUTH_LIMITS.loginPerIp, limit: config.loginAttemptsPerIp },
        },
      );
      const startedAt = Date.now();
      const app = await buildHttpApp({
        logger,
        auth,
        version: VERSION,
        tls: certificate
          ? {
              cert: certificate.certPem,
              key: certificate.keyPem,
              fingerprint256: certificate.fingerprint256,
            }
          : undefined,
        trustProxy: config.trustProxy,
        startedAt,
        health: () => ({ users: users.count(), active_sessions: sessions.countActive(clock()) }),
      });
      await app.ready();
      const hub = new Hub(config, logger, app, certificate, db, hasher, auth);
      hub.sweepTimer = setInterval(() => {
        const n = auth.sweep();
        if (n > 0) logger.info({ removed: n }, 'expired sessions removed');
      }, 10 * 60_000);
      hub.sweepTimer.unref();
      return hub;
    } catch (err) {
      await hasher.close();
      db.close();
      throw err;
    }
  }

  get fingerprint256(): string | null {
    return this.certificate?.fingerprint256 ?? null;
  }

  /** Starts listening; resolves with the URL a browser or client should use. */
  async listen(): Promise<string> {
    await this.app.listen({ host: this.config.host, port: this.config.port });
    this.listening = true;
    return this.url;
  }

  get url(): string {
    const addr = this.app.server.address();
    const port = addr && typeof addr === 'object' ? addr.port : this.config.port;
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    return `${this.certificate ? 'https' : 'http'}://${host}:${port}`;
  }

  /** Stops listening, lets in-flight requests finish, then closes workers and the database. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweepTimer);
      await this.app.close();
      this.listening = false;
      await this.hasher.close();
      this.db.close();
      this.logger.info('hub closed');
      this.safeEmit('closed');
    })();
    return this.closing;
  }

  get isListening(): boolean {
    return this.listening;
  }
}
