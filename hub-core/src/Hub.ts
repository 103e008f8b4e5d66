import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AuthService, DEFAULT_AUTH_LIMITS, type AuthLimits } from './auth/AuthService.js';
import { PasswordHasher, type PasswordHasherOptions } from './auth/passwords.js';
import { systemClock, type Clock } from './clock.js';
import type { HubConfig } from './config.js';
import { openDatabase, type Db } from './db/open.js';
import { RecordingsRepo } from './db/recordings.js';
import { RoomsRepo } from './db/rooms.js';
import { SessionsRepo } from './db/sessions.js';
import { UsersRepo, type UserRow } from './db/users.js';
import { NotFound } from './errors.js';
import { SafeEmitter } from './events.js';
import { TeardownStack } from './process/TeardownStack.js';
import { patchbayRoutes } from './http/patchbay.routes.js';
import { PatchbayService } from './patchbay/PatchbayService.js';
import { recordingRoutes } from './http/recording.routes.js';
import { roomRoutes } from './http/rooms.routes.js';
import { HubMetrics } from './http/metrics.js';
import { buildHttpApp } from './http/server.js';
import { SocketRegistry } from './http/sockets.js';
import { RoomSocketGateway } from './http/RoomSocketGateway.js';
import { voiceRoutes } from './http/voice.routes.js';
import { PortPool } from './jacktrip/PortPool.js';
import { roomIsolation } from './jacktrip/isolation.js';
import { Relay } from './relay/Relay.js';
import type { RelayLimits } from './relay/RelayCore.js';
import { Supervisor } from './jacktrip/Supervisor.js';
import { createLogger, type Logger } from './log.js';
import { Reachability } from './reach/Reachability.js';
import { RecordingService, type RecordingServiceOptions } from './recording/RecordingService.js';
import { isLocalClient } from './reach/state.js';
import { ChatService } from './rooms/ChatService.js';
import { DEFAULT_PASSPHRASE_LIMITS } from './rooms/limits.js';
import { RoomService } from './rooms/RoomService.js';
import { markStartup } from './startup.js';
import { hubCertificates, type Certificate } from './tls/certificate.js';
import { VERSION } from './version.js';

export interface HubOptions {
  config: HubConfig;
  logger?: Logger;
  /** Time source; tests move it instead of sleeping. Default: the system clock. */
  clock?: Clock;
  /** Login and registration limits. Default: from LOGIN_ATTEMPTS_PER_IP and REGISTRATIONS_PER_IP. */
  authLimits?: Partial<AuthLimits>;
  /** bcrypt worker threads. Default: cores - 1, at least 1. */
  passwordThreads?: number;
  /** Bounds of the password-hashing queue. Default: PasswordHasher's (64 waiting, 4 per caller). */
  passwordQueue?: Pick<PasswordHasherOptions, 'maxQueued' | 'maxPerKey'>;
  /** Voice relay limits. Default: DEFAULT_RELAY_LIMITS (docs/relay-protocol.md). */
  relayLimits?: Partial<RelayLimits>;
  /** Recording options beyond the config (the segment size, how often limits are checked). */
  recording?: Pick<RecordingServiceOptions, 'segmentBytes' | 'checkEveryMs'>;
}

export type HubEvents = { closed: [] };

interface Parts {
  db: Db;
  hasher: PasswordHasher;
  auth: AuthService;
  supervisor: Supervisor;
  rooms: RoomService;
  roomSockets: RoomSocketGateway;
  sockets: SocketRegistry;
  relay: Relay;
  reach: Reachability;
  recordings: RecordingService;
  metrics: HubMetrics;
}

/**
 * The composition root: certificate, database, services, room supervisor and the HTTPS
 * server. `Hub.create` resolves once everything is ready to listen; `close` is safe to call
 * twice and leaves no child process behind.
 */
