/**
 * Inbound `file`: polls a folder and takes in files once they are complete. A file is complete when
 * its size and mtime are the same as on the previous tick and it is at least `minAge` old. The files
 * due on a tick go to `deps.intakeFiles` in batches that share one commit (else one by one to
 * `deps.intakeFile` or `deps.intake`); only after its commit is a file moved to `moveTo` or deleted.
 * A file whose intake failed stays where it is and is tried again after a backoff.
 *
 * A crash between a file's commit and its move leaves a file that was taken in: the files found at
 * the first listing are looked up by path and sha256 in the seen store (the messages themselves)
 * before they are taken in, and only moved if an earlier run took them in.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { duration } from '../../config/units';
import { defineInbound, localPath, type Inbound, type InboundDeps } from '../spec';
import { Ticker } from '../ticker';
import { errnoCode, globMatcher, isIgnoredName, withSuffix } from './names';

/** The watcher's config, and a partner file's `inbound.file` as it stands (paths relative to gateway.yaml's folder). */
export const fileWatcherConfig = z.strictObject({
  dir: z.string().min(1),
  pattern: z.string().min(1).default('*'),
  /** How often the folder is looked at. */
  every: duration.default(1000),
  /** A file must be unchanged and at least this old to be taken: it may still be being written. */
  minAge: duration.default(1000),
  /** What happens to a file once it is stored: moved to `moveTo` (default `<dir>/processed`) or deleted. */
  afterRead: z.enum(['move', 'delete']).default('move'),
  moveTo: z.string().min(1).optional(),
});
export type FileWatcherConfig = z.output<typeof fileWatcherConfig>;

/** Longest wait between attempts at a file whose intake keeps failing. */
const MAX_BACKOFF_MS = 5 * 60_000;
const MAX_SUFFIX = 10_000;
/** Files taken in (or moved) concurrently per tick. */
const TAKE_AT_ONCE = 8;
/**
 * Files taken in together, where the store offers it: one commit and one fsync per payload folder for
 * all of them. The store's group commit takes 64 works at most; a batch stays within it.
 */
const BATCH = 32;

interface Seen {
  size: number;
  mtimeMs: number;
}
interface Failing {
  attempts: number;
  notBefore: number;
}
interface Committed extends Seen {
  messageId: string;
}

export class FileWatcher implements Inbound {
  private readonly matches: (name: string) => boolean;
  private readonly moveTo: string;
  /** size and mtime of each candidate at the previous tick */
  private seen = new Map<string, Seen>();
  /** files whose intake rejected, with when to try again */
  private readonly failing = new Map<string, Failing>();
  /** files taken in whose move/delete failed: never taken in again, only moved/deleted again */
  private readonly committed = new Map<string, Committed>();
  private moveToMade = false;
  /**
   * Names at the first listing: an earlier run may have committed them and died before the move.
   * Undefined until a listing succeeded; a name leaves the set once it is looked up.
   */
  private fromBefore: Set<string> | undefined;
  private readonly ticker = new Ticker(
    () => this.tick(),
    () => this.config.every,
  );

  constructor(
    private readonly config: FileWatcherConfig,
    private readonly deps: InboundDeps,
  ) {
    this.matches = globMatcher(config.pattern);
    this.moveTo = config.moveTo ?? path.join(config.dir, 'processed');
  }

  async start(): Promise<void> {
    if (this.ticker.running) return;
    await fs.mkdir(this.config.dir, { recursive: true });
    this.ticker.start();
  }

  stop(): Promise<void> {
    return this.ticker.stop();
  }

  /**
   * One tick: list the folder and take in every complete file, one at a time. Ticks never overlap,
   * so a file is never taken twice at once. Public so tests can drive ticks without timers.
   */
  poll(): Promise<void> {
    return this.ticker.tickNow();
  }

