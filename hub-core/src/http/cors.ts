import type { FastifyInstance } from 'fastify';

/**
 * CORS for the desktop app's page (backline-app://app) and any origin the admin adds: those
 * pages call the API with a bearer token. Credentials (the browser cookie) are never allowed
 * cross-origin, so a foreign page can't ride a browser session; see cookies.ts.
 */
export function corsFor(app: FastifyInstance, origins: readonly string[]): void {
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !allowed.has(origin)) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'Origin');
    reply.header('access-control-expose-headers', 'retry-after');
  });
  app.options('/*', { schema: { hide: true } }, async (request, reply) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !allowed.has(origin)) {
      return reply.code(403).send({
        error: { code: 'forbidden', message: 'this origin may not call the hub cross-origin' },
      });
    }
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
      .header('access-control-allow-headers', 'authorization, content-type, accept')
      .header('access-control-max-age', '600')
      .send();
  });
}
