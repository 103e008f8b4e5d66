import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha512Crypt } from './sha512crypt.js';

const SALT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./';

/** A random string for salts and passwords from an alphabet jacktrip and crypt(3) accept. */
export function randomToken(length: number, alphabet = SALT_CHARS): string {
  const bytes = randomBytes(length);
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[bytes[i]! % alphabet.length];
  return s;
}

/** JackTrip user names we write: the credsfile is colon-separated, one user per line. */
export const JT_USER = /^[A-Za-z0-9_.-]{1,64}$/;

/** One member's fresh credentials: the password to hand out and the credsfile line for it. */
export interface Minted {
  user: string;
  password: string;
  line: string;
}

/**
 * Fresh credentials for `user`: a random password and its sha512-crypt line, hashed in process
 * (5-10 ms, yielding to the event loop; it was an `openssl passwd -6` spawn before). Nothing is
 * written: {@link CredsFile.add} does that, so the hash can be made before the room's file exists.
 */
export async function mintCredentials(user: string): Promise<Minted> {
  if (!JT_USER.test(user)) throw new Error(`invalid jacktrip user name "${user}"`);
  const password = randomToken(24, SALT_CHARS.slice(0, 62));
  return { user, password, line: `${user}:${await sha512Crypt(password, randomToken(16))}:*` };
}

/**
 * The credsfile of one room's `jacktrip -S -A`: one `user:<sha512-crypt>:*` line per member.
 *
 * jacktrip watches the file and, on every change it sees, sleeps 200 ms on its main thread and
 * then reloads it ("Auth file changed. Reloading..."). That thread also runs the handshakes,
 * so a client that connects during the sleep is checked after the reload: a join need not wait
 * for it. But every separate change costs its own 200 ms, so adding a member is one write(2)
 * (see {@link add}): a truncate-and-write is two changes, and kept joins waiting 400 ms.
 */
export class CredsFile {
  private readonly lines = new Map<string, string>();
  private size = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.rewrite();
  }

  /** Issues fresh credentials for `user`; returns the plaintext password for the member. */
  async issue(user: string): Promise<string> {
    const minted = await mintCredentials(user);
    this.add(minted);
    return minted.password;
  }

  /**
   * Writes minted credentials, replacing the user's old ones. The file only grows or keeps its
   * size here (a replaced line has the same length), so the new content goes over the old in
   * one write, without truncating first: jacktrip sees one change and reloads once.
   */
  add(minted: Minted): void {
    this.lines.set(minted.user, minted.line);
    const text = Buffer.from(this.text());
    if (text.length < this.size) {
      this.rewrite();
      return;
    }
    const fd = openSync(this.path, 'r+');
    try {
      let off = 0;
      while (off < text.length) off += writeSync(fd, text, off, text.length - off, off);
    } finally {
      closeSync(fd);
    }
    this.size = text.length;
  }

  /** True when `minted` is the user's current line. */
  holds(minted: Minted): boolean {
    return this.lines.get(minted.user) === minted.line;
  }

  /** Removes a member's line (leave, kick, ban). True when there was one. */
  revoke(user: string): boolean {
    const had = this.lines.delete(user);
    if (had) this.rewrite();
    return had;
  }

  has(user: string): boolean {
    return this.lines.has(user);
  }

  private text(): string {
    return [...this.lines.values()].map((l) => l + '\n').join('');
  }

  private rewrite(): void {
    // Written in place (not renamed over): jacktrip's file watcher follows the path's inode.
    const text = this.text();
    writeFileSync(this.path, text, { mode: 0o600 });
    this.size = Buffer.byteLength(text);
  }
}
