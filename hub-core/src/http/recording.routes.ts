import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthService } from '../auth/AuthService.js';
import type { RecordingService } from '../recording/RecordingService.js';
import { parseRange } from '../recording/zip.js';
import {
  ErrorBody,
  RecordingAction,
  RecordingId,
  RecordingList,
  RecordingStatus,
  RoomParams,
} from '../../../protocol/api.js';
import { authOf, requireAuthHook } from './auth.routes.js';
import { bearerSecurity, errorResponses } from './responses.js';

const errors = errorResponses(400, 401, 403, 404, 409, 503);
const security = bearerSecurity;
const tags = ['recording'];
const RecordingParams = z.object({ id: RecordingId });

/** Recording a room (host), listing and downloading recordings (members), deleting (host). */
export function recordingRoutes(
  app: FastifyInstance,
  auth: AuthService,
  recordings: RecordingService,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireAuthHook(auth);
  const me = (req: Parameters<typeof authOf>[0]) => authOf(req).user;

  r.post(
    '/rooms/:id/recording',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Start or stop recording the room (host only)',
        params: RoomParams,
        body: RecordingAction,
        response: { 200: RecordingStatus, ...errors },
      },
    },
    async (req) => ({
      recording:
        req.body.action === 'start'
          ? await recordings.start(me(req), req.params.id)
          : await recordings.stopByHost(me(req), req.params.id),
    }),
  );

  r.get(
    '/rooms/:id/recording',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: "The room's live recording: state, elapsed time and size",
        params: RoomParams,
        response: { 200: RecordingStatus, ...errors },
      },
    },
    async (req) => ({ recording: recordings.status(me(req), req.params.id) }),
  );

  r.get(
    '/rooms/:id/recordings',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: "The room's recordings (members and host)",
        params: RoomParams,
        response: { 200: RecordingList, ...errors },
      },
    },
    async (req) => ({ recordings: recordings.listRoom(me(req), req.params.id) }),
  );

  r.get(
    '/recordings',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Recordings of rooms you host or played in',
        response: { 200: RecordingList, 401: ErrorBody },
      },
    },
    async (req) => ({ recordings: recordings.listOwn(me(req)) }),
  );

  // Plain route: the answer is a byte stream (200 or 206), not a JSON schema.
  app.get<{ Params: { id: string } }>(
    '/recordings/:id/download',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'The recording as a zip, streamed from disk; HTTP Range resumes a download',
        params: RecordingParams,
      },
    },
    async (req, reply) => {
      const { zip, name } = await recordings.download(me(req), req.params.id);
      const range = parseRange(req.headers.range, zip.length);
      reply.header('accept-ranges', 'bytes');
      reply.header('content-type', 'application/zip');
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (range === 'bad') {
        reply.header('content-range', `bytes */${zip.length}`);
        return reply.status(416).send('');
      }
      const { start, end } = range ?? { start: 0, end: zip.length - 1 };
      if (range) reply.status(206).header('content-range', `bytes ${start}-${end}/${zip.length}`);
      reply.header('content-length', end - start + 1);
      return reply.send(zip.stream(start, end));
    },
  );

  r.delete(
    '/recordings/:id',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Delete a recording and its files (host only)',
        params: RecordingParams,
        response: { 200: z.object({ status: z.literal('ok') }), ...errors },
      },
    },
    async (req) => {
      await recordings.remove(me(req), req.params.id);
      return { status: 'ok' as const };
    },
  );
}
