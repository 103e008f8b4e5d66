import { randomUUID } from 'node:crypto';
import type { PasswordHasher } from '../auth/passwords.js';
import type { Clock } from '../clock.js';
import { isoFromMs } from '../clock.js';
import type { RoomRow, RoomsRepo } from '../db/rooms.js';
import type { UserRow } from '../db/users.js';
import { BadRequest, Conflict, Forbidden, NotFound, Unavailable } from '../errors.js';
import { SafeEmitter } from '../events.js';
import type { PatchMode } from '../../../protocol/rules.js';
import type { Supervisor } from '../jacktrip/Supervisor.js';
import type { Logger } from '../log.js';
import { playerClients } from '../patchbay/jackGraph.js';
import { Wiring, refusalMessage } from '../patchbay/Wiring.js';
import type { Roster } from '../patchbay/wiringPlan.js';
import type {
  CreateRoomBody,
  JoinAnswer,
  Member,
  RoomDetail,
  RoomSummary,
} from '../../../protocol/api.js';
import type { RoomEvent } from './events.js';
import { hostOnly, joinAnswer, memberList, roomSummary } from './views.js';
import { CreationGuard, DEFAULT_ROOM_LIMITS, PassphraseGuard, type RoomLimits } from './limits.js';
import { KeyedLock } from './roomLock.js';
import { admit, type JoinTimings } from './joinEngine.js';

export { hostOnly } from './views.js';

export type RoomEvents = {
  participants: [string, Member[]];
  /** A member left or was removed: [room id, their jacktrip remote name]. */
  'member-left': [string, string];
  /** Something happened to the room (rooms/events.ts says what each kind means). */
  event: [string, RoomEvent];
};

/** Players are told this long before a room expires (or at half its life, if shorter). */
const EXPIRY_WARNING_MS = 5 * 60_000;

/**
 * Rooms: lifecycle, membership, passphrases, host controls and expiry.
 *
 * Every operation that changes a room's members, credentials or engine (join, leave, kick,
 * patch mode, close, expiry) holds that room's lock, so concurrent requests run one after the
 * other and leave the members, the credsfile and the engine agreeing. Slow work that changes
 * nothing (the bcrypt passphrase check) runs before the lock; other rooms never wait.
 */
export class RoomService extends SafeEmitter<RoomEvents> {
  private readonly passphrases: PassphraseGuard;
  private readonly creations: CreationGuard;
  private readonly locks = new KeyedLock();
  private readonly warned = new Set<string>();
  /** Per room, the jacktrip clients last reported connected. */
  private readonly connectedKey = new Map<string, string>();
  private readonly expiryTimer: NodeJS.Timeout;
  /** Every live room's JACK wiring: only current members are ever plugged in. */
  readonly wiring: Wiring;

  constructor(
    private readonly rooms: RoomsRepo,
    private readonly hasher: PasswordHasher,
    private readonly supervisor: Supervisor,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly publicHost: string | undefined,
    limits: RoomLimits = DEFAULT_ROOM_LIMITS,
  ) {
    super();
    this.onListenerError = (event, err) => logger.error({ err, event }, 'room listener threw');
    this.passphrases = new PassphraseGuard(limits.passphrase, clock);
    this.creations = new CreationGuard(limits, clock);
    // Nobody is connected to a hub that just started.
    rooms.clearMembers();
    this.expiryTimer = setInterval(() => void this.checkExpiry(), 1000);
    this.expiryTimer.unref();
    // Who is connected comes from the room's JACK graph: tell players when that set changes
    // (a client's registration alone comes before its ports, so the graph is the signal).
    supervisor.on('graph', (roomId, graph) => {
      const key = playerClients(graph).sort().join('\n');
      if (this.connectedKey.get(roomId) === key) return;
      this.connectedKey.set(roomId, key);
      this.emitParticipants(roomId);
    });
    supervisor.on('restarted', (roomId) =>
      this.emitEvent(roomId, {
        kind: 'restarted',
        message: "The room's audio engine restarted: reconnect with the same details.",
      }),
    );
    supervisor.on('jacktripline', (roomId, ev) => {
      if (ev.kind === 'error' || ev.kind === 'auth-warning')
        logger.warn({ roomId, jacktrip: ev }, 'jacktrip hub reported a problem');
      else if (ev.kind !== 'ready') logger.debug({ roomId, jacktrip: ev }, 'jacktrip hub event');
    });
    supervisor.on('failed', (roomId, err) =>
      this.emitEvent(roomId, {
        kind: 'failed',
        message: `The room's audio engine failed: ${err.message}`,
      }),
    );
    this.wiring = new Wiring({
      supervisor,
      roster: (roomId) => this.roster(roomId),
      logger,
      onRefused: (roomId, client) =>
        this.emitEvent(roomId, { kind: 'refused_name', message: refusalMessage(client) }),
    });
    // Whoever leaves or is removed is unplugged and their jacktrip worker stopped.
    this.on('member-left', (roomId, username) => void this.wiring.removePlayer(roomId, username));
  }

