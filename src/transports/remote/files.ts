/**
 * What the pollers and senders of partners' file servers share, whatever the protocol: the session
 * they work through, naming without overwriting, and downloads that stay bounded in memory. SFTP
 * and FTP each implement `RemoteSession`; nothing here knows either protocol.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { GatewayError, type ErrorCode } from '../../errors';
import { withSuffix } from '../file/names';

export interface RemoteFile {
  name: string;
  size: number;
  /** Modification time in ms since the epoch, as precise as the server tells it (SFTP and FTP: seconds). */
  mtimeMs: number;
}

/**
 * One logged-in connection. Every method throws a GatewayError that names what was being done;
 * the `*_UNREACHABLE` codes mean the connection itself is gone.
 */
export interface RemoteSession {
  /** The regular files of `dir` whose names `wanted` accepts; folders and links are left out. */
  listFiles(dir: string, wanted: (name: string) => boolean): Promise<RemoteFile[]>;
  /** Writes the file's bytes into `into` and ends it. */
  download(file: string, into: Writable): Promise<void>;
  upload(bytes: Buffer, file: string): Promise<void>;
  size(file: string): Promise<number>;
  exists(file: string): Promise<boolean>;
  /** Renames; where the protocol allows, fails rather than replace an existing `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes; a file already gone is not an error. */
  remove(file: string): Promise<void>;
  /** Makes the folder and its parents where missing. */
  ensureDir(dir: string): Promise<void>;
  close(): Promise<void>;
}

/** Where a session goes, for log lines, error messages and the keys of what was taken in. No secrets. */
export interface RemoteAddress {
  /** The URL scheme the addresses are written with (`sftp`, `ftp`). */
  protocol: string;
  host: string;
  port: number;
  user: string;
}

export function remoteUrl(a: RemoteAddress, file = ''): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  return `${a.protocol}://${encodeURIComponent(a.user)}@${host}:${a.port}${file.startsWith('/') || file === '' ? '' : '/'}${encodeURI(file)}`;
}

/**
 * What a file taken in is remembered by: where it was (server, user, path), its size, its mtime and
 * its sha256. The path is percent-encoded, so the space-separated fields cannot run into each other.
 */
export function seenKey(a: RemoteAddress, file: string, f: { size: number; mtimeMs: number }, sha256: string): string {
  return `${remoteUrl(a, file)} ${f.size} ${f.mtimeMs} ${sha256}`;
}

/** Whatever the protocol, its `*_UNREACHABLE` code says the connection itself is gone (RemoteSession). */
export const isConnectionLost = (err: unknown): boolean =>
  err instanceof GatewayError && err.code.endsWith('_UNREACHABLE');

/** Names tried before giving up: each try costs a round trip to the server. */
const MAX_SUFFIX = 1000;

/**
 * Gives `from` the name `name` in `dir`, or `name-1`, `name-2`, … when taken; never replaces a file.
 * A name is checked before the rename, and a failed rename is checked again: a server that refuses
 * to rename onto an existing file (SFTP as OpenSSH serves it) then makes the claim atomic; on one that
 * would replace it (FTP's RNTO), a file created between the check and the rename is the one race left.
 */
export async function renameWithoutOverwrite(
  session: RemoteSession,
  from: string,
  dir: string,
  name: string,
  context: string,
): Promise<string> {
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const candidate = withSuffix(name, n);
    const target = path.posix.join(dir, candidate);
    if (await session.exists(target)) continue;
    try {
      await session.rename(from, target);
      return candidate;
    } catch (err) {
      if (await session.exists(target).catch(() => false)) continue;
      throw err;
    }
  }
  throw new GatewayError('EDIGW_REMOTE_NO_FREE_NAME', `${context}: ${name} and ${MAX_SUFFIX - 1} suffixed names`);
}

export interface Downloaded {
  bytes: Buffer;
  size: number;
  sha256: string;
}

/**
 * Where a download goes: memory up to `spoolAbove` bytes, a private temp file beyond, so that a large
 * file is never held twice (chunks plus their concatenation). The sha256 is computed on the way.
 */
export class DownloadSink extends Writable {
  private readonly hash = createHash('sha256');
  private chunks: Buffer[] = [];
  private size = 0;
  private spool: { file: string; handle: fs.FileHandle } | undefined;

  constructor(
    private readonly spoolAbove: number,
    private readonly tmpDir = os.tmpdir(),
  ) {
    // Nothing is dropped on destroy: `result()` or `discard()` is always called, and a library that
    // destroys the stream it piped into after a complete download must not take the bytes with it.
    super({ autoDestroy: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (!this.spool && this.size <= this.spoolAbove) {
      this.chunks.push(chunk);
      callback();
      return;
    }
    this.toSpool(chunk).then(() => callback(), callback);
  }

  private async toSpool(chunk: Buffer): Promise<void> {
    if (!this.spool) {
      const file = path.join(this.tmpDir, `edigw-download-${randomBytes(8).toString('hex')}`);
      const handle = await fs.open(file, 'wx', 0o600);
      this.spool = { file, handle };
      const held = this.chunks;
      this.chunks = [];
      for (const c of held) await handle.write(c);
    }
    await this.spool.handle.write(chunk);
  }

  /** The bytes, once the download has ended; the temp file, if any, is gone afterwards. */
  async result(): Promise<Downloaded> {
    const sha256 = this.hash.digest('hex');
    if (!this.spool)
      return {
        bytes: this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size),
        size: this.size,
        sha256,
      };
    try {
      await this.spool.handle.close();
      const bytes = await fs.readFile(this.spool.file);
      return { bytes, size: bytes.length, sha256 };
    } finally {
      await fs.rm(this.spool.file, { force: true });
      this.spool = undefined;
    }
  }

  /** Drops what was downloaded, the temp file included. */
  async discard(): Promise<void> {
    this.chunks = [];
    const spool = this.spool;
    this.spool = undefined;
    if (!spool) return;
    await spool.handle.close().catch(() => undefined);
    await fs.rm(spool.file, { force: true });
  }
}

/**
 * Delivers one file: uploads it under a hidden temporary name (`.<name>.<random>.part`, which
 * pollers on the other side skip; the random part keeps two deliveries of one name apart), checks
 * that the server holds as many bytes as were sent, and renames it to its name without replacing
 * anything. Returns the name it got. The temporary file is removed when anything fails.
 */
export async function uploadWithoutOverwrite(
  session: RemoteSession,
  bytes: Buffer,
  dir: string,
  name: string,
  context: string,
  /** The protocol's code for a size the server holds that is not the bytes sent. */
  sizeMismatch: ErrorCode,
): Promise<string> {
  const tmp = path.posix.join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
  try {
    await session.upload(bytes, tmp);
    const size = await session.size(tmp);
    if (size !== bytes.length)
      throw new GatewayError(sizeMismatch, `${context}: the server holds ${size} bytes of ${bytes.length}`);
    return await renameWithoutOverwrite(session, tmp, dir, name, context);
  } catch (err) {
    // A failed upload may still have left part of the file; over a lost connection this fails too and a hidden .part stays.
    await session.remove(tmp).catch(() => undefined);
    throw err;
  }
}