export class Hub extends SafeEmitter<HubEvents> {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly config: HubConfig,
    readonly logger: Logger,
    readonly app: FastifyInstance,
    readonly certificate: Certificate | undefined,
    private readonly parts: Parts,
    /** Every part, stopped in the order written once in {@link Hub.create}. */
    private readonly teardown: TeardownStack,
  ) {
    super();
    this.onListenerError = (event, err) => logger.error({ err, event }, 'hub event listener threw');
  }

  get auth(): AuthService {
    return this.parts.auth;
  }
  get supervisor(): Supervisor {
    return this.parts.supervisor;
  }
  get rooms(): RoomService {
    return this.parts.rooms;
  }
  get relay(): Relay {
    return this.parts.relay;
  }
  get recordings(): RecordingService {
    return this.parts.recordings;
  }
  /** The router's port mapping and whether friends on the internet can reach the hub. */
  get reach(): Reachability {
    return this.parts.reach;
  }

  static async create(opts: HubOptions): Promise<Hub> {
    const { config } = opts;
    const clock = opts.clock ?? systemClock;
    const logger = opts.logger ?? createLogger(config.logLevel);
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

    const { api: certificate, jacktrip: jtCert } = hubCertificates(config);
    markStartup('tls');

    // The shutdown order, written once: every part is registered as it is made and stopped in
    // reverse, by close() or by a failed create. The relay and the HTTP app, made later than
    // their turn to stop, hold their place with a step registered ahead of them.
    const teardown = new TeardownStack((err, step) =>
      logger.error({ err, step }, 'hub teardown step failed'),
    );
    let app: FastifyInstance | undefined;
    // The relay's worker thread loads while the rest is made; it is awaited before the first
    // part that needs it, where a failed start is reported.
    const relayStarting = Relay.create({
      host: config.host === 'localhost' ? '127.0.0.1' : config.host,
      port: config.relayPort,
      workers: config.relayWorkers,
      limits: opts.relayLimits,
    });
    relayStarting.catch(() => undefined);
    try {
      const db = openDatabase(join(config.dataDir, 'hub.db'));
      teardown.defer(() => db.close(), 'database');
      markStartup('migrations');
      const hasher = teardown.use(
        new PasswordHasher({ threads: opts.passwordThreads, ...opts.passwordQueue }),
        'password hasher',
      );
      teardown.defer(
        async () => (await relayStarting.catch(() => undefined))?.close(),
        'voice relay',
      );
      // Stopped after the rooms: their blocks are unmapped first, then the hub's own ports.
      const reach = teardown.use(
        new Reachability({
          enabled: config.upnp,
          logger,
          // Tells this hub's router mappings from another hub's on the same machine.
          tag: createHash('sha256').update(config.dataDir).digest('hex').slice(0, 6),
          pool: {
            from: config.jacktripBasePort,
            to: config.jacktripBasePort + config.jacktripPortRange - 1,
          },
          leaseSeconds: config.upnpLeaseSeconds,
        }),
        'reachability',
      );
      reach.prepare();
      // Every room's processes stop once no request is in flight any more.
      const supervisor = teardown.use(
        new Supervisor({
          dataDir: config.dataDir,
          jacktripBin: config.jacktripBin,
          jackdBin: config.jackdBin,
          pool: new PortPool(config.jacktripBasePort, config.jacktripPortRange),
          certFile: jtCert.certPath,
          keyFile: jtCert.keyPath,
          logger,
          period: config.jackPeriod,
          isolation: roomIsolation(config.jackNamespaces, logger),
          claimPorts: (roomId, ports) => reach.claimBlock(roomId, ports),
        }),
        'supervisor',
      );
      supervisor.on('released', (roomId) => void reach.releaseBlock(roomId).catch(() => undefined));
      // Stops listening and lets in-flight requests finish.
      teardown.defer(() => app?.close(), 'http');
      const users = new UsersRepo(db);
      const sessions = new SessionsRepo(db);
      const roomsRepo = new RoomsRepo(db);
      const auth = new AuthService(
        users,
        sessions,
        hasher,
        clock,
        config.sessionTtlHours * 3_600_000,
        {
          loginPerIp: { ...DEFAULT_AUTH_LIMITS.loginPerIp, limit: config.loginAttemptsPerIp },
          registerPerIp: { ...DEFAULT_AUTH_LIMITS.registerPerIp, limit: config.registrationsPerIp },
          ...opts.authLimits,
        },
      );
      const rooms = new RoomService(
        roomsRepo,
        hasher,
        supervisor,
        clock,
        logger,
        config.publicHost,
        {
          creationsPerUser: config.roomCreationsPerUser,
          openPerUser: config.openRoomsPerUser,
          passphrase: { ...DEFAULT_PASSPHRASE_LIMITS, perIp: config.passphraseAttemptsPerIp },
        },
      );
      // Players of live rooms are told that the hub is going away.
      teardown.defer(() => {
        rooms.announceShutdown();
        rooms.dispose();
      }, 'rooms');
      const recordings = new RecordingService(
        new RecordingsRepo(db),
        roomsRepo,
        rooms,
        supervisor,
        {
          dir: config.recordingsDir,
          limits: {
            maxMinutes: config.recordingMaxMinutes,
            quotaMb: config.recordingQuotaMb,
            minFreeMb: config.recordingMinFreeMb,
          },
          period: config.jackPeriod,
          clock,
          logger,
          ...opts.recording,
        },
      );
      // Recordings stop (their files kept and finished) before the rooms' processes go.
      teardown.defer(() => recordings.close(), 'recordings');
      await recordings.recover();
      const chat = new ChatService(roomsRepo, rooms, clock);
      const patchbay = new PatchbayService(rooms, supervisor, logger);
      const sockets = teardown.use(new SocketRegistry(auth, clock, config.wsMaxPerUser), 'sockets');
      const ws = new RoomSocketGateway(auth, rooms, chat, patchbay, supervisor, sockets, logger);
      // Before an account is deleted: its rooms close (stopping their processes) and it
      // leaves the others, through the same paths a host and a player take.
      const beforeAccountRemoval = async (user: UserRow) => {
        for (const r of rooms.list()) {
          try {
            if (r.host.user_id === user.id) await rooms.close(user, r.id);
            else if (rooms.detail(user, r.id).you.member) await rooms.leave(user, r.id);
          } catch (err) {
            if (!(err instanceof NotFound)) throw err; // closed meanwhile
          }
        }
      };
      markStartup('services');
      const relayRef = await relayStarting;
      markStartup('relay');
      // The relay admits members only: keep its view of each room current.
      const syncRelay = (roomId: string) => {
        const a = rooms.accessList(roomId);
        relayRef.setRoom(roomId, a.members, a.bans);
      };
      rooms.on('participants', syncRelay);
      rooms.on('event', syncRelay);
      relayRef.on('died', (err) => logger.error({ err }, 'voice relay died'));
      const startedAt = Date.now();
      const health = () => ({
        users: users.count(),
        active_sessions: sessions.countActive(clock()),
        ...rooms.counts(),
        websockets: sockets.size,
      });
      const metrics = new HubMetrics({
        version: VERSION,
        startedAt,
        counts: health,
        relayCounters: () => relayRef.counters,
      });
      teardown.defer(() => metrics.close(), 'metrics');
      rooms.on('participants', (roomId, members) => metrics.participants(roomId, members));
      const http = await buildHttpApp({
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
        health,
        metrics,
        relayCounters: () => relayRef.counters,
        reachability: () => reach.summary(),
        webRoot: config.webRoot,
        corsOrigins: config.corsOrigins,
        beforeAccountRemoval,
      });
      app = http;
      roomRoutes(http, auth, rooms, chat);
      patchbayRoutes(http, auth, patchbay);
      // The port of the relay worker that owns the room; a player who came through the router
      // is told its external port.
      voiceRoutes(http, auth, rooms, relayRef, config.publicHost, sockets, (ip, roomId) => {
        const port = relayRef.portOf(roomId);
        return isLocalClient(ip, networkInterfaces())
          ? port
          : (reach.externalPort('UDP', port) ?? port);
      });
      recordingRoutes(http, auth, recordings);
      recordings.on('message', (roomId, msg) => ws.announce(roomId, msg));
      ws.subscribeExtras = (roomId) => recordings.liveMessages(roomId);
      ws.register(http);
      await http.ready();
      markStartup('http');
      const sweepTimer = setInterval(() => {
        const n = auth.sweep();
        if (n > 0) logger.info({ removed: n }, 'expired sessions removed');
      }, 10 * 60_000);
      sweepTimer.unref();
      teardown.defer(() => clearInterval(sweepTimer), 'session sweep');
      const parts = {
        db,
        hasher,
        auth,
        supervisor,
        rooms,
        roomSockets: ws,
        sockets,
        relay: relayRef,
        reach,
        recordings,
        metrics,
      };
      return new Hub(config, logger, http, certificate, parts, teardown.move());
    } catch (err) {
      await teardown.dispose().catch(() => undefined);
      // A failure before the relay's teardown step was registered (close() is idempotent).
      await relayStarting.then(
        (r) => r.close(),
        () => undefined,
      );
      throw err;
    }
  }

  get fingerprint256(): string | null {
    return this.certificate?.fingerprint256 ?? null;
  }

  /**
   * Starts listening; resolves with the URL a browser or client should use. The router is asked
   * to open the ports in the background (`reach` tells how that went, and emits each change).
   */
  async listen(): Promise<string> {
    await this.app.listen({ host: this.config.host, port: this.config.port });
    markStartup('listen');
    const addr = this.app.server.address();
    const https = addr && typeof addr === 'object' ? addr.port : this.config.port;
    const started = this.parts.reach
      .start({ https, relay: this.parts.relay.port })
      .catch((err: unknown) => this.logger.error({ err }, 'reachability failed'));
    // Without mapping, the state (and the ports to forward by hand) is known at once.
    if (!this.config.upnp) await started;
    return this.url;
  }

  get url(): string {
    const addr = this.app.server.address();
    const port = addr && typeof addr === 'object' ? addr.port : this.config.port;
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    return `${this.certificate ? 'https' : 'http'}://${host}:${port}`;
  }

  /**
   * Tells players, stops listening, lets in-flight requests finish, stops every room's
   * processes, then closes workers and the database (the order is Hub.create's). Every step
   * runs even if one fails; the failures are logged and reported together.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.teardown.dispose();
      } finally {
        this.logger.info('hub closed');
        this.safeEmit('closed');
      }
    })();
    return this.closing;
  }
}
