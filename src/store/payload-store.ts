import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDir, syncDirSync } from '../sync-dir';

export type PayloadStorage = 'file' | 'database';

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Raw payload bytes on disk, content-addressed: `<root>/ab/<sha256>`. A payload is written to a
 * temporary name, fsynced, renamed into place and its folder fsynced, so once `put` returns the bytes
 * survive a crash; the database row that points at them commits only after that. Never rewritten.
 */
export class FilePayloads {
  /** Folders known to exist: creating them again on every put costs more than the write. */
  private readonly made = new Set<string>();

  constructor(readonly root: string) {}

  /**
   * One level of 256 folders. Two levels (`ab/cd/`, before 2026-11-22) made a new folder for nearly
   * every payload of a young store, 65,536 of them in all: a `mkdir` and its sync per intake for the
   * first tens of thousands of files, ~10% of the file system's time on the SFTP benchmark. Folders of
   * 10^5 entries are routine for ext4 and XFS directory indexes.
   */
  path(hash: string): string {
    return join(this.root, hash.slice(0, 2), hash);
  }

  /** Where a store made before the one-level layout keeps the payload; read, never written. */
  private legacyPath(hash: string): string {
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  has(hash: string): boolean {
    return existsSync(this.path(hash)) || existsSync(this.legacyPath(hash));
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.made.add(dir);
  }

  /** put() for bytes on the event loop's critical path (intake): the same steps, none of them blocking. */
  async putAsync(bytes: Buffer, hash = sha256(bytes)): Promise<string> {
    const final = this.path(hash);
    const dir = dirname(final);
    // Present already: synced again, as in adopt(), in case another intake put it a moment ago.
    if (existsSync(final)) {
      await syncDir(dir);
      return hash;
    }
    await this.ensureDir(dir);
    const tmp = join(dir, `.${hash}.${randomUUID()}.tmp`);
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    await syncDir(dir);
    return hash;
  }

  /**
   * Takes a file the caller has already written and fsynced (an SFTP upload, hashed as it arrived)
   * into the store by a hard link, so its bytes are neither read nor copied again. The caller must not
   * change the file afterwards: from now on it is the payload too. Where the two folders lie on
   * different file systems (or links are not allowed) the file is copied instead. The link is made
   * in place: microseconds, where the thread pool costs more than the call (ADR 0008).
   */
  async adopt(file: string, hash: string): Promise<void> {
    const final = this.path(hash);
    const dir = dirname(final);
    await this.ensureDir(dir);
    try {
      linkSync(file, final);
    } catch (e) {
      // The same bytes are stored already. Their folder is synced again all the same: another intake
      // of the same bytes may have linked them a moment ago and not yet synced it.
      if (errno(e) === 'EEXIST') return syncDir(dir);
      if (errno(e) !== 'EXDEV' && errno(e) !== 'EPERM' && errno(e) !== 'ENOTSUP' && errno(e) !== 'EMLINK') throw e;
      const tmp = join(dir, `.${hash}.${randomUUID()}.tmp`);
      await copyFile(file, tmp);
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
    }
    await syncDir(dir);
  }

  put(bytes: Buffer, hash = sha256(bytes)): string {
    const final = this.path(hash);
    if (existsSync(final)) return hash;
    const dir = dirname(final);
    if (!this.made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    const tmp = join(dir, `.${hash}.${randomUUID()}.tmp`);
    const fd = openSync(tmp, 'wx');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
    syncDirSync(dir);
    return hash;
  }

  /**
   * Streams a large payload to disk with bounded memory, hashing as it goes. With `syncFolder: false`
   * the caller fsyncs `folder` itself before anything points at the payload: several payloads
   * stored together then share one fsync per folder (Store.receiveFiles).
   */
  async putStream(
    chunks: AsyncIterable<Buffer>,
    opts: { syncFolder?: boolean } = {},
  ): Promise<{ sha256: string; size: number; folder: string }> {
    await this.ensureDir(this.root);
    const tmp = join(this.root, `.incoming.${randomUUID()}.tmp`);
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx');
    try {
      for await (const c of chunks) {
        hash.update(c);
        size += c.length;
        await fh.write(c);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    const hex = hash.digest('hex');
    const final = this.path(hex);
    const folder = dirname(final);
    const sync = opts.syncFolder ?? true;
    if (existsSync(final)) {
      await rm(tmp);
      // Present already: synced again, as in putAsync(), in case another intake put it a moment ago.
      if (sync) await syncDir(folder);
      return { sha256: hex, size, folder };
    }
    await this.ensureDir(folder);
    await rename(tmp, final);
    if (sync) await syncDir(folder);
    return { sha256: hex, size, folder };
  }

  /** Where the payload's file is (the one-level layout, or a store's older two-level one). */
  locate(hash: string): string {
    return existsSync(this.path(hash)) ? this.path(hash) : this.legacyPath(hash);
  }

  get(hash: string): Buffer {
    try {
      return readFileSync(this.path(hash));
    } catch (e) {
      if (errno(e) !== 'ENOENT' || !existsSync(this.legacyPath(hash))) throw e;
      return readFileSync(this.legacyPath(hash));
    }
  }

  remove(hash: string): void {
    rmSync(this.path(hash), { force: true });
    rmSync(this.legacyPath(hash), { force: true });
  }
}
