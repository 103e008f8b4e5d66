import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { AuthService, Authenticated } from '../auth/AuthService.js';
import { SlidingWindowLimiter } from '../auth/rateLimit.js';
import type { UserRow } from '../db/users.js';
import { HubError } from '../errors.js';
import type { Supervisor } from '../jacktrip/Supervisor.js';
import type { Logger } from '../log.js';
import { WsClientMessage, type WsServerMessage } from '../../../protocol/api.js';
import type { ChatService } from '../rooms/ChatService.js';
import type { RoomService } from '../rooms/RoomService.js';
import { upgradeAuth } from './auth.routes.js';
import type { PatchbayService } from '../patchbay/PatchbayService.js';
import { roomStateMessage, sendsPlayersAway, targetOf } from '../rooms/events.js';
import { CLOSE_SESSION_ENDED, type SocketRegistry } from './sockets.js';

interface Conn {
  ws: WebSocket;
  user: UserRow;
  rooms: Set<string>;
  /** The seed's /ws/patchbay?room_id=X: messages without a room_id mean this room. */
  defaultRoom: string | undefined;
}

/** Largest WebSocket message accepted, in bytes; larger ones close the socket (1009). */
export const WS_MAX_PAYLOAD = 16 * 1024;

/**
 * The authenticated real-time channel: room events out (participants, graph, chat, room
 * state), chat and patch requests in. Every message in is validated; a bad one gets an
 * error message back, never a crash.
 */
export class RoomSocketGateway {
  private readonly conns = new Set<Conn>();
  // 40 messages per 10 s per user, over all their sockets.
  private readonly limiter = new SlidingWindowLimiter({ limit: 40, windowMs: 10_000 });

  constructor(
    private readonly auth: AuthService,
    private readonly rooms: RoomService,
    private readonly chat: ChatService,
    private readonly patchbay: PatchbayService,
    supervisor: Supervisor,
    private readonly sockets: SocketRegistry,
    private readonly logger: Logger,
  ) {
    rooms.on('participants', (roomId, members) =>
      this.toRoom(roomId, { type: 'participants', room_id: roomId, members }),
    );
    rooms.on('event', (roomId, event) => {
      const msg = roomStateMessage(roomId, event);
      const target = targetOf(event);
      if (target !== undefined) {
        // Kicked or banned: only that player hears it, and they stop getting the room's events.
        for (const c of this.conns) {
          if (c.user.id === target && c.rooms.delete(roomId)) send(c.ws, msg);
        }
        return;
      }
      this.toRoom(roomId, msg);
      if (sendsPlayersAway(event)) for (const c of this.conns) c.rooms.delete(roomId);
    });
    chat.on('message', (roomId, message) =>
      this.toRoom(roomId, { type: 'chat', room_id: roomId, message }),
    );
    // Each change goes out as a delta; a subscriber that missed one asks for the whole graph.
    supervisor.on('graph', (roomId, _graph, change) =>
      this.toRoom(roomId, { type: 'graph_delta', room_id: roomId, ...change }),
    );
  }

  /**
   * Room state another service keeps, sent to each new subscriber after the chat history (a
   * live recording: a player who arrives is told before their audio is captured).
   */
  subscribeExtras: (roomId: string) => WsServerMessage[] = () => [];

  /** Sends a message to every subscriber of the room (another service's room state: recording). */
  announce(roomId: string, msg: WsServerMessage): void {
    this.toRoom(roomId, msg);
  }

  register(app: FastifyInstance): void {
    const handler = (ws: WebSocket, req: FastifyRequest) => this.accept(ws, req);
    app.get('/ws', { websocket: true, schema: { hide: true } }, handler);
    app.get('/ws/patchbay', { websocket: true, schema: { hide: true } }, handler);
  }

  get size(): number {
    return this.conns.size;
  }

  private accept(ws: WebSocket, req: FastifyRequest): void {
    const q = req.query as Record<string, unknown>;
    let a: Authenticated;
    try {
      a = upgradeAuth(this.auth, req);
    } catch {
      send(ws, {
        type: 'error',
        code: 'unauthorized',
        message:
          'Sign in first: pass ?ticket= (POST /auth/ws-ticket), an Authorization header or the session cookie',
      });
      ws.close(CLOSE_SESSION_ENDED, 'unauthorized');
      return;
    }
    if (!this.sockets.admit(ws, a)) return;
    const user = a.user;
    const conn: Conn = {
      ws,
      user,
      rooms: new Set(),
      defaultRoom: typeof q.room_id === 'string' ? q.room_id : undefined,
    };
    this.conns.add(conn);
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', (err) => this.logger.debug({ err: err.message }, 'websocket error'));
    ws.on('message', (data, isBinary) => void this.onMessage(conn, data as Buffer, isBinary));
    send(ws, { type: 'hello', user: { id: user.id, username: user.username } });
    if (conn.defaultRoom) void this.handle(conn, { type: 'subscribe', room_id: conn.defaultRoom });
  }