  private async tick(): Promise<void> {
    const { dir } = this.config;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      this.deps.logger.warn({ dir, err }, `listing ${dir} failed`);
      return;
    }
    const now = this.deps.clock().getTime();
    if (!this.fromBefore) this.fromBefore = new Set(entries.map((e) => e.name));
    else if (this.fromBefore.size > 0) {
      const listed = new Set(entries.map((e) => e.name));
      for (const name of this.fromBefore) if (!listed.has(name)) this.fromBefore.delete(name);
    }
    const previous = this.seen;
    const next = new Map<string, Seen>();
    const due: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || isIgnoredName(entry.name) || !this.matches(entry.name)) continue;
      // In place (ADR 0008): awaited one by one through the thread pool, a listing of a thousand files
      // gave the event loop to the workers a thousand times and took seconds while they were busy.
      const stat = statSync(path.join(dir, entry.name), { throwIfNoEntry: false });
      if (!stat) continue; // gone between listing and stat
      const current = { size: stat.size, mtimeMs: stat.mtimeMs };
      next.set(entry.name, current);
      const before = previous.get(entry.name);
      const stable = before !== undefined && before.size === current.size && before.mtimeMs === current.mtimeMs;
      // The clock has millisecond steps; mtime has finer ones and can read a fraction ahead of it.
      if (stable && now - Math.floor(current.mtimeMs) >= this.config.minAge) due.push(entry.name);
    }
    this.seen = next;
    for (const name of [...this.failing.keys()]) if (!next.has(name)) this.failing.delete(name);
    for (const name of [...this.committed.keys()]) if (!next.has(name)) this.committed.delete(name);

    if (this.deps.intakeFiles) return this.takeInBatches(due, next);
    // A few files at a time: each waits mostly on the file system and on the store's commit.
    let at = 0;
    const lane = async () => {
      while (at < due.length) {
        if (this.ticker.stopped) return; // stop(): finish the files in flight, take in nothing new
        const name = due[at++];
        const failing = this.failing.get(name);
        if (failing && this.deps.clock().getTime() < failing.notBefore) continue;
        await this.take(name, next.get(name) as Seen);
      }
    };
    await Promise.all(Array.from({ length: Math.min(TAKE_AT_ONCE, due.length) }, lane));
  }

  /**
   * The files due, in batches that share their durability work (deps.intakeFiles: one commit, one
   * fsync per payload folder). A batch's receipts (moves or deletes) are given only after its commit,
   * while the next batch is taken in; a file of the batch that failed stays where it is.
   */
  private async takeInBatches(due: string[], seen: Map<string, Seen>): Promise<void> {
    let receipts: Promise<void> = Promise.resolve();
    try {
      for (let at = 0; at < due.length;) {
        if (this.ticker.stopped) break; // stop(): finish the batch in flight, take in nothing new
        const batch: string[] = [];
        const moveOnly: Array<{ name: string; messageId: string }> = [];
        for (; at < due.length && batch.length < BATCH; at++) {
          const name = due[at];
          const failing = this.failing.get(name);
          if (failing && this.deps.clock().getTime() < failing.notBefore) continue;
          const s = seen.get(name) as Seen;
          const done = this.committed.get(name);
          if (done && done.size === s.size && done.mtimeMs === s.mtimeMs)
            moveOnly.push({ name, messageId: done.messageId });
          else if (this.fromBefore?.has(name)) {
            this.committed.delete(name);
            if (!(await this.takenBefore(name, s))) batch.push(name);
          } else {
            this.committed.delete(name);
            batch.push(name);
          }
        }
        const taken = [...moveOnly, ...(await this.intakeBatch(batch, seen))];
        await receipts;
        receipts = this.receipts(taken);
      }
    } finally {
      await receipts;
    }
  }

  /** One batch into the store; returns the files committed, whose receipts are now due. */
  private async intakeBatch(
    names: string[],
    seen: Map<string, Seen>,
  ): Promise<Array<{ name: string; messageId: string }>> {
    if (names.length === 0) return [];
    const inputs = names.map((name) => {
      const file = path.join(this.config.dir, name);
      return { path: file, size: (seen.get(name) as Seen).size, fileName: name, remotePath: file };
    });
    let outcomes: Array<{ messageId: string } | { error: unknown }>;
    try {
      outcomes = await this.deps.intakeFiles!(inputs);
    } catch (err) {
      outcomes = names.map(() => ({ error: err }));
    }
    const committed: Array<{ name: string; messageId: string }> = [];
    names.forEach((name, i) => {
      const outcome = outcomes[i] ?? { error: new Error('intake gave no outcome for this file') };
      if ('error' in outcome) this.failed(name, outcome.error);
      else {
        this.tookIn(name, seen.get(name) as Seen, outcome.messageId);
        committed.push({ name, messageId: outcome.messageId });
      }
    });
    return committed;
  }

  /** Receipts for committed files, a few at a time. */
  private async receipts(taken: Array<{ name: string; messageId: string }>): Promise<void> {
    let at = 0;
    const lane = async () => {
      while (at < taken.length) {
        const t = taken[at++];
        await this.receipt(t.name, t.messageId);
      }
    };
    await Promise.all(Array.from({ length: Math.min(TAKE_AT_ONCE, taken.length) }, lane));
  }

  private async take(name: string, seen: Seen): Promise<void> {
    const file = path.join(this.config.dir, name);
    const done = this.committed.get(name);
    if (done && done.size === seen.size && done.mtimeMs === seen.mtimeMs) {
      await this.receipt(name, done.messageId);
      return;
    }
    this.committed.delete(name);
    if (await this.takenBefore(name, seen)) return;

    let messageId: string;
    try {
      const taken = await this.intake(file, name, seen);
      if (!taken) return;
      ({ messageId } = taken);
    } catch (err) {
      this.failed(name, err);
      return;
    }
    this.tookIn(name, seen, messageId);
    await this.receipt(name, messageId);
  }

  /** A file's intake failed: observed afresh when it vanished or changed, else retried after a backoff. */
  private failed(name: string, err: unknown): void {
    const file = path.join(this.config.dir, name);
    if (errnoCode(err) === 'ENOENT' || errnoCode((err as { cause?: unknown }).cause) === 'ENOENT') {
      this.seen.delete(name);
      return; // vanished mid-read: someone else took it
    }
    if ((err as { code?: unknown }).code === 'EDIGW_FILE_CHANGED') {
      this.seen.delete(name); // changed under us: not complete after all, observe it afresh
      return;
    }
    const failing = this.backoff(name);
    this.deps.logger.error(
      { file, err, attempts: failing.attempts },
      `taking in ${file} failed; left in place, retrying later`,
    );
  }

  /** Committed: from now on only its receipt is owed, never another intake. */
  private tookIn(name: string, seen: Seen, messageId: string): void {
    this.failing.delete(name);
    this.committed.set(name, { ...seen, messageId });
    this.deps.logger.info({ file: path.join(this.config.dir, name), messageId, bytes: seen.size }, 'file taken in');
  }

  /**
   * Hands the file to the store: streamed where the gateway offers it (memory does not follow the
   * file), else read whole. Undefined when the file turned out not to be complete after all.
   */
  private async intake(file: string, name: string, seen: Seen): Promise<{ messageId: string } | undefined> {
    if (this.deps.intakeFile)
      return this.deps.intakeFile({ path: file, size: seen.size, fileName: name, remotePath: file });
    const bytes = await fs.readFile(file);
    if (bytes.length !== seen.size) {
      this.seen.delete(name); // changed under us: not complete after all, observe it afresh
      return undefined;
    }
    return this.deps.intake({ bytes, fileName: name, remotePath: file });
  }

  /**
   * For a file found at the first listing: true when an earlier run took it in (same path, same
   * bytes), in which case it is moved (or deleted) now and not taken in again. A failed lookup
   * leaves the file for the next tick: taking it in blind could take it in twice.
   */
  private async takenBefore(name: string, seen: Seen): Promise<boolean> {
    if (!this.fromBefore?.has(name) || !this.deps.seen) return false;
    const file = path.join(this.config.dir, name);
    let already: boolean;
    try {
      const sha256 = await hashOf(file);
      already = await this.deps.seen.has(fileSeenKey(file, seen, sha256));
    } catch (err) {
      this.failed(name, err);
      return true;
    }
    this.fromBefore.delete(name);
    if (!already) return false;
    this.deps.logger.info({ file, bytes: seen.size }, `${file} was taken in before the restart; moving it, not again`);
    this.failing.delete(name);
    await this.receipt(name, 'taken in before');
    return true;
  }

  /** The receipt: move or delete the file, only ever after its intake resolved. */
  private async receipt(name: string, messageId: string): Promise<void> {
    const file = path.join(this.config.dir, name);
    try {
      if (this.config.afterRead === 'delete') {
        await fs.rm(file, { force: true });
      } else {
        if (!this.moveToMade) {
          await fs.mkdir(this.moveTo, { recursive: true });
          this.moveToMade = true;
        }
        await moveNoClobber(file, this.moveTo, name);
      }
      this.committed.delete(name);
      this.seen.delete(name);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        this.committed.delete(name);
        this.seen.delete(name);
        return;
      }
      this.backoff(name);
      this.deps.logger.error(
        { file, messageId, err },
        `${this.config.afterRead === 'delete' ? 'deleting' : `moving to ${this.moveTo}`} ${file} failed after intake; will not take it in again`,
      );
    }
  }

  private backoff(name: string): Failing {
    const attempts = (this.failing.get(name)?.attempts ?? 0) + 1;
    const wait = Math.min(this.config.every * 2 ** (attempts - 1), MAX_BACKOFF_MS);
    const failing = { attempts, notBefore: this.deps.clock().getTime() + wait };
    this.failing.set(name, failing);
    return failing;
  }
}

/** The seen store's key for a local file: its path, size, mtime and sha256, space-separated (the path may hold spaces). */
export function fileSeenKey(file: string, f: Seen, sha256: string): string {
  return `${file} ${f.size} ${f.mtimeMs} ${sha256}`;
}

async function hashOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Renames into `dir` without overwriting: a taken name gets `-1`, `-2`, … before its extension. */
async function moveNoClobber(file: string, dir: string, name: string): Promise<string> {
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const target = path.join(dir, withSuffix(name, n));
    try {
      await fs.lstat(target);
      continue;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    await fs.rename(file, target);
    return target;
  }
  throw new Error(`no free name in ${dir} after ${MAX_SUFFIX} suffixes`);
}

export const fileWatcher = defineInbound({
  kind: 'file',
  config: fileWatcherConfig,
  place: 'inbound',
  partner: { key: 'file', schema: fileWatcherConfig },
  settings: (s, ctx) => ({ ...s, dir: localPath(ctx.base, s.dir), moveTo: localPath(ctx.base, s.moveTo) }),
  create: (config, deps) => new FileWatcher(config, deps),
});
