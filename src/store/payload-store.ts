import { createHash, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type PayloadStorage = 'file' | 'database';

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/**
 * Raw payload bytes on disk, content-addressed: `<root>/ab/cd/<sha256>`. A payload is written to a
 * temporary name, fsynced, renamed into place and its folder fsynced, so once `put` returns the bytes
 * survive a crash; the database row that points at them commits only after that. Never rewritten.
 */
export class FilePayloads {
  /** Folders known to exist: creating them again on every put costs more than the write. */
  private readonly made = new Set<string>();

  constructor(readonly root: string) {}

  path(hash: string): string {
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  has(hash: string): boolean {
    return existsSync(this.path(hash));
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
    fsyncDir(dir);
    return hash;
  }

  /** Streams a large payload to disk with bounded memory, hashing as it goes. */
  async putStream(chunks: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
    mkdirSync(this.root, { recursive: true });
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
    if (existsSync(final)) { rmSync(tmp); return { sha256: hex, size }; }
    mkdirSync(dirname(final), { recursive: true });
    renameSync(tmp, final);
    fsyncDir(dirname(final));
    return { sha256: hex, size };
  }

  get(hash: string): Buffer {
    return readFileSync(this.path(hash));
  }

  remove(hash: string): void {
    rmSync(this.path(hash), { force: true });
  }
}
