import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/AuthService.js';
import type { UserRow } from '../db/users.js';
import { BadRequest, Unavailable } from '../errors.js';
import type { Supervisor } from '../jacktrip/Supervisor.js';
import { patch } from '../patchbay/patch.js';
import { ErrorBody } from '../protocol/errors.js';
import { JackGraph, PatchRequest, PatchResult, RoomQuery } from '../protocol/patchbay.js';
import type { RoomService } from '../rooms/RoomService.js';
import { authOf, requireAuthHook } from './auth.routes.js';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  503: ErrorBody,
} as const;

/** The room's live JACK graph; connect and disconnect for the room's host. */
export class PatchbayService {
  constructor(
    private readonly rooms: RoomService,
    private readonly supervisor: Supervisor,
  ) {}

  graph(user: UserRow, roomId: string): JackGraph {
    this.rooms.requireMember(user, roomId);
    return this.supervisor.get(roomId)?.graph ?? { clients: {}, connections: [] };
  }

  async patch(user: UserRow, op: 'connect' | 'disconnect', req: PatchRequest) {
    this.rooms.hostOf(user, req.room_id);
    const rt = this.supervisor.get(req.room_id);
    if (!rt) throw new Unavailable('The room is not live: nobody has joined it yet');
    const out = await patch(rt.watcher, op, req.source, req.dest);
    return {
      status: 'ok' as const,
      source: req.source,
      dest: req.dest,
      changed: out.changed,
      graph: out.graph,
    };
  }
}

export function jackRoutes(
  app: FastifyInstance,
  auth: AuthService,
  patchbay: PatchbayService,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireAuthHook(auth);
  const base = { tags: ['patchbay'], security: [{ bearer: [] }] };

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
