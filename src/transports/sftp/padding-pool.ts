/**
 * Random bytes for ssh2's packet padding, served from a pool on the SFTP thread (ADR 0018-s).
 *
 * ssh2 pads every packet it sends with 4 to 255 random bytes from `crypto.randomFillSync`, one call
 * per packet: about 4 µs each here, for a few bytes, on the thread that limits the row (five replies
 * per 5 KiB upload, 32,768 per GiB). ssh2 takes the function from `crypto` when it loads and offers
 * no way to give it another, so this module, imported by the thread's entry before anything loads
 * ssh2, puts a pooled one in its place on this thread's `crypto` (worker threads have their own
 * module instances; the main thread keeps Node's).
 *
 * The bytes are the same CSPRNG's, drawn 4 KiB at a time and each handed out once; anything that is
 * not a small byte range of a Uint8Array (a key, a nonce of a typed array of another kind) goes to
 * Node's own function as before.
 */
// The module object itself (a default import, not a namespace copy): what ssh2's require gets.
import crypto from 'node:crypto';

/** Fills asked for past this many bytes go straight to Node: the pool is for padding. */
export const POOLED_UP_TO = 256;
const POOL_BYTES = 4096;

/** randomFillSync's shape, as this module calls and serves it. */
export type Fill = (buf: NodeJS.ArrayBufferView, offset?: number, size?: number) => NodeJS.ArrayBufferView;

/** A randomFillSync that serves small fills of Uint8Arrays from a pool refilled by `source`. */
export function pooledRandomFill(source: Fill): Fill {
  const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
  let at = POOL_BYTES;
  return (buf, offset, size) => {
    if (!(buf instanceof Uint8Array) || (offset !== undefined && !Number.isInteger(offset))) {
      return source(buf, offset, size);
    }
    const start = offset ?? 0;
    const n = size ?? buf.length - start;
    if (!Number.isInteger(n) || n <= 0 || n > POOLED_UP_TO || start < 0 || start + n > buf.length) {
      return source(buf, offset, size);
    }
    if (at + n > POOL_BYTES) {
      source(pool);
      at = 0;
    }
    buf.set(pool.subarray(at, at + n), start);
    // Handed out once: wiped so that the bytes of a packet already sent are not kept in memory.
    pool.fill(0, at, at + n);
    at += n;
    return buf;
  };
}

/** Puts the pooled function in place of this thread's `crypto.randomFillSync`; a second call does nothing. */
export function installPaddingPool(): void {
  const c = crypto as unknown as { randomFillSync: Fill & { pooled?: true } };
  if (c.randomFillSync.pooled) return;
  c.randomFillSync = Object.assign(pooledRandomFill(c.randomFillSync.bind(crypto)), { pooled: true as const });
}
