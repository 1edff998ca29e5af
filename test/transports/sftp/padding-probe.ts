/** Run as a thread by sftp-padding-pool.test.ts: imports what the SFTP thread's entry imports first, then ssh2. */
import '../../../src/transports/sftp/thread-padding';
import crypto from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const before = crypto.randomFillSync as typeof crypto.randomFillSync & { pooled?: true };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the pool, as the thread loads it
const { Server } = require('ssh2') as typeof import('ssh2');
parentPort!.postMessage({
  pooled: before.pooled === true,
  same: crypto.randomFillSync === before,
  server: typeof Server,
});