  private async onMessage(conn: Conn, data: Buffer, isBinary: boolean): Promise<void> {
    // Closing (its session ended, or too slow): nothing more is done on its behalf.
    if (conn.ws.readyState !== 1) return;
    const key = String(conn.user.id);
    const wait = this.limiter.retryAfter(key);
    if (wait > 0)
      return send(conn.ws, {
        type: 'error',
        code: 'rate_limited',
        message: `Too many messages, wait ${wait} s`,
      });
    this.limiter.hit(key);
    if (isBinary)
      return send(conn.ws, {
        type: 'error',
        code: 'bad_request',
        message: 'Binary messages are not accepted',
      });
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch {
      return send(conn.ws, {
        type: 'error',
        code: 'bad_request',
        message: 'Message is not valid JSON',
      });
    }
    if (json && typeof json === 'object' && !('room_id' in json) && conn.defaultRoom) {
      json = { ...json, room_id: conn.defaultRoom };
    }
    const parsed = WsClientMessage.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      return send(conn.ws, {
        type: 'error',
        code: 'bad_request',
        message: `${i?.path.join('.') || 'message'}: ${i?.message ?? 'is invalid'}`,
      });
    }
    await this.handle(conn, parsed.data);
  }

  private async handle(conn: Conn, m: WsClientMessage): Promise<void> {
    const roomId = 'room_id' in m ? m.room_id : undefined;
    try {
      switch (m.type) {
        case 'ping':
          return send(conn.ws, { type: 'pong' });
        case 'subscribe': {
          const detail = this.rooms.detail(conn.user, m.room_id);
          if (!detail.you.member && !detail.you.host)
            this.rooms.requireMember(conn.user, m.room_id);
          conn.rooms.add(m.room_id);
          send(conn.ws, { type: 'subscribed', room_id: m.room_id });
          send(conn.ws, { type: 'participants', room_id: m.room_id, members: detail.members });
          send(conn.ws, {
            type: 'graph',
            room_id: m.room_id,
            ...this.patchbay.versionedGraph(conn.user, m.room_id),
          });
          send(conn.ws, {
            type: 'chat_history',
            room_id: m.room_id,
            messages: this.chat.history(conn.user, m.room_id, 50),
          });
          for (const extra of this.subscribeExtras(m.room_id)) send(conn.ws, extra);
          return;
        }
        case 'unsubscribe':
          conn.rooms.delete(m.room_id);
          return;
        case 'refresh':
          return send(conn.ws, {
            type: 'graph',
            room_id: m.room_id,
            ...this.patchbay.versionedGraph(conn.user, m.room_id),
          });
        case 'chat':
          this.chat.post(conn.user, m.room_id, m.body);
          return;
        case 'connect':
        case 'disconnect':
          // The graph update arrives through the watcher like any other change.
          await this.patchbay.patch(conn.user, m.type, {
            room_id: m.room_id,
            source: m.source,
            dest: m.dest,
          });
          return;
      }
    } catch (err) {
      if (err instanceof HubError)
        return send(conn.ws, {
          type: 'error',
          code: err.code,
          message: err.message,
          room_id: roomId,
        });
      this.logger.error({ err }, 'websocket handler failed');
      send(conn.ws, {
        type: 'error',
        code: 'internal',
        message: 'Internal error',
        room_id: roomId,
      });
    }
  }

  private toRoom(roomId: string, msg: WsServerMessage): void {
    const text = JSON.stringify(msg);
    for (const c of this.conns) if (c.rooms.has(roomId)) sendRaw(c.ws, text);
  }
}

function send(ws: WebSocket, msg: WsServerMessage): void {
  sendRaw(ws, JSON.stringify(msg));
}

function sendRaw(ws: WebSocket, text: string): void {
  // 1 = OPEN. A slow reader with over 1 MiB queued is dropped rather than buffered forever.
  if (ws.readyState !== 1) return;
  if (ws.bufferedAmount > 1024 * 1024) {
    ws.close(1013, 'too slow');
    return;
  }
  ws.send(text);
}
