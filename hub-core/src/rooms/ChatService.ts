import { SlidingWindowLimiter } from '../auth/rateLimit.js';
import type { Clock } from '../clock.js';
import { isoFromMs } from '../clock.js';
import type { ChatRow, RoomsRepo } from '../db/rooms.js';
import type { UserRow } from '../db/users.js';
import { BadRequest, RateLimited } from '../errors.js';
import { SafeEmitter } from '../events.js';
import { CHAT_MAX_CHARS, type ChatMessage } from '../../../protocol/api.js';
import type { RoomService } from './RoomService.js';

export type ChatEvents = { message: [string, ChatMessage] };

/** Removes control characters (keeping newlines and tabs) and trims. */
export function cleanChat(body: string): string {
  return body
    .replace(/\r\n?/g, '\n')
    .replace(/[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu, (c) =>
      c === '\n' || c === '\t' ? c : '',
    )
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const toMessage = (r: ChatRow): ChatMessage => ({
  id: r.id,
  room_id: r.room_id,
  user_id: r.user_id,
  username: r.username,
  body: r.body,
  created_at: isoFromMs(r.created_at),
});

/** Room chat: stored per room, cleaned, length-limited and rate-limited per user. */
export class ChatService extends SafeEmitter<ChatEvents> {
  private readonly limiter: SlidingWindowLimiter;

  constructor(
    private readonly rooms: RoomsRepo,
    private readonly roomService: RoomService,
    private readonly clock: Clock,
    /** Messages per user per 10 s. Default 8. */
    perTenSeconds = 8,
  ) {
    super();
    this.limiter = new SlidingWindowLimiter({ limit: perTenSeconds, windowMs: 10_000 }, clock);
  }

  post(user: UserRow, roomId: string, raw: string): ChatMessage {
    this.roomService.requireMember(user, roomId);
    const body = cleanChat(raw);
    if (body.length === 0) throw new BadRequest('message is empty');
    if ([...body].length > CHAT_MAX_CHARS)
      throw new BadRequest(`message must be at most ${CHAT_MAX_CHARS} characters`);
    const wait = this.limiter.retryAfter(String(user.id));
    if (wait > 0) throw new RateLimited(wait, 'You are sending messages too fast');
    this.limiter.hit(String(user.id));
    const now = this.clock();
    const id = this.rooms.addChat(roomId, user.id, body, now);
    const msg: ChatMessage = {
      id,
      room_id: roomId,
      user_id: user.id,
      username: user.username,
      body,
      created_at: isoFromMs(now),
    };
    this.safeEmit('message', roomId, msg);
    return msg;
  }

  history(user: UserRow, roomId: string, limit = 50): ChatMessage[] {
    this.roomService.requireMember(user, roomId);
    return this.rooms.lastChat(roomId, limit).map(toMessage);
  }
}
