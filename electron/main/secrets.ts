// Bearer tokens main keeps for each hub, in <userData>/sessions.json. In Electron the codec is
// safeStorage (the OS keychain encrypts them); without Electron tokens are stored as they are,
// in a file only this user can read.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SecretCodec {
  /** Whether values are really encrypted (false: plain, file permissions only). */
  readonly encrypted: boolean;
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

export const plainCodec: SecretCodec = {
  encrypted: false,
  encrypt: (p) => Buffer.from(p, 'utf8'),
  decrypt: (d) => d.toString('utf8'),
};

export class SecretStore {
  private values: Record<string, string> = {};

  constructor(
    private readonly file: string,
    private readonly codec: SecretCodec,
  ) {
    if (!existsSync(file)) return;
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (raw && typeof raw === 'object' && !Array.isArray(raw))
        for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') this.values[k] = v;
    } catch {
      // A damaged file only costs a sign-in: set it aside and start empty.
      renameSync(file, `${file}.damaged-${Date.now()}`);
    }
  }

  get(key: string): string | null {
    const v = this.values[key];
    if (v === undefined) return null;
    try {
      return this.codec.decrypt(Buffer.from(v, 'base64'));
    } catch {
      return null; // encrypted under another OS account or keychain: sign in again
    }
  }

  set(key: string, value: string | null): void {
    if (value === null) delete this.values[key];
    else this.values[key] = this.codec.encrypt(value).toString('base64');
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.values), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }
}
