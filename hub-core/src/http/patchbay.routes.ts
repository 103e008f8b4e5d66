import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/AuthService.js';
import { BadRequest } from '../errors.js';
import type { PatchbayService } from '../patchbay/PatchbayService.js';
import { JackGraph, PatchRequest, PatchResult, RoomQuery } from '../../../protocol/api.js';
import { authOf, requireAuthHook } from './auth.routes.js';
import { bearerSecurity, errorResponses } from './responses.js';

const errors = errorResponses(400, 401, 403, 404, 409, 503);

/** The patchbay's HTTP face: the room's graph, connect and disconnect (patchbay/PatchbayService.ts). */
export function patchbayRoutes(
  app: FastifyInstance,
  auth: AuthService,
  patchbay: PatchbayService,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireAuthHook(auth);
  const base = { tags: ['patchbay'], security: bearerSecurity };

  r.get(
    '/jack/graph',
    {
      onRequest,
      schema: {
        ...base,
        summary: "A room's JACK graph",
        querystring: RoomQuery,
        response: { 200: JackGraph, ...errors },
      },
    },
    async (req) => patchbay.graph(authOf(req).user, req.query.room_id),
  );

  for (const op of ['connect', 'disconnect'] as const) {
    r.post(
      `/jack/${op}`,
      {
        onRequest,
        schema: {
          ...base,
          summary: `${op === 'connect' ? 'Connect' : 'Disconnect'} two ports (room host only); answers once JACK has done it`,
          description:
            'room_id, source and dest go in the JSON body, or in the query string as the seed hub took them.',
          querystring: PatchRequest.partial(),
          body: PatchRequest.partial().nullish(),
          response: { 200: PatchResult, ...errors },
        },
      },
      async (req) => {
        const parsed = PatchRequest.safeParse({ ...req.query, ...req.body });
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new BadRequest(
            `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'is invalid'}`,
          );
        }
        return patchbay.patch(authOf(req).user, op, parsed.data);
      },
    );
  }
}