  async create(user: UserRow, body: CreateRoomBody): Promise<RoomDetail> {
    this.creations.begin(user.id, this.rooms.countOpenBy(user.id, this.clock()));
    const passphraseHash = body.passphrase ? await this.hasher.hash(body.passphrase) : null;
    const now = this.clock();
    const row = {
      id: randomUUID(),
      name: body.name,
      description: body.description ?? null,
      creator_id: user.id,
      passphrase_hash: passphraseHash,
      max_participants: body.max_participants,
      patch_mode: body.patch_mode,
      created_at: now,
      expires_at: now + body.duration_minutes * 60_000,
    };
    if (!this.rooms.insertIfUnder(row, this.creations.openPerUser, now))
      throw this.creations.full();
    this.logger.info({ roomId: row.id, private: !!row.passphrase_hash }, 'room created');
    return this.detail(user, row.id);
  }

  list(): RoomSummary[] {
    return this.rooms.listOpen(this.clock()).map((r) => this.summary(r));
  }

  detail(user: UserRow, id: string): RoomDetail {
    const r = this.open(id);
    const members = this.members(r);
    const you = {
      member: members.some((m) => m.user_id === user.id),
      host: r.creator_id === user.id,
    };
    // Who is in a private room is for its members and host to know.
    const shown = r.passphrase_hash === null || you.member || you.host;
    return { ...this.summary(r, members), members: shown ? members : [], you };
  }

  async join(
    user: UserRow,
    id: string,
    passphrase: string | undefined,
    hostHeader: string | undefined,
    ip: string,
    timings: JoinTimings = {},
  ): Promise<JoinAnswer> {
    const t0 = performance.now();
    const r = this.open(id);
    if (this.rooms.isBanned(id, user.id)) throw new Forbidden('You are banned from this room');
    const verified = await this.checkPassphrase(r, user, passphrase, ip);
    const t1 = performance.now();
    timings.check = t1 - t0;
    using _lock = await this.locks.acquire(id);
    timings.lock = performance.now() - t1;
    // The room may have changed while this join waited: read it again.
    const room = this.open(id);
    if (this.rooms.isBanned(id, user.id)) throw new Forbidden('You are banned from this room');
    const already = this.rooms.isMember(id, user.id);
    const host = room.creator_id === user.id;
    if (room.passphrase_hash && !already && !host && !verified)
      throw new Forbidden('This room is private: a passphrase is required');
    if (room.locked && !already && !host) throw new Forbidden('This room is locked');
    if (!this.rooms.addMemberIfRoom(id, user.id, room.max_participants, this.clock())) {
      throw new Conflict(`This room is full (${room.max_participants} players)`);
    }
    let joined: { password: string; tcpPort: number };
    try {
      const patchMode = room.patch_mode as PatchMode;
      const spec = { roomId: id, patchMode, maxClients: room.max_participants };
      joined = await admit(this.supervisor, spec, user.username, timings);
    } catch (err) {
      if (!already) {
        this.rooms.removeMember(id, user.id);
        this.supervisor.creds(id)?.revoke(user.username);
      }
      // An engine nobody is in must not keep its ports, JACK slot and credentials.
      if (this.rooms.memberCount(id) === 0) await this.supervisor.stop(id);
      this.logger.error({ err, roomId: id }, 'room failed to start');
      throw new Unavailable(`The room's audio engine could not start: ${(err as Error).message}`);
    }
    this.emitParticipants(id);
    this.logger.info({ roomId: id, userId: user.id }, 'member joined');
    const hubHost = this.publicHost ?? hostOnly(hostHeader) ?? '127.0.0.1';
    timings.total = performance.now() - t0;
    return joinAnswer({ room, host: hubHost, ...joined, username: user.username });
  }

