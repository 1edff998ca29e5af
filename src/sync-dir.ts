import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';

/**
 * Makes a folder's new entries durable: after a file is written, fsynced and renamed or linked into
 * place, its name survives a power cut only once the folder is fsynced too. The fsync runs off the
 * event loop, so concurrent ones overlap and the file system folds them into one journal commit;
 * opening and closing the folder take microseconds and are done in place (ADR 0008). Platforms that
 * cannot fsync a folder (Windows) skip it.
 */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
  } finally {
    closeSync(fd);
  }
}

/** syncDir for the synchronous paths (a payload written inside a synchronous SQLite transaction). */
export function syncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
