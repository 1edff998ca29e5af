/**
 * The hosted SFTP server's hashing thread (see upload-hash.ts): the sha256 of each large upload, read
 * back from its file (the page cache) range by range as its WRITEs reach the disk.
 */
import { createHash, type Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FromHasher, ToHasher } from './upload-hash';

const port = parentPort;
if (!port) throw new Error('hash-thread-entry runs only as a worker thread');

interface Upload {
  fd: number;
  hash: Hash;
  /** Bytes hashed so far, from offset 0. */
  next: number;
  /** Ranges written but not yet hashed (they may be announced out of order): start → end. */
  ranges: Map<number, number>;
  failed: boolean;
}
const uploads = new Map<number, Upload>();
const chunk = Buffer.allocUnsafe(1024 * 1024);

function advance(u: Upload): void {
  for (let end = u.ranges.get(u.next); end !== undefined && !u.failed; end = u.ranges.get(u.next)) {
    u.ranges.delete(u.next);
    while (u.next < end) {
      const n = readSync(u.fd, chunk, 0, Math.min(chunk.length, end - u.next), u.next);
      if (n === 0) throw new Error('the file is shorter than what was written to it');
      u.hash.update(chunk.subarray(0, n));
      u.next += n;
    }
  }
}

const reply = (m: FromHasher) => port.postMessage(m);

port.on('message', (m: ToHasher) => {
  if (m.type === 'start') {
    uploads.set(m.id, { fd: m.fd, hash: createHash('sha256'), next: 0, ranges: new Map(), failed: false });
    return;
  }
  const u = uploads.get(m.id);
  if (m.type === 'written') {
    if (!u || u.failed) return;
    u.ranges.set(m.from, m.to);
    try {
      advance(u);
    } catch {
      // Its digest is refused below; intake then reads the file itself.
      u.failed = true;
    }
    return;
  }
  uploads.delete(m.id);
  if (m.type === 'digest')
    // Never a digest of fewer bytes than the upload holds: an unknown id lost its bytes (a thread started again).
    reply(u && !u.failed && u.next === m.size ? { id: m.id, sha256: u.hash.digest('hex') } : { id: m.id });
});
