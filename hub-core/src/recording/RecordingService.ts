// Recording a room: the host starts and stops it, the hub keeps it within its limits (length,
// quota, free disk), stops it when the room ends or its audio goes away, finishes the files,
// and says who may see, download and delete what.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isoFromMs, type Clock } from '../clock.js';
import type { RecordingRow, RecordingsRepo } from '../db/recordings.js';
import type { RoomsRepo } from '../db/rooms.js';
import type { UserRow } from '../db/users.js';
import { Conflict, Forbidden, NotFound, Unavailable } from '../errors.js';
import { SafeEmitter } from '../events.js';
import type { Supervisor } from '../jacktrip/Supervisor.js';
import type { Logger } from '../log.js';
import { sortPlayers } from '../patchbay/wiringPlan.js';
import type { RoomService } from '../rooms/RoomService.js';
import { sendsPlayersAway } from '../rooms/events.js';
import type { Recording, RecordingMessage } from '../../../protocol/api.js';
import { Capture } from './Capture.js';
import { finishRecording, readManifest } from './finish.js';
import { writeSlots, type SlotsFile } from './slots.js';
import { StoredZip } from './zip.js';

export interface RecordingLimits {
  maxMinutes: number;
  quotaMb: number;
  minFreeMb: number;
}

export interface RecordingServiceOptions {
  dir: string;
  limits: RecordingLimits;
  period: number;
  clock: Clock;
  logger: Logger;
  /** How often the limits are checked while recording. Default 1000 ms. */
  checkEveryMs?: number;
  /** The recorder binary. Default `jack_capture`. */
  recorderBin?: string;
  /**
   * A capture file rolls over to a new segment at this size. Default 3.5 GiB: a WAV's sizes
   * are 32-bit, so it can't pass 4 GiB.
   */
  segmentBytes?: number;
}

export type RecordingEvents = { message: [string, RecordingMessage] };

interface Live {
  id: string;
  roomId: string;
  dir: string;
  startedBy: string;
  capture: Capture;
  slots: SlotsFile;
  timer: NodeJS.Timeout;
  /** performance.now() at the start: lengths are real time, whatever clock stamps the rows. */
  t0: number;
  stopping?: Promise<void>;
}

const MB = 1024 * 1024;
/** Where a segment rolls over by default. */
export const SEGMENT_BYTES = 3.5 * 1024 * MB;
/** A WAV's sizes are 32-bit: a segment that could not roll over stops the recording here. */
const WAV_LIMIT = 4 * 1024 * MB - 64 * MB;

export class RecordingService extends SafeEmitter<RecordingEvents> {
  private readonly live = new Map<string, Live>();

  constructor(
    private readonly repo: RecordingsRepo,
    private readonly roomsRepo: RoomsRepo,
    private readonly rooms: RoomService,
    private readonly supervisor: Supervisor,
    private readonly o: RecordingServiceOptions,
  ) {
    super();
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    supervisor.on('graph', (roomId) => void this.rewire(roomId));
    supervisor.on('released', (roomId) => void this.stop(roomId, 'room_ended'));
    // The room's audio engine came back after a crash or a restart: the next segment starts.
    supervisor.on('restarted', (roomId) => void this.resume(roomId));
    supervisor.on('failed', (roomId) => void this.stop(roomId, 'room_failed'));
    rooms.on('event', (roomId, e) => {
      if (sendsPlayersAway(e))
        void this.stop(roomId, e.kind === 'failed' ? 'room_failed' : 'room_ended');
    });
  }

  /** Finishes recordings a stopped hub left unfinished (their capture header is repaired). */
  async recover(): Promise<void> {
    for (const r of this.repo.unfinished()) await this.finish(r, 'hub_restarted');
  }

