/**
 * SQLite commits made durable off the event loop (ADR 0014). better-sqlite3 runs on the event loop,
 * so with `synchronous = FULL` every COMMIT waited there for the WAL's fsync: 4-6 ms on this project's
 * disks, during which no request was read and no thread handed its result back. The connection runs
 * with `synchronous = NORMAL` instead (a commit writes its WAL frames without syncing them) and this
 * class fdatasyncs the WAL on libuv's thread pool after each operation that changed rows. Callers
 * resolve only once the sync that covers their commit is done, so what FULL promised still holds: a
 * receipt is on disk before a transport may acknowledge it. Commits that land while one sync runs
 * share the next, as a group commit would.
 *
 * Every operation of the connection, reads included, resolves only after the commits before it are
 * on disk: nothing in this process acts on a commit that a power cut could still take back.
 */
import { closeSync, fdatasync, fstatSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { GatewayError } from '../errors';
import { syncDir } from '../sync-dir';

export interface WalSyncOptions {
  /** Reports a failed sync once (the store stays unusable for writes: see settle). */
  onError?: (e: Error) => void;
  /** Tests only: what syncs the open WAL (default fdatasync on the thread pool). */
  syncFile?: (fd: number) => Promise<void>;
}

const fdatasyncOffLoop = (fd: number) =>
  new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));

export class WalSync {
  private fd: number | undefined;
  /** Operations that changed rows, counted; `durable` is how many of them are known to be on disk. */
  private written = 0;
  private durable = 0;
  private seen: number;
  private running: Promise<void> | undefined;
  private failed: GatewayError | undefined;
  /** Syncs done, for tests and the bench. */
  syncs = 0;

  constructor(
    /** The database file; its WAL is this path with `-wal`. */
    private readonly database: string,
    /** sqlite3_total_changes() of the connection: rows changed since it opened. */
    private readonly totalChanges: () => number,
    private readonly opts: WalSyncOptions = {},
  ) {
    this.seen = totalChanges();
  }

  /** After each serialized operation, inside the lock: counts it as a write when it changed rows. */
  noteOperation(): void {
    const n = this.totalChanges();
    if (n !== this.seen) {
      this.seen = n;
      this.written++;
    }
  }

  /** Counts a write that changed no rows (a schema change). */
  markWritten(): void {
    this.written++;
  }

  /** Resolves when the sync in flight, if any, has ended; starts none. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Commits noted and not yet known to be on disk. */
  get pending(): number {
    return this.written - this.durable;
  }

  /**
   * Resolves once every commit noted so far is on disk. After a failed sync it rejects for good: a
   * failed fsync may have dropped the pages it could not write, so a later one that succeeds proves
   * nothing (the gateway must be restarted; SQLite then recovers from what the WAL holds on disk).
   */
  async settle(): Promise<void> {
    const want = this.written;
    while (this.durable < want) {
      if (this.failed) throw this.failed;
      await (this.running ??= this.syncOnce());
    }
  }

  /** One sync, covering every commit noted before it starts. */
  private async syncOnce(): Promise<void> {
    const covers = this.written;
    try {
      await (this.opts.syncFile ?? fdatasyncOffLoop)(await this.walFd());
      this.syncs++;
      this.durable = Math.max(this.durable, covers);
    } catch (e) {
      this.failed ??= new GatewayError('EDIGW_STORE_SYNC_FAILED', `${this.database}-wal: ${(e as Error).message}`);
      this.opts.onError?.(this.failed);
    } finally {
      this.running = undefined;
    }
  }

  /**
   * The WAL, opened once. It lives as long as a connection has the database open (a checkpoint may
   * truncate it, never remove it); should it have been removed all the same, it is opened again. A new
   * one's name is made durable as SQLite does for a journal it creates: by syncing its folder.
   */
  private async walFd(): Promise<number> {
    if (this.fd !== undefined && fstatSync(this.fd).nlink > 0) return this.fd;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const fd = openSync(`${this.database}-wal`, 'r');
    await syncDir(dirname(this.database));
    this.fd = fd;
    return fd;
  }

  /** After the connection closed: waits for a sync in flight, then lets the WAL go. */
  async close(): Promise<void> {
    await this.running;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
