/**
 * Password and token hashes: `$scrypt$N=32768,r=8,p=1$<salt>$<hash>` (salt and hash in unpadded
 * base64), for the hosted SFTP server's passwords and the admin API's `tokenHash`. Config files hold
 * only the hash, so a leaked file gives away no secret. It lives outside transports/ so that config
 * and the admin API use it without importing a transport.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** 32 MiB and ~0.1 s a hash on this project's machines: dear for a guesser, cheap for one login. */
const DEFAULT = { N: 32768, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Bounds on what a stored hash may ask for: a hand-edited partner file must not make one login cost
 * gigabytes or minutes.
 */
const MAX = { N: 2 ** 20, r: 32, p: 16, keyBytes: 128 } as const;

const FORMAT = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export interface ScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Reads a stored hash; undefined when it is not one this module writes or its cost is out of bounds. */
export function parsePasswordHash(stored: string): ScryptHash | undefined {
  const m = FORMAT.exec(stored);
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4], 'base64');
  const hash = Buffer.from(m[5], 'base64');
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX.N || r < 1 || r > MAX.r || p < 1 || p > MAX.p) return undefined;
  if (salt.length < 8 || hash.length < 16 || hash.length > MAX.keyBytes) return undefined;
  return { N, r, p, salt, hash };
}

function derive(
  password: string,
  salt: Buffer,
  keyBytes: number,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  // Node refuses anything above 32 MiB unless told; the bounds above keep this finite.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The hash to put in a partner file's `inbound.sftp.password` or gateway.yaml's `admin.users[].tokenHash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, KEY_BYTES, DEFAULT);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$N=${DEFAULT.N},r=${DEFAULT.r},p=${DEFAULT.p}$${b64(salt)}$${b64(hash)}`;
}

/** A hash no password matches, spent on unknown users so that their refusal takes as long as a known one's. */
let decoy: Promise<string> | undefined;

/**
 * True when `password` matches `stored`. An unparseable or absent hash is false, after the same work
 * as a real check, so that the answer's timing tells nothing about which users exist.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = stored === undefined ? undefined : parsePasswordHash(stored);
  if (!parsed) {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    const fake = parsePasswordHash(await decoy) as ScryptHash;
    await derive(password, fake.salt, fake.hash.length, fake);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(key, parsed.hash);
}
