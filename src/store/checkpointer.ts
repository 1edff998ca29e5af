/**
 * SQLite WAL checkpoints on a thread of their own. By default SQLite checkpoints inside the commit
 * that takes the WAL past 1,000 pages: on the connection that committed, so on the gateway's event
 * loop, copying the pages into the database file and fsyncing it while every connection waits. On the
 * SFTP benchmark that was 70-100 ms of the event loop's time per 1,000 uploads. This thread runs a
 * PASSIVE checkpoint (which never blocks readers or writers) every `everyMs` on its own connection;
 * the gateway's connection keeps a far larger automatic threshold only as a backstop, should this
 * thread stop or fall behind.
 */
import { Worker } from 'node:worker_threads';

/** Pages past which the gateway's own connection still checkpoints (~40 MB of 4 KiB pages). */
export const BACKSTOP_PAGES = 10_000;

// Evaluated in the thread: plain CommonJS, so it runs the same from dist/ and under the test runner.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { timeout: 0 });
let failures = 0;
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
  } catch (e) {
    // SQLITE_BUSY: another checkpoint runs (another gateway process); the next tick tries again.
    if (++failures === 10) parentPort.postMessage({ error: String(e && e.message || e) });
  }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  tick();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  file: string,
  opts: { everyMs?: number; onError?: (message: string) => void } = {},
): Checkpointer {
  const worker = new Worker(THREAD, {
    eval: true,
    workerData: { file, module: require.resolve('better-sqlite3'), everyMs: opts.everyMs ?? 500 },
  });
  worker.on('message', (m: { error?: string }) => {
    if (m.error) opts.onError?.(m.error);
  });
  worker.on('error', (e) => opts.onError?.(e.message));
  // Never what keeps the process alive.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        worker.postMessage('stop');
        const late = setTimeout(() => void worker.terminate(), 5_000);
        await exited;
        clearTimeout(late);
      })()),
  };
}
