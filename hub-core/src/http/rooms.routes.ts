import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthService } from '../auth/AuthService.js';
import {
  ErrorBody,
  ChatBody,
  ChatMessage,
  ChatQuery,
  CreateRoomBody,
  JoinAnswer,
  JoinBody,
  LockBody,
  OkAnswer,
  PatchModeBody,
  RoomDetail,
  RoomParams,
  RoomSummary,
  UserRef,
} from '../../../protocol/api.js';
import type { ChatService } from '../rooms/ChatService.js';
import type { RoomService } from '../rooms/RoomService.js';
import { serverTiming, type JoinTimings } from '../rooms/joinEngine.js';
import { authOf, requireAuthHook } from './auth.routes.js';
import { bearerSecurity, errorResponses } from './responses.js';

const errors = errorResponses(400, 401, 403, 404, 409, 429);
const security = bearerSecurity;

/** Rooms, membership, host controls and chat. Routes stay thin: parse, call a service, answer. */
export function roomRoutes(
  app: FastifyInstance,
  auth: AuthService,
  rooms: RoomService,
  chat: ChatService,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireAuthHook(auth);
  const tags = ['rooms'];
  const me = (req: Parameters<typeof authOf>[0]) => authOf(req).user;
  const ok = (id: string) => ({ status: 'ok' as const, room_id: id });

  r.get(
    '/rooms',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Open rooms',
        response: { 200: z.array(RoomSummary), 401: ErrorBody },
      },
    },
    async () => rooms.list(),
  );

  r.post(
    '/rooms',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Create a room (you are its host)',
        body: CreateRoomBody,
        response: { 201: RoomDetail, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await rooms.create(me(req), req.body)),
  );

  r.get(
    '/rooms/:id',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'A room with its members',
        params: RoomParams,
        response: { 200: RoomDetail, ...errors },
      },
    },
    async (req) => rooms.detail(me(req), req.params.id),
  );

  r.post(
    '/rooms/:id/join',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Join a room; answers with the JackTrip connection details',
        params: RoomParams,
        body: JoinBody.nullish(),
        response: { 200: JoinAnswer, 503: ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      // Where the join's time went (check, lock, hash, engine and its parts), for benches and
      // a browser's network panel.
      const timings: JoinTimings = {};
      const answer = await rooms.join(
        me(req),
        req.params.id,
        req.body?.passphrase,
        req.headers.host,
        req.ip,
        timings,
      );
      void reply.header('server-timing', serverTiming(timings));
      return answer;
    },
  );

  r.post(
    '/rooms/:id/leave',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Leave a room',
        params: RoomParams,
        response: { 200: OkAnswer, ...errors },
      },
    },
    async (req) => {
      await rooms.leave(me(req), req.params.id);
      return ok(req.params.id);
    },
  );

  const host = { tags: ['host controls'], security, params: RoomParams };
  r.post(
    '/rooms/:id/lock',
    {
      onRequest,
      schema: {
        ...host,
        summary: 'Lock or unlock the room',
        body: LockBody,
        response: { 200: OkAnswer, ...errors },
      },
    },
    async (req) => {
      rooms.lock(me(req), req.params.id, req.body.locked);
      return ok(req.params.id);
    },
  );
  r.post(
    '/rooms/:id/kick',
    {
      onRequest,
      schema: {
        ...host,
        summary: 'Remove a player',
        body: UserRef,
        response: { 200: OkAnswer, ...errors },
      },
    },
    async (req) => {
      await rooms.kick(me(req), req.params.id, req.body.user_id, false);
      return ok(req.params.id);
    },
  );
  r.post(
    '/rooms/:id/ban',
    {
      onRequest,
      schema: {
        ...host,
        summary: 'Remove a player for good',
        body: UserRef,
        response: { 200: OkAnswer, ...errors },
      },
    },
    async (req) => {
      await rooms.kick(me(req), req.params.id, req.body.user_id, true);
      return ok(req.params.id);
    },
  );
  r.post(
    '/rooms/:id/patch-mode',
    {
      onRequest,
      schema: {
        ...host,
        summary: 'Set the patch mode (restarts the room hub)',
        body: PatchModeBody,
        response: { 200: OkAnswer, ...errors },
      },
    },
    async (req) => {
      await rooms.setPatchMode(me(req), req.params.id, req.body.patch_mode);
      return ok(req.params.id);
    },
  );
  const close = async (req: { params: { id: string } } & Parameters<typeof authOf>[0]) => {
    await rooms.close(me(req), req.params.id);
    return ok(req.params.id);
  };
  r.post(
    '/rooms/:id/close',
    {
      onRequest,
      schema: { ...host, summary: 'Close the room', response: { 200: OkAnswer, ...errors } },
    },
    close,
  );
  r.delete(
    '/rooms/:id',
    {
      onRequest,
      schema: {
        ...host,
        summary: 'Close the room (as the seed)',
        response: { 200: OkAnswer, ...errors },
      },
    },
    close,
  );

  r.get(
    '/rooms/:id/chat',
    {
      onRequest,
      schema: {
        tags: ['chat'],
        security,
        summary: 'The last messages',
        params: RoomParams,
        querystring: ChatQuery,
        response: { 200: z.array(ChatMessage), ...errors },
      },
    },
    async (req) => chat.history(me(req), req.params.id, req.query.limit),
  );
  r.post(
    '/rooms/:id/chat',
    {
      onRequest,
      schema: {
        tags: ['chat'],
        security,
        summary: 'Send a message',
        params: RoomParams,
        body: ChatBody,
        response: { 201: ChatMessage, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(chat.post(me(req), req.params.id, req.body.body)),
  );
}
