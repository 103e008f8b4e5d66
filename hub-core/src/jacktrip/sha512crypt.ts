// SHA-512-crypt (`$6$salt$hash`, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"), the
// only hash jacktrip's credsfile accepts. In process: the hub used to spawn `openssl passwd -6`
// for every join. jacktrip 1.7 checks with a fixed 5000 rounds and at most 16 salt characters,
// so those are the only ones written here (`rounds=` is read too, for the reference vectors).
import { createHash } from 'node:crypto';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;

const sha512 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `bytes` repeated to `length` bytes (steps 16 and 20 of the specification). */
function stretch(bytes: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += bytes.length) bytes.copy(out, i, 0, Math.min(64, length - i));
  return out;
}

/** The digest's bytes in the specification's order, 3 at a time, 4 characters each. */
const ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
] as const;

function encode(d: Buffer): string {
  let s = '';
  const group = (w: number, n: number) => {
    for (let i = 0; i < n; i++, w >>>= 6) s += B64[w & 0x3f];
  };
  for (const [a, b, c] of ORDER) group((d[a]! << 16) | (d[b]! << 8) | d[c]!, 4);
  group(d[63]!, 2);
  return s;
}

/** Rounds hashed between two turns of the event loop (a whole hash takes 5-10 ms). */
const ROUNDS_PER_TURN = 1000;

/**
 * The `$6$` hash of `password` with `salt` (truncated to 16 characters, as crypt(3) does).
 * `setting` may also be a whole `$6$[rounds=N$]salt[$...]` string, as crypt(3) takes it. It
 * yields to the event loop every {@link ROUNDS_PER_TURN} rounds, so other requests don't wait.
 */
export async function sha512Crypt(password: string, setting: string): Promise<string> {
  let salt = setting;
  let rounds = DEFAULT_ROUNDS;
  let custom = false;
  if (salt.startsWith('$6$')) salt = salt.slice(3);
  const r = /^rounds=(\d+)\$/.exec(salt);
  if (r) {
    rounds = Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, Number(r[1])));
    custom = true;
    salt = salt.slice(r[0].length);
  }
  salt = salt.split('$')[0]!.slice(0, MAX_SALT);
  if (/[:\n]/.test(salt)) throw new Error('a salt may not hold ":" or a line break');
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt, 'utf8');

  const b = sha512(p, s, p);
  const a = createHash('sha512').update(p).update(s);
  let n: number;
  for (n = p.length; n > 64; n -= 64) a.update(b);
  a.update(b.subarray(0, n));
  for (n = p.length; n > 0; n >>= 1) a.update(n & 1 ? b : p);
  let digest = a.digest();

  const dp = createHash('sha512');
  for (let i = 0; i < p.length; i++) dp.update(p);
  const pBytes = stretch(dp.digest(), p.length);
  const ds = createHash('sha512');
  for (let i = 0; i < 16 + digest[0]!; i++) ds.update(s);
  const sBytes = stretch(ds.digest(), s.length);

  for (let i = 0; i < rounds; i++) {
    if (i > 0 && i % ROUNDS_PER_TURN === 0) await new Promise((r) => setImmediate(r));
    const c = createHash('sha512');
    c.update(i & 1 ? pBytes : digest);
    if (i % 3) c.update(sBytes);
    if (i % 7) c.update(pBytes);
    c.update(i & 1 ? digest : pBytes);
    digest = c.digest();
  }
  return `$6$${custom ? `rounds=${rounds}$` : ''}${salt}$${encode(digest)}`;
}
