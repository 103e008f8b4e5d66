import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import type { AuthService } from '../auth/AuthService.js';
import { isoFromMs } from '../clock.js';
import { ErrorBody, RoomParams, VoiceStats, VoiceToken } from '../../../protocol/api.js';
import { emptyRoomCounters } from '../relay/counters.js';
import type { Relay } from '../relay/Relay.js';
import { signVoiceToken } from '../relay/tokens.js';
import { VoiceSocketSessions } from '../relay/VoiceSocketSessions.js';
import type { RoomService } from '../rooms/RoomService.js';
import { authOf, requireAuthHook, upgradeAuth } from './auth.routes.js';
import { hostOnly } from '../rooms/RoomService.js';
import { CLOSE_SESSION_ENDED, type SocketRegistry } from './sockets.js';
import { bearerSecurity } from './responses.js';

/** Voice tokens for room members, and the WebSocket fallback of the UDP relay. */
export function voiceRoutes(
  app: FastifyInstance,
  auth: AuthService,
  rooms: RoomService,
  relay: Relay,
  publicHost: string | undefined,
  sockets: SocketRegistry,
  /** The relay port to tell a client at this address, for this room (its worker's port; the router may map it elsewhere). */
  relayPortFor: (clientIp: string, roomId: string) => number = (_ip, roomId) =>
    relay.portOf(roomId),
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/rooms/:id/voice-token',
    {
      onRequest: requireAuthHook(auth),
      schema: {
        tags: ['voice'],
        security: bearerSecurity,
        summary: 'A short-lived signed token for the voice relay (members only)',
        params: RoomParams,
        response: { 200: VoiceToken, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const user = authOf(req).user;
      const room = rooms.requireMember(user, req.params.id);
      const { token, expiresAt } = await signVoiceToken(relay.secret, {
        userId: user.id,
        username: user.username,
        roomId: room.id,
        host: room.creator_id === user.id,
      });
      return {
        token,
        expires_at: isoFromMs(expiresAt),
        channel: room.id,
        relay: {
          host: publicHost ?? hostOnly(req.headers.host) ?? '127.0.0.1',
          port: relayPortFor(req.ip, room.id),
          ws_path: '/ws/voice',
        },
      };
    },
  );

  r.get(
    '/rooms/:id/voice-stats',
    {
      onRequest: requireAuthHook(auth),
      schema: {
        tags: ['voice'],
        security: bearerSecurity,
        summary:
          "The room's voice relay counters (host only): packets received, forwarded and dropped, sessions",
        params: RoomParams,
        response: { 200: VoiceStats, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      rooms.hostOf(authOf(req).user, req.params.id);
      return {
        room_id: req.params.id,
        ...(relay.roomCounters(req.params.id) ?? emptyRoomCounters()),
      };
    },
  );

  // The WebSocket fallback of the UDP relay (relay/VoiceSocketSessions.ts).
  const fallback = new VoiceSocketSessions(relay);
  app.get(
    '/ws/voice',
    { websocket: true, schema: { hide: true } },
    (ws: WebSocket, req: FastifyRequest) => {
      let a;
      try {
        a = upgradeAuth(auth, req);
      } catch {
        ws.close(CLOSE_SESSION_ENDED, 'unauthorized');
        return;
      }
      if (!sockets.admit(ws, a)) return;
      fallback.attach(ws);
    },
  );
}
