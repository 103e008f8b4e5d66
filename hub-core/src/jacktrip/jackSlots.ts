// JACK's server registry, and giving back the slots of Backline's room servers that died.
//
// JACK2 keeps a registry in shared memory (/dev/shm/jack-shm-registry on Linux): a header with
// room for 8 servers (a pid and a "jack-<uid>:<name>:" prefix each), then 256 entries for the
// shared-memory segments servers allocate. A server killed with SIGKILL never unregisters. JACK
// itself frees such a slot only when a server of the same name registers again and finds the
// old pid gone; so after a crash of the hub (its room servers die with it), the slots of rooms
// whose port block never recurs (another JACKTRIP_BASE_PORT, fewer rooms) were lost for good,
// and the machine's room capacity shrank with every crash.
//
// Starting a server of the same name does not work either where dead children are never reaped
// (a container whose PID 1 does not wait for orphans): a zombie still answers kill(pid, 0), so
// JACK takes it for a running server and refuses ("server already active"). So the hub frees the
// entries itself, for its own servers only (this user's uid, named `backline-<port>`) and only
// when their process is gone or a zombie. It writes without JACK's registry lock (a SysV
// semaphore Node cannot take), in an order that keeps a concurrent registration safe: JACK looks
// for a free entry by its pid being 0, so the name is cleared first and the pid last, and an
// entry is re-read and left alone if it changed since it was judged dead.
import {
  closeSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import type { Logger } from '../log.js';

export const REGISTRY_PATH = '/dev/shm/jack-shm-registry';

// The layout of jack2's jack_shm_header_t (common/shm.h, 1.9.x, every 64-bit and 32-bit Linux):
// magic u32, protocol u16, type i32, size i32, hdr_len i32, entry_len i32, then MAX_SERVERS
// jack_shm_server_t of { pid i32, name char[JACK_SERVER_NAME_SIZE + 1] } padded to 264 bytes.
const MAGIC = 0x4a41434b; // "JACK"
const HDR_LEN_AT = 16;
const ENTRY_LEN_AT = 20;
const SERVERS_AT = 24;
const MAX_SERVERS = 8;
const SERVER_SIZE = 264;
const NAME_SIZE = 257;
// jack_shm_registry_t: index i16 (+2 padding), allocator pid i32, size i32, id char[256].
const MAX_SHM_ID = 256;
const ALLOCATOR_AT = 4;
const SEGMENT_SIZE_AT = 8;
const SEGMENT_ID_AT = 12;
const SEGMENT_ID_SIZE = 256;

/** Names of room servers Backline runs (Supervisor.serverNameFor). */
export const BACKLINE_SERVER = /^backline-\d{1,5}$/;

export interface RegisteredServer {
  /** Entry number in the header, 0 to 7. */
  slot: number;
  pid: number;
  uid: number;
  name: string;
}

export interface Segment {
  entry: number;
  allocator: number;
  /** POSIX shared-memory name, e.g. "/jack-1000-3". */
  id: string;
}

export interface Registry {
  servers: RegisteredServer[];
  segments: Segment[];
  hdrLen: number;
  entryLen: number;
}

const cString = (b: Buffer, at: number, max: number): string => {
  const end = b.indexOf(0, at);
  return b.toString('latin1', at, end < 0 || end > at + max ? at + max : end);
};

/** Reads a registry image. Throws on anything that is not the layout above (then: hands off). */
export function parseRegistry(b: Buffer): Registry {
  if (b.length < SERVERS_AT + MAX_SERVERS * SERVER_SIZE || b.readUInt32LE(0) !== MAGIC)
    throw new Error('not a JACK shared-memory registry');
  const hdrLen = b.readInt32LE(HDR_LEN_AT);
  const entryLen = b.readInt32LE(ENTRY_LEN_AT);
  if (hdrLen !== SERVERS_AT + MAX_SERVERS * SERVER_SIZE || entryLen !== SEGMENT_ID_AT + 256)
    throw new Error(`unknown JACK registry layout (header ${hdrLen}, entry ${entryLen} bytes)`);
  const servers: RegisteredServer[] = [];
  for (let slot = 0; slot < MAX_SERVERS; slot++) {
    const at = SERVERS_AT + slot * SERVER_SIZE;
    const pid = b.readInt32LE(at);
    const m = /^jack-(\d+):(.+):$/.exec(cString(b, at + 4, NAME_SIZE));
    if (pid > 0 && m) servers.push({ slot, pid, uid: Number(m[1]), name: m[2]! });
  }
  const segments: Segment[] = [];
  for (let entry = 0; entry < MAX_SHM_ID; entry++) {
    const at = hdrLen + entry * entryLen;
    if (at + entryLen > b.length) break;
    const allocator = b.readInt32LE(at + ALLOCATOR_AT);
    if (allocator > 0)
      segments.push({ entry, allocator, id: cString(b, at + SEGMENT_ID_AT, SEGMENT_ID_SIZE) });
  }
  return { servers, segments, hdrLen, entryLen };
}

/**
 * Has the JACK server with this pid stopped? Gone, a zombie, or the pid now belongs to a
 * program that is no JACK server. Unsure (no /proc, another user's process) counts as running.
 */
export function serverGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    return !readFileSync(`/proc/${pid}/comm`, 'utf8').includes('jack');
  } catch {
    return false;
  }
}

