import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { spawn } from 'node:child_process';

const SALT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./';

/** A random string for salts and passwords from an alphabet jacktrip and crypt(3) accept. */
export function randomToken(length: number, alphabet = SALT_CHARS): string {
  const bytes = randomBytes(length);
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[bytes[i]! % alphabet.length];
  return s;
}

/** sha512-crypt (`$6$salt$...`), the only hash jacktrip's credsfile accepts, via openssl. */
export async function sha512Crypt(password: string, salt = randomToken(16)): Promise<string> {
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      // The password goes through stdin, never argv (which `ps` shows).
      {
        const p = spawn('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.on('error', (e) => resolve({ code: null, stdout, stderr: String(e) }));
        p.on('close', (code) => resolve({ code, stdout, stderr }));
        p.stdin.end(password + '\n');
      }
    },
  );
  const hash = r.stdout.trim();
  if (r.code !== 0 || !hash.startsWith('$6$'))
    throw new Error(`openssl passwd failed: ${r.stderr.trim()}`);
  return hash;
}

/** JackTrip user names we write: the credsfile is colon-separated, one user per line. */
export const JT_USER = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The credsfile of one room's `jacktrip -S -A`: one `user:<sha512-crypt>:*` line per member.
 * JackTrip watches the file and reloads it when it changes.
 */
export class CredsFile {
  private readonly lines = new Map<string, string>();

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.write();
  }

  /** Issues fresh credentials for `user`; returns the plaintext password for the member. */
  async issue(user: string): Promise<string> {
    if (!JT_USER.test(user)) throw new Error(`invalid jacktrip user name "${user}"`);
    const password = randomToken(24, SALT_CHARS.slice(0, 62));
    this.lines.set(user, `${user}:${await sha512Crypt(password)}:*`);
    this.write();
    return password;
  }

  /** Removes a member's line (leave, kick, ban). True when there was one. */
  revoke(user: string): boolean {
    const had = this.lines.delete(user);
    if (had) this.write();
    return had;
  }

  has(user: string): boolean {
    return this.lines.has(user);
  }

  private write(): void {
    // Written in place (not renamed over): jacktrip's file watcher follows the path's inode.
    writeFileSync(this.path, [...this.lines.values()].map((l) => l + '\n').join(''), {
      mode: 0o600,
    });
  }
}
