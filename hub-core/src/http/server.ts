import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/AuthService.js';
import { hashingContext } from '../auth/passwords.js';
import type { UserRow } from '../db/users.js';
import type { Logger } from '../log.js';
import { Health } from '../../../protocol/api.js';
import type { ReachSummary } from '../../../protocol/api.js';
import { authRoutes } from './auth.routes.js';
import { installErrorHandling } from './errors.js';
import { webUiRoutes } from './webui.js';
import { corsFor } from './cors.js';
import { docsRoutes } from './docs.js';
import type { HubMetrics } from './metrics.js';
import { WS_MAX_PAYLOAD } from './RoomSocketGateway.js';

export interface HttpOptions {
  logger: Logger;
  auth: AuthService;
  version: string;
  /** PEM pair for HTTPS; without it the server speaks plain HTTP. */
  tls: { cert: string; key: string; fingerprint256: string } | undefined;
  trustProxy: boolean;
  /** Largest accepted request body in bytes. Default 64 KiB. */
  bodyLimit?: number;
  health: () => Health['counts'];
  /** The voice relay's counters. */
  relayCounters: () => Record<string, number>;
  /** Can friends on the internet reach the hub (the router's port mapping). */
  reachability: () => ReachSummary;
  startedAt: number;
  /** The built web UI to serve at `/`. */
  webRoot: string;
  /** Page origins allowed to call the API with a bearer token (HUB_CORS_ORIGINS). */
  corsOrigins: readonly string[];
  /** GET /metrics (http/metrics.ts). */
  metrics: HubMetrics;
  /** Undoes a user's part in the rest of the hub (their rooms) before DELETE /auth/me. */
  beforeAccountRemoval: (user: UserRow) => Promise<void>;
}

/** Headers for every answer. The API only returns JSON; /docs gets a CSP that lets it render. */
function securityHeaders(app: FastifyInstance, tls: boolean): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), geolocation=(), microphone=(self)');
    if (tls) reply.header('strict-transport-security', 'max-age=31536000');
    // The web UI's page sets its own policy (webui.ts).
    if (reply.hasHeader('content-security-policy')) return payload;
    const csp = request.url.startsWith('/docs')
      ? "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"
      : "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
    reply.header('content-security-policy', csp);
    return payload;
  });
}

export async function buildHttpApp(opts: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    trustProxy: opts.trustProxy,
    https: opts.tls ? { cert: opts.tls.cert, key: opts.tls.key } : null,
    // Graceful shutdown: stop accepting, let in-flight requests finish, close idle keep-alives.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  }) as unknown as FastifyInstance;
  // The API speaks JSON only: any other body type is a clear 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  securityHeaders(app, opts.tls !== undefined);
  corsFor(app, opts.corsOrigins);
  // Password hashing a handler starts (a login, a room's passphrase) is attributed to the
  // signed-in user, else the client IP: the hasher's fair share is per caller. Run at
  // preHandler, after body parsing, so the context reaches the handler itself.
  app.addHook('preHandler', (request, _reply, done) => {
    const key = request.auth ? `user:${request.auth.user.id}` : `ip:${request.ip}`;
    hashingContext.run({ key }, done);
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Backline hub API',
        version: opts.version,
        description: 'Accounts, rooms, chat and the patchbay of a Backline hub.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: WS_MAX_PAYLOAD } });

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/health',
    {
      schema: { tags: ['hub'], summary: 'Liveness and counts; no auth', response: { 200: Health } },
    },
    async () => ({
      status: 'ok' as const,
      version: opts.version,
      uptime_seconds: Math.round((Date.now() - opts.startedAt) / 100) / 10,
      tls: { enabled: opts.tls !== undefined, fingerprint256: opts.tls?.fingerprint256 ?? null },
      counts: opts.health(),
      relay: opts.relayCounters(),
      reachability: opts.reachability(),
    }),
  );
  // Prometheus text format, for admins' scrapers: the figures of /health and more.
  opts.metrics.install(app);
  docsRoutes(app);
  authRoutes(app, opts.auth, opts.tls !== undefined, opts.beforeAccountRemoval);
  webUiRoutes(app, opts.webRoot, opts.logger);
  return app;
}