/** The registry's dead Backline servers of user `uid`. Pure but for `gone`. */
export function deadBacklineServers(
  r: Registry,
  uid: number,
  gone: (pid: number) => boolean = serverGone,
): RegisteredServer[] {
  return r.servers.filter((s) => s.uid === uid && BACKLINE_SERVER.test(s.name) && gone(s.pid));
}

export interface ReclaimOptions {
  registryPath?: string;
  /** Where JACK's shared-memory files live. Default /dev/shm. */
  shmDir?: string;
  uid?: number;
  gone?: (pid: number) => boolean;
}

/**
 * Frees the registry slots (and segment entries and files) of this user's Backline servers
 * that no longer run. Returns their names. No registry, or one of an unknown layout: nothing.
 */
export function reclaimJackSlots(options: ReclaimOptions = {}): string[] {
  const path = options.registryPath ?? REGISTRY_PATH;
  const shmDir = options.shmDir ?? '/dev/shm';
  const uid = options.uid ?? process.getuid?.() ?? 0;
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return []; // no JACK server ever ran here, or not ours to touch
  }
  try {
    const image = readFileSync(fd);
    const reg = parseRegistry(image);
    const dead = deadBacklineServers(reg, uid, options.gone);
    const reclaimed: string[] = [];
    for (const s of dead) {
      const at = SERVERS_AT + s.slot * SERVER_SIZE;
      if (!unchanged(fd, image, at, SERVER_SIZE)) continue;
      writeSync(fd, Buffer.alloc(SERVER_SIZE - 4), 0, SERVER_SIZE - 4, at + 4);
      writeSync(fd, Buffer.alloc(4), 0, 4, at);
      for (const seg of reg.segments.filter((g) => g.allocator === s.pid)) {
        const segAt = reg.hdrLen + seg.entry * reg.entryLen;
        if (!unchanged(fd, image, segAt, reg.entryLen)) continue;
        if (/^\/jack-\d+-\d+$/.test(seg.id)) rmSync(`${shmDir}${seg.id}`, { force: true });
        const rest = reg.entryLen - SEGMENT_SIZE_AT;
        writeSync(fd, Buffer.alloc(rest), 0, rest, segAt + SEGMENT_SIZE_AT);
        writeSync(fd, Buffer.alloc(4), 0, 4, segAt + ALLOCATOR_AT);
      }
      removeServerFiles(shmDir, s.name, uid);
      reclaimed.push(s.name);
    }
    return reclaimed;
  } finally {
    closeSync(fd);
  }
}

/** Is the registry's region [at, at + len) still what `image` holds? */
function unchanged(fd: number, image: Buffer, at: number, len: number): boolean {
  const now = Buffer.alloc(len);
  readSync(fd, now, 0, len, at);
  return now.equals(image.subarray(at, at + len));
}

/** A dead server's own files: `jack_<name>_<uid>_*` and its semaphores `jack_sem.<uid>_<name>_*`. */
function removeServerFiles(shmDir: string, name: string, uid: number): void {
  let files: string[];
  try {
    files = readdirSync(shmDir);
  } catch {
    return;
  }
  for (const f of files) {
    if (f.startsWith(`jack_${name}_${uid}_`) || f.startsWith(`jack_sem.${uid}_${name}_`))
      rmSync(`${shmDir}/${f}`, { force: true, recursive: true });
  }
}

/** {@link reclaimJackSlots}, logging what it freed or why it could not. */
export function reclaimJackSlotsLogged(logger: Pick<Logger, 'info' | 'warn'>): void {
  try {
    const names = reclaimJackSlots();
    if (names.length > 0)
      logger.info({ servers: names }, 'freed the JACK slots of dead room servers');
  } catch (err) {
    logger.warn({ err }, 'could not free the JACK slots of dead room servers');
  }
}