  /**
   * A private room's passphrase, for a player who is neither a member nor the host: true once
   * checked right, false when no check was needed; a wrong or missing one throws.
   */
  private async checkPassphrase(
    r: RoomRow,
    user: UserRow,
    passphrase: string | undefined,
    ip: string,
  ): Promise<boolean> {
    if (!r.passphrase_hash || r.creator_id === user.id || this.rooms.isMember(r.id, user.id))
      return false;
    if (!passphrase) throw new Forbidden('This room is private: a passphrase is required');
    const hash = r.passphrase_hash;
    const right = await this.passphrases.check(r.id, user.id, ip, () =>
      this.hasher.verify(passphrase, hash),
    );
    if (!right) throw new Forbidden('Wrong passphrase');
    return true;
  }

  async leave(user: UserRow, id: string): Promise<void> {
    using _lock = await this.locks.acquire(id);
    const r = this.rooms.byId(id);
    if (!r) throw new NotFound('Room not found');
    await this.removeMember(r, user.id, user.username);
  }

  lock(user: UserRow, id: string, locked: boolean): void {
    const r = this.hostOf(user, id);
    this.rooms.setLocked(r.id, locked);
    const message = locked ? 'The host locked the room' : 'The host unlocked the room';
    this.emitEvent(id, { kind: locked ? 'locked' : 'unlocked', message });
  }

  async kick(user: UserRow, id: string, targetId: number, ban: boolean): Promise<void> {
    using _lock = await this.locks.acquire(id);
    const r = this.hostOf(user, id);
    if (targetId === user.id)
      throw new BadRequest('The host cannot kick themselves; close the room instead');
    const target = this.members(r).find((m) => m.user_id === targetId);
    if (!target && !ban) throw new NotFound('That user is not in this room');
    if (ban) this.rooms.ban(id, targetId, this.clock());
    if (target) {
      // Revoked credentials keep them from coming back; the wiring unplugs and stops them.
      const rt = this.supervisor.get(id);
      const reloaded = this.supervisor.creds(id)?.has(target.username)
        ? rt?.jacktrip.nextAuthReload(3000)
        : undefined;
      await this.removeMember(r, targetId, target.username);
      await Promise.all([this.wiring.removePlayer(id, target.username), reloaded]);
    }
    const message = ban ? 'You were banned from the room' : 'You were removed from the room';
    this.emitEvent(id, { kind: ban ? 'banned' : 'kicked', message, userId: targetId });
  }

  async close(user: UserRow, id: string): Promise<void> {
    using _lock = await this.locks.acquire(id);
    this.hostOf(user, id);
    await this.shut(id, { kind: 'closed', message: 'The host closed the room' });
  }

  async setPatchMode(user: UserRow, id: string, mode: PatchMode): Promise<void> {
    using _lock = await this.locks.acquire(id);
    const r = this.hostOf(user, id);
    if (r.patch_mode === mode) return;
    this.rooms.setPatchMode(id, mode);
    this.emitEvent(id, {
      kind: 'patch_mode',
      message: `Patch mode is now ${mode}`,
      patchMode: mode,
    });
    // No restart: the hub wires the room itself, starting the new mode from a clean slate.
    this.supervisor.reconfigure({ roomId: id, patchMode: mode, maxClients: r.max_participants });
    await this.wiring.rewire(id);
  }

  /** Who may be plugged into a room's JACK graph: its members and host; undefined once closed. */
  private roster(id: string): Roster | undefined {
    const r = this.rooms.byId(id);
    if (!r || r.closed_at !== null) return undefined;
    const host = this.rooms.usernameOf(r.creator_id) ?? [];
    const members = new Set([...this.rooms.members(id).map((m) => m.username), host].flat());
    return { mode: r.patch_mode as PatchMode, members: [...members] };
  }

