/**
 * The hosted SFTP server's hashing thread (see upload-hash.ts): the sha256 of each large upload,
 * fed in order, one message per event-loop turn of the SFTP thread.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { ToHasher } from './upload-hash';

const port = parentPort;
if (!port) throw new Error('hash-thread-entry runs only as a worker thread');
const hashes = new Map<number, Hash>();

port.on('message', (m: ToHasher) => {
  switch (m.type) {
    case 'update': {
      let h = hashes.get(m.id);
      if (!h) hashes.set(m.id, (h = createHash('sha256')));
      h.update(m.data);
      return;
    }
    case 'digest': {
      const h = hashes.get(m.id);
      hashes.delete(m.id);
      // Never the digest of nothing: an id unknown here lost its bytes (a thread started again).
      port.postMessage(h ? { id: m.id, sha256: h.digest('hex') } : { id: m.id });
      return;
    }
    case 'drop':
      hashes.delete(m.id);
      return;
  }
});
