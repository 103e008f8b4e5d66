// The API docs at /docs: the OpenAPI document (/docs/json, /docs/yaml) from @fastify/swagger,
// and Swagger UI's page around it. Swagger UI is loaded on the first request to its page, not
// at start: loading it (and @fastify/static, yaml and their files) took a fifth of the hub's
// start-up time. Its plugin can only be registered before the server listens, so it runs in a
// small Fastify instance of its own, made on first use, that answers /docs/* through inject.
import fp from 'fastify-plugin';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** Response headers passed on from the docs instance (the hub's hooks add the security ones). */
const PASSED_HEADERS = [
  'content-type',
  'cache-control',
  'etag',
  'last-modified',
  'location',
  'accept-ranges',
];

export function docsRoutes(app: FastifyInstance): void {
  const hidden = { schema: { hide: true } };
  app.get('/docs/json', hidden, async () => app.swagger());
  app.get('/docs/yaml', hidden, async (_req, reply) =>
    reply.type('application/x-yaml').send(app.swagger({ yaml: true })),
  );
  let ui: Promise<FastifyInstance> | undefined;
  const forward = async (req: FastifyRequest, reply: FastifyReply) => {
    ui ??= swaggerUi(app);
    const res = await (
      await ui
    ).inject({
      method: 'GET',
      url: req.url,
      headers: pick(req.headers, ['if-none-match', 'if-modified-since', 'range']),
    });
    reply.code(res.statusCode);
    for (const h of PASSED_HEADERS) {
      const v = res.headers[h];
      if (v !== undefined) reply.header(h, v);
    }
    return reply.send(res.rawPayload);
  };
  app.get('/docs', hidden, forward);
  app.get('/docs/*', hidden, forward);
  app.addHook('onClose', async () => {
    if (ui) await (await ui.catch(() => undefined))?.close();
  });
}

function pick(
  headers: FastifyRequest['headers'],
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = headers[n];
    if (typeof v === 'string') out[n] = v;
  }
  return out;
}

/** Swagger UI's routes, over the hub's own OpenAPI document. */
async function swaggerUi(hub: FastifyInstance): Promise<FastifyInstance> {
  const { default: fastifySwaggerUi } = await import('@fastify/swagger-ui');
  const docs = Fastify({ logger: false });
  // Swagger UI asks for @fastify/swagger by name and reads the document from it: here, the hub's.
  await docs.register(
    fp(
      async (f) => {
        f.decorate('swagger', hub.swagger.bind(hub));
      },
      { name: '@fastify/swagger', fastify: '5.x' },
    ),
  );
  await docs.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: false });
  await docs.ready();
  return docs;
}