  async start(user: UserRow, roomId: string): Promise<Recording> {
    const room = this.rooms.hostOf(user, roomId);
    if (this.live.has(roomId)) throw new Conflict('The room is already being recorded');
    const { quotaMb, minFreeMb, maxMinutes } = this.o.limits;
    if (this.usedBytes() >= quotaMb * MB)
      throw new Conflict(
        `The hub's recording quota (${quotaMb} MB) is used up: delete old recordings first`,
      );
    if (this.freeBytes() < minFreeMb * MB)
      throw new Unavailable(`The hub's disk is nearly full (less than ${minFreeMb} MB free)`);
    const rt = this.supervisor.get(roomId);
    if (!rt) throw new Unavailable("The room's audio is not running");
    const id = randomBytes(9).toString('base64url');
    const dir = join(this.o.dir, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const startedAt = this.o.clock();
    const slots: SlotsFile = {
      room: { id: roomId, name: room.name },
      started_at: isoFromMs(startedAt),
      period: this.o.period,
      slots: room.max_participants + 1,
      players: {},
      segments: [],
    };
    await writeSlots(dir, slots);
    this.repo.insert({ id, room_id: roomId, started_by: user.id, started_at: startedAt, dir });
    let capture: Capture;
    try {
      capture = await Capture.start(rt, {
        dir,
        slots,
        maxSeconds: maxMinutes * 60 + 5,
        segmentBytes: this.o.segmentBytes ?? SEGMENT_BYTES,
        bin: this.o.recorderBin,
        wire: () => this.rewire(roomId),
      });
    } catch (err) {
      this.repo.remove(id);
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const timer = setInterval(() => this.check(roomId), this.o.checkEveryMs ?? 1000);
    const live: Live = {
      id,
      roomId,
      dir,
      startedBy: user.username,
      capture,
      slots,
      timer,
      t0: performance.now(),
    };
    this.live.set(roomId, live);
    capture.on('failed', () => void this.stop(roomId, 'recorder_died'));
    capture.on('paused', () =>
      this.announce(
        live,
        'recording',
        "The room's audio engine stopped: the recording goes on once it is back",
      ),
    );
    capture.on('warning', (err) =>
      this.o.logger.warn({ err, recording: id }, 'recording could not roll over yet'),
    );
    await this.rewire(roomId);
    this.announce(live, 'recording', `${user.username} started recording this room`);
    return this.view(this.repo.byId(id)!);
  }

  /** Stops the room's recording (if any) and finishes its files. */
  async stop(roomId: string, reason: string): Promise<void> {
    const live = this.live.get(roomId);
    if (!live) return;
    live.stopping ??= (async () => {
      clearInterval(live.timer);
      await live.capture.close().catch(() => undefined);
      try {
        await this.finish(this.repo.byId(live.id)!, reason);
      } catch (err) {
        this.o.logger.error({ err, recording: live.id }, 'recording could not be finished');
      } finally {
        this.live.delete(roomId);
      }
      this.announce(live, 'stopped', stopMessage(reason));
    })();
    await live.stopping;
  }

  async stopByHost(user: UserRow, roomId: string): Promise<Recording | null> {
    this.rooms.hostOf(user, roomId);
    const id = this.live.get(roomId)?.id;
    await this.stop(roomId, 'host');
    return id ? this.view(this.repo.byId(id)!) : null;
  }

  status(user: UserRow, roomId: string): Recording | null {
    this.rooms.requireMember(user, roomId);
    const live = this.live.get(roomId);
    return live ? this.view(this.repo.byId(live.id)!) : null;
  }

  listRoom(user: UserRow, roomId: string): Recording[] {
    const room = this.roomsRepo.byId(roomId);
    if (!room) throw new NotFound('No such room');
    if (room.creator_id !== user.id && !this.roomsRepo.isMember(roomId, user.id))
      throw new Forbidden("Only the room's members may see its recordings");
    return this.repo.byRoom(roomId).map((r) => this.view(r));
  }

  listOwn(user: UserRow): Recording[] {
    return this.repo.forUser(user.id).map((r) => this.view(r));
  }

  /** The zip of a finished recording, for a member or the host. */
  async download(user: UserRow, id: string): Promise<{ zip: StoredZip; name: string }> {
    const r = this.visible(user, id);
    if (r.state !== 'done') throw new Conflict('The recording is still running');
    const zip = new StoredZip(await readManifest(r.dir));
    return { zip, name: `recording-${r.room_id}-${r.id}.zip` };
  }

  async remove(user: UserRow, id: string): Promise<void> {
    const r = this.visible(user, id);
    if (this.roomsRepo.byId(r.room_id)?.creator_id !== user.id)
      throw new Forbidden("Only the room's host can delete a recording");
    if (r.state !== 'done') throw new Conflict('Stop the recording first');
    this.repo.remove(id);
    await rm(r.dir, { recursive: true, force: true });
  }

  /** The notice a player subscribing to the room gets while it is being recorded. */
  liveMessages(roomId: string): RecordingMessage[] {
    const live = this.live.get(roomId);
    if (!live || live.stopping) return [];
    return [
      this.message(live, 'recording', `This room is being recorded (started by ${live.startedBy})`),
    ];
  }

  /** PIDs of every running recorder (for tests and /health). */
  get pids(): number[] {
    return [...this.live.values()].flatMap((l) => l.capture.pids);
  }

  /** Stops every recording, keeping what was captured (the hub's shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.stop(id, 'hub_stopped')));
  }

  private visible(user: UserRow, id: string): RecordingRow {
    const r = this.repo.byId(id);
    if (!r) throw new NotFound('No such recording');
    const room = this.roomsRepo.byId(r.room_id);
    const player = this.repo.players(id).some((p) => p.user_id === user.id);
    if (room?.creator_id !== user.id && !this.roomsRepo.isMember(r.room_id, user.id) && !player)
      throw new Forbidden("Only the room's members may get its recordings");
    return r;
  }

  private async finish(r: RecordingRow, reason: string): Promise<void> {
    const { seconds, bytes } = existsSync(r.dir)
      ? await finishRecording(r.dir, reason)
      : { seconds: 0, bytes: 0 };
    this.repo.finish(r.id, this.o.clock(), reason, seconds, bytes);
  }

  /** Gives every member seen in the graph a track, and wires their newest client to it. */
  private async rewire(roomId: string): Promise<void> {
    const live = this.live.get(roomId);
    const rt = this.supervisor.get(roomId);
    const room = this.roomsRepo.byId(roomId);
    if (!live || live.stopping || !rt || !room) return;
    const host = this.roomsRepo.usernameOf(room.creator_id);
    const members = this.roomsRepo.members(roomId);
    const names = [...new Set([host ?? [], members.map((m) => m.username)].flat())];
    const players = sortPlayers(rt.graph, names, (c) => rt.workers.order(c));
    const clients = new Map<number, string>();
    let added = false;
    for (const [username, client] of players.live) {
      let slot = live.slots.players[username];
      if (slot === undefined) {
        slot = Object.keys(live.slots.players).length;
        if (slot >= live.slots.slots) continue;
        live.slots.players[username] = slot;
        const userId =
          username === host
            ? room.creator_id
            : members.find((m) => m.username === username)?.user_id;
        if (userId !== undefined) this.repo.addPlayer(live.id, userId, username);
        added = true;
      }
      clients.set(slot, client);
    }
    if (added) await writeSlots(live.dir, live.slots);
    await live.capture.sync(rt, rt.graph, clients);
  }

  /** The room's audio engine is back: the recording goes on in a new segment. */
  private async resume(roomId: string): Promise<void> {
    const live = this.live.get(roomId);
    const rt = this.supervisor.get(roomId);
    if (!live || live.stopping || !rt) return;
    try {
      if (!(await live.capture.resume(rt))) return;
      this.announce(
        live,
        'recording',
        `The room's audio engine restarted: the recording goes on (part ${live.capture.segmentCount})`,
      );
    } catch (err) {
      this.o.logger.error({ err, recording: live.id }, 'recording could not go on after a restart');
      await this.stop(roomId, 'recorder_died');
    }
  }

  private check(roomId: string): void {
    const live = this.live.get(roomId);
    if (!live || live.stopping) return;
    live.capture.tick();
    const size = this.captureBytes(live);
    const { maxMinutes, quotaMb, minFreeMb } = this.o.limits;
    let reason: string | undefined;
    if (performance.now() - live.t0 >= maxMinutes * 60_000) reason = 'max_length';
    // A roll-over that could not start a recorder: stop before the WAV breaks.
    else if (live.capture.currentBytes >= WAV_LIMIT) reason = 'max_length';
    else if (this.usedBytes() >= quotaMb * MB) reason = 'quota';
    // Finishing writes the tracks beside the capture: keep room for as much again.
    else if (this.freeBytes() < minFreeMb * MB + size) reason = 'disk_full';
    if (reason) void this.stop(roomId, reason);
  }

  private captureBytes(live: Live): number {
    return live.capture.bytes;
  }

  private usedBytes(): number {
    let n = this.repo.totalBytes();
    for (const l of this.live.values()) n += this.captureBytes(l);
    return n;
  }

  private freeBytes(): number {
    const s = statfsSync(this.o.dir);
    return s.bavail * s.bsize;
  }

  private view(r: RecordingRow): Recording {
    const live = this.live.get(r.room_id);
    const running = r.state === 'recording' && live?.id === r.id;
    return {
      id: r.id,
      room_id: r.room_id,
      started_by: {
        user_id: r.started_by,
        username: this.roomsRepo.usernameOf(r.started_by) ?? '(deleted)',
      },
      started_at: isoFromMs(r.started_at),
      stopped_at: r.stopped_at === null ? null : isoFromMs(r.stopped_at),
      state: r.state,
      stop_reason: r.stop_reason,
      elapsed_seconds: running && live ? (performance.now() - live.t0) / 1000 : r.seconds,
      size_bytes: running && live ? this.captureBytes(live) : r.bytes,
      players: this.repo.players(r.id).map((p) => p.username),
    };
  }

  private announce(live: Live, state: RecordingMessage['state'], message: string): void {
    this.safeEmit('message', live.roomId, this.message(live, state, message));
  }

  private message(live: Live, state: RecordingMessage['state'], message: string): RecordingMessage {
    return {
      type: 'recording',
      room_id: live.roomId,
      state,
      started_by: live.startedBy,
      recording_id: live.id,
      message,
    };
  }
}

function stopMessage(reason: string): string {
  switch (reason) {
    case 'host':
      return 'The host stopped the recording';
    case 'max_length':
      return 'The recording reached its maximum length and stopped';
    case 'quota':
      return "The recording stopped: the hub's recording quota is used up";
    case 'disk_full':
      return "The recording stopped: the hub's disk is nearly full; what was captured is kept";
    case 'recorder_died':
      return 'The recorder stopped unexpectedly; what was captured is kept';
    case 'room_failed':
      return "The room's audio engine could not be restarted: the recording stopped; what was captured is kept";
    default:
      return 'The recording stopped';
  }
}