  /** Member or host of an open room, or Forbidden. */
  requireMember(user: UserRow, id: string): RoomRow {
    const r = this.open(id);
    if (r.creator_id !== user.id && !this.rooms.isMember(id, user.id))
      throw new Forbidden('Join the room first');
    return r;
  }

  hostOf(user: UserRow, id: string): RoomRow {
    const r = this.open(id);
    if (r.creator_id !== user.id) throw new Forbidden("Only the room's host can do that");
    return r;
  }

  members(r: RoomRow): Member[] {
    return memberList(r, this.rooms.members(r.id), this.supervisor.get(r.id)?.graph);
  }

  /** Closes rooms past their time, after warning their players. Runs every second. */
  async checkExpiry(): Promise<void> {
    const now = this.clock();
    for (const r of this.rooms.listOpen(now - 24 * 3_600_000)) {
      if (r.expires_at <= now) {
        using _lock = await this.locks.acquire(r.id);
        await this.shut(r.id, { kind: 'expired', message: 'The room reached the end of its time' });
      } else if (
        !this.warned.has(r.id) &&
        r.expires_at - now <= Math.min(EXPIRY_WARNING_MS, (r.expires_at - r.created_at) / 2)
      ) {
        this.warned.add(r.id);
        const mins = Math.max(1, Math.round((r.expires_at - now) / 60_000));
        this.emitEvent(r.id, {
          kind: 'expiring',
          message: `The room closes in about ${mins} minute${mins === 1 ? '' : 's'}`,
          expiresAt: isoFromMs(r.expires_at),
        });
      }
    }
  }

  /** Who may hold a voice session in the room (members and the host), and who never may. */
  accessList(id: string): { members: number[]; bans: number[] } {
    const r = this.rooms.byId(id);
    if (!r || r.closed_at !== null) return { members: [], bans: [] };
    const members = new Set(this.rooms.members(id).map((m) => m.user_id));
    members.add(r.creator_id);
    return { members: [...members], bans: this.rooms.bans(id) };
  }

  /** Tells every live room's players that the hub is going away. */
  announceShutdown(): void {
    for (const r of this.rooms.listOpen(this.clock())) {
      if (this.supervisor.get(r.id))
        this.emitEvent(r.id, { kind: 'closed', message: 'The hub is shutting down' });
    }
  }

  dispose(): void {
    clearInterval(this.expiryTimer);
  }

  counts(): { rooms: number; live_rooms: number } {
    return { rooms: this.rooms.countOpen(this.clock()), live_rooms: this.supervisor.liveRooms };
  }

  /** Closes the room, removes its members and stops its engine. Hold the room's lock. */
  private async shut(
    id: string,
    event: Extract<RoomEvent, { kind: 'closed' | 'expired' }>,
  ): Promise<void> {
    if (!this.rooms.close(id, this.clock())) return;
    this.emitEvent(id, event);
    for (const m of this.rooms.members(id)) this.rooms.removeMember(id, m.user_id);
    this.warned.delete(id);
    this.connectedKey.delete(id);
    await this.supervisor.stop(id);
    this.logger.info({ roomId: id, state: event.kind }, 'room closed');
  }

  /** Hold the room's lock. */
  private async removeMember(r: RoomRow, userId: number, username: string): Promise<void> {
    const was = this.rooms.removeMember(r.id, userId);
    this.supervisor.creds(r.id)?.revoke(username);
    if (was) {
      this.safeEmit('member-left', r.id, username);
      this.emitParticipants(r.id);
    }
    if (this.rooms.memberCount(r.id) === 0) await this.supervisor.stop(r.id);
  }

  private open(id: string): RoomRow {
    const r = this.rooms.byId(id);
    if (!r || r.closed_at !== null || r.expires_at <= this.clock())
      throw new NotFound('Room not found');
    return r;
  }

  private summary(r: RoomRow, members = this.members(r)): RoomSummary {
    const hostName = this.rooms.usernameOf(r.creator_id);
    const live = this.supervisor.get(r.id) !== undefined;
    return roomSummary({ room: r, members, hostName, live, now: this.clock() });
  }

  private emitParticipants(id: string): void {
    const r = this.rooms.byId(id);
    if (r) this.safeEmit('participants', id, this.members(r));
  }

  private emitEvent(id: string, event: RoomEvent): void {
    this.safeEmit('event', id, event);
  }
}
