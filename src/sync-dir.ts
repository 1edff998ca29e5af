import { promises as fs } from 'node:fs';

/**
 * Makes a folder's new entries durable: after a file is written, fsynced and renamed or linked into
 * place, its name survives a power cut only once the folder is fsynced too. Platforms that cannot
 * fsync a folder (Windows) skip it.
 */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
