/**
 * The poller of a partner's file server (SFTP or FTP; the protocol comes in as a `connect` that
 * yields a RemoteSession). On every tick: log in, list `dir`, and take in each file whose name
 * matches and whose size and mtime have been the same at every listing for at least `minAge` by our
 * clock (and at two listings at least). Taking in = download, `deps.intake` (the commit), and only then
 * the receipt that `afterRead` asks for: move, delete or leave.
 *
 * A file is never taken in twice: what was taken is remembered by path, size, mtime and sha256 in
 * memory and, when the deps give one, in the persistent `seen` store, which is what keeps a file left
 * on the server (`afterRead: leave`) from coming in again after a restart.
 */
import { constants as buffer } from 'node:buffer';
import path from 'node:path';
import { z } from 'zod';
import { byteSize, duration } from '../../config/units';
import { GatewayError, type ErrorCode } from '../../errors';
import { globMatcher, isIgnoredName } from '../file/names';
import type { Inbound, InboundDeps, PollerState } from '../spec';
import { Ticker } from '../ticker';
import {
  DownloadSink,
  isConnectionLost,
  type RemoteAddress,
  type RemoteFile,
  type RemoteSession,
  remoteUrl,
  renameWithoutOverwrite,
  seenKey,
} from './files';

/** What every poller adds to how its server is reached. */
export const pollingFields = {
  /** Folder listed on the server, as the login sees paths. */
  dir: z.string().min(1),
  pattern: z.string().min(1).default('*'),
  afterRead: z.enum(['move', 'delete', 'leave']).default('move'),
  /** For `move`; default `<dir>/processed`, made when first needed. */
  moveTo: z.string().min(1).optional(),
  every: duration.refine((ms) => ms > 0, 'a time above zero').default(60_000),
  /**
   * How long a file's size and mtime must have been seen unchanged, by our clock, before it is taken.
   * A partner may write a file in place under its final name and pause (a stall of 7 s was enough to
   * take half a file with two listings 5 s apart); 30 s outlasts such pauses, and with the default
   * `every` of 1 m it costs nothing, since the second listing comes later anyway.
   */
  minAge: duration.default(30_000),
  /** Downloads up to this size are held in memory; larger ones go to a temp file first. */
  spoolAbove: byteSize.default(16 * 1024 * 1024),
  /** The partner's id: shown in log lines, nothing else. */
  partner: z.string().min(1).optional(),
};

/**
 * What a partner file's poll entry adds to the connection: the poller's own fields, except that an
 * entry must say how often (at least 1s) and what becomes of a file once taken; the gateway adds
 * `partner`.
 */
export const partnerPollingFields = (({ partner: _partner, ...fields }) => ({
  ...fields,
  afterRead: z.enum(['move', 'delete', 'leave']),
  every: z
    .custom((v) => v !== undefined, 'required: how often to poll, like 5m')
    .pipe(duration)
    .refine((ms) => ms >= 1000, 'at least 1s'),
}))(pollingFields);

export interface PollingConfig {
  dir: string;
  pattern: string;
  afterRead: 'move' | 'delete' | 'leave';
  moveTo?: string;
  every: number;
  minAge: number;
  spoolAbove: number;
  partner?: string;
}

export interface RemoteSource {
  address: RemoteAddress;
  /** Logs in; throws a GatewayError (kind retry for what may pass, dead for a refused login or host key). */
  connect(): Promise<RemoteSession>;
  /** The protocol's transient I/O code, for a fault of the session code (anything but a GatewayError). */
  ioError: ErrorCode;
}

/** Files taken in together at most (their intakes share the store's group commit). */
const POLL_BATCH = 32;

/** The slowest a failing poller retries, unless `every` is slower still. */
const MAX_BACKOFF_MS = 5 * 60_000;

interface Listed {
  size: number;
  mtimeMs: number;
}
/** A listed file: since when (our clock) it has had this size and mtime, and whether an earlier listing saw them. */
interface Observed extends Listed {
  since: number;
  relisted: boolean;
}
interface Taken extends Listed {
  sha256: string;
  messageId?: string;
  receiptDue: boolean;
}
/** A file downloaded whole, waiting for its intake. */
interface Fetched {
  file: RemoteFile;
  url: string;
  key: string;
  bytes: Buffer;
  sha256: string;
  size: number;
}
interface Failing {
  attempts: number;
  notBefore: number;
}

export class RemotePoller implements Inbound {
  private readonly matches: (name: string) => boolean;
  private readonly moveTo: string;
  /** Size and mtime of each candidate at the previous listing, and since when they are unchanged. */
  private previous = new Map<string, Observed>();
  /** Files taken in (or found already taken) while they are still listed, by name. */
  private readonly taken = new Map<string, Taken>();
  private readonly failing = new Map<string, Failing>();
  /** Files too large for one Buffer: told once, then left alone. */
  private readonly tooLarge = new Set<string>();
  private moveToMade = false;
  private connectFailures = 0;
  private lastRoundAt: Date | null = null;
  private lastOkAt: Date | null = null;
  private lastError: GatewayError | null = null;
  private readonly ticker = new Ticker(
    () => this.tick(),
    () => this.nextDelay(),
  );

  constructor(
    private readonly source: RemoteSource,
    private readonly config: PollingConfig,
    private readonly deps: InboundDeps,
  ) {
    this.matches = globMatcher(config.pattern);
    this.moveTo = config.moveTo ?? path.posix.join(config.dir, 'processed');
  }

  async start(): Promise<void> {
    if (this.ticker.running) return;
    this.ticker.start();
  }

  stop(): Promise<void> {
    return this.ticker.stop();
  }

  pollerState(): PollerState {
    return {
      kind: `${this.source.address.protocol}-poll`,
      url: remoteUrl(this.source.address, this.config.dir),
      state: this.lastRoundAt === null ? 'waiting' : this.connectFailures > 0 ? 'failing' : 'ok',
      lastRoundAt: this.lastRoundAt,
      lastOkAt: this.lastOkAt,
      failures: this.connectFailures,
      lastError: this.lastError && { code: this.lastError.code, message: this.lastError.message },
    };
  }

  /** One tick; ticks never overlap. Public so tests can drive ticks without timers. */
  poll(): Promise<void> {
    return this.ticker.tickNow();
  }

  /** When the next tick is due: `every`, or longer while the server cannot be reached. */
  nextDelay(): number {
    const { every } = this.config;
    if (this.connectFailures === 0) return every;
    return Math.min(every * 2 ** this.connectFailures, Math.max(every, MAX_BACKOFF_MS));
  }

  private where(extra: object = {}): object {
    const { host, port, user } = this.source.address;
    return {
      partner: this.config.partner,
      protocol: this.source.address.protocol,
      host,
      port,
      user,
      dir: this.config.dir,
      ...extra,
    };
  }

  private async tick(): Promise<void> {
    let session: RemoteSession;
    try {
      session = await this.source.connect();
    } catch (err) {
      this.failed(err);
      return;
    }
    try {
      await this.round(session);
      if (this.connectFailures > 0)
        this.deps.logger.info(
          this.where({ failures: this.connectFailures }),
          `polling ${remoteUrl(this.source.address, this.config.dir)} works again`,
        );
      this.connectFailures = 0;
      this.lastOkAt = this.lastRoundAt = this.deps.clock();
      this.lastError = null;
    } catch (err) {
      this.failed(err);
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  private failed(err: unknown): void {
    this.connectFailures++;
    const e = this.asGatewayError(err, `polling ${remoteUrl(this.source.address, this.config.dir)}`);
    this.lastRoundAt = this.deps.clock();
    this.lastError = e;
    // A refused login or host key will not mend by itself: it is an error for people to look at.
    const log = e.kind === 'dead' ? this.deps.logger.error : this.deps.logger.warn;
    log.call(
      this.deps.logger,
      this.where({ code: e.code, attempts: this.connectFailures, retryInMs: this.nextDelay() }),
      e.describe(),
    );
  }

  private async round(session: RemoteSession): Promise<void> {
    const { dir } = this.config;
    const files = await session.listFiles(dir, (name) => !isIgnoredName(name) && this.matches(name));
    const now = this.deps.clock().getTime();
    const previous = this.previous;
    const listed = new Map<string, Observed>(
      files.map((f) => {
        const before = previous.get(f.name);
        const same = before !== undefined && before.size === f.size && before.mtimeMs === f.mtimeMs;
        return [f.name, { size: f.size, mtimeMs: f.mtimeMs, since: same ? before.since : now, relisted: same }];
      }),
    );
    for (const memory of [this.taken, this.failing])
      for (const name of [...memory.keys()]) if (!listed.has(name)) memory.delete(name);
    for (const name of [...this.tooLarge]) if (!listed.has(name)) this.tooLarge.delete(name);
    this.previous = listed;

    const due: RemoteFile[] = [];
    for (const f of files) {
      if (this.ticker.stopped) return; // stop(): finish the file in flight, take nothing new
      const taken = this.taken.get(f.name);
      const failing = this.failing.get(f.name);
      const waiting = failing !== undefined && now < failing.notBefore;
      if (taken && taken.size === f.size && taken.mtimeMs === f.mtimeMs) {
        if (taken.receiptDue && !waiting) await this.receipt(session, f.name, taken);
        continue;
      }
      // New, still growing, or unchanged for less than minAge: a writer may only have paused. Our own
      // clock measures it, so a skewed clock on their server neither hastens nor holds back a file.
      const observed = listed.get(f.name)!;
      if (!observed.relisted || now - observed.since < this.config.minAge || waiting) continue;
      if (f.size > buffer.MAX_LENGTH) {
        if (!this.tooLarge.has(f.name))
          this.deps.logger.error(
            this.where({ file: f.name, bytes: f.size }),
            `${f.name} is larger than the gateway can take in (${buffer.MAX_LENGTH} bytes); left on the server`,
          );
        this.tooLarge.add(f.name);
        continue;
      }
      due.push(f);
    }
    await this.takeInBatches(session, due);
  }

  /**
   * Downloads the files due, and takes them in by batches (up to POLL_BATCH files, or `spoolAbove`
   * bytes) whose intakes run at once, so the store commits them together (its group commit) instead
   * of one commit per file. Each file's receipt still follows its own intake, and a file whose intake
   * fails stays on the server.
   */
  private async takeInBatches(session: RemoteSession, due: RemoteFile[]): Promise<void> {
    const batch: Fetched[] = [];
    let bytes = 0;
    for (const f of due) {
      if (this.ticker.stopped) break; // stop(): what was downloaded is taken in below, nothing new
      const got = await this.fetch(session, f);
      if (!got) continue;
      batch.push(got);
      bytes += got.bytes.length;
      if (batch.length >= POLL_BATCH || bytes >= this.config.spoolAbove) {
        await this.store(session, batch.splice(0));
        bytes = 0;
      }
    }
    if (batch.length) await this.store(session, batch);
  }

  private async store(session: RemoteSession, batch: Fetched[]): Promise<void> {
    const outcomes = await Promise.allSettled(
      batch.map((g) =>
        this.deps.intake({ bytes: g.bytes, fileName: g.file.name, remotePath: g.url, remoteMtime: g.file.mtimeMs }),
      ),
    );
    // Every committed file is remembered before any receipt: a connection lost during one receipt
    // must not leave a later file of the batch, already committed, to be taken in again.
    const receipts: Array<[string, Taken]> = [];
    for (const [i, outcome] of outcomes.entries()) {
      const g = batch[i];
      if (outcome.status === 'rejected') {
        this.backoff(
          g.file.name,
          outcome.reason,
          `taking in ${g.url} failed; left on the server, retrying later`,
          'error',
        );
        continue;
      }
      const taken = await this.remember(g, outcome.value.messageId);
      if (taken.receiptDue) receipts.push([g.file.name, taken]);
    }
    for (const [name, taken] of receipts) await this.receipt(session, name, taken);
  }

  /** Downloads a due file; undefined when there is nothing to take in (changed, failed, or taken before). */
  private async fetch(session: RemoteSession, f: RemoteFile): Promise<Fetched | undefined> {
    const file = path.posix.join(this.config.dir, f.name);
    const url = remoteUrl(this.source.address, file);
    const sink = new DownloadSink(this.config.spoolAbove);
    let got;
    try {
      await session.download(file, sink);
      got = await sink.result();
    } catch (err) {
      await sink.discard();
      if (isConnectionLost(err)) throw err;
      this.backoff(f.name, err, `downloading ${url} failed; retrying later`);
      return undefined;
    }
    if (got.size !== f.size) {
      // Changed between the listing and the download: not complete after all; observe it afresh.
      this.previous.delete(f.name);
      return undefined;
    }

    const key = seenKey(this.source.address, file, f, got.sha256);
    let already: boolean;
    try {
      already = (await this.deps.seen?.has(key)) ?? false;
    } catch (err) {
      this.backoff(f.name, err, `asking whether ${url} was taken in before failed; not taking it in now`);
      return undefined;
    }
    const receiptDue = this.config.afterRead !== 'leave';
    if (already) {
      this.deps.logger.info(
        this.where({ file: f.name, bytes: got.size, sha256: got.sha256 }),
        `${url} was taken in before; not again`,
      );
      const taken: Taken = { ...f, sha256: got.sha256, receiptDue };
      this.taken.set(f.name, taken);
      this.failing.delete(f.name);
      if (receiptDue) await this.receipt(session, f.name, taken);
      return undefined;
    }
    return { file: f, url, key, bytes: got.bytes, sha256: got.sha256, size: got.size };
  }

  /** A file's intake committed: remembered (in memory and the seen store) and told; its receipt is the caller's. */
  private async remember(g: Fetched, messageId: string): Promise<Taken> {
    const { file: f, url, key } = g;
    const got = g;
    const receiptDue = this.config.afterRead !== 'leave';
    const taken: Taken = { size: f.size, mtimeMs: f.mtimeMs, sha256: got.sha256, messageId, receiptDue };
    this.taken.set(f.name, taken);
    this.failing.delete(f.name);
    this.deps.logger.info(
      this.where({ file: f.name, messageId, bytes: got.size, sha256: got.sha256 }),
      'remote file taken in',
    );
    try {
      await this.deps.seen?.add(key);
    } catch (err) {
      // Memory still keeps it out while this process runs; only a restart could bring it in again.
      this.deps.logger.warn(
        this.where({ file: f.name, messageId, error: messageOf(err) }),
        `remembering ${url} as taken in failed`,
      );
    }
    return taken;
  }

  /** Move or delete, only ever after the intake resolved (or the file was found taken in before). */
  private async receipt(session: RemoteSession, name: string, taken: Taken): Promise<void> {
    const file = path.posix.join(this.config.dir, name);
    const doing = this.config.afterRead === 'delete' ? 'deleting' : `moving to ${this.moveTo}`;
    try {
      if (this.config.afterRead === 'delete') {
        await session.remove(file);
      } else {
        if (!this.moveToMade) {
          await session.ensureDir(this.moveTo);
          this.moveToMade = true;
        }
        await renameWithoutOverwrite(
          session,
          file,
          this.moveTo,
          name,
          `moving ${remoteUrl(this.source.address, file)}`,
        );
      }
      // Gone from the folder: a file that appears under this name later is a new file.
      this.taken.delete(name);
      this.failing.delete(name);
    } catch (err) {
      if (isConnectionLost(err)) throw err;
      // A folder removed since it was made is made again next time.
      this.moveToMade = false;
      this.backoff(
        name,
        this.asGatewayError(err, `${doing} ${remoteUrl(this.source.address, file)}`),
        `${doing} ${remoteUrl(this.source.address, file)} failed after intake; it will not be taken in again, only the ${this.config.afterRead} is retried`,
        'error',
        taken.messageId,
      );
    }
  }

  /** Sessions throw GatewayErrors; anything else is a fault of the session code, reported as transient. */
  private asGatewayError(err: unknown, context: string): GatewayError {
    if (err instanceof GatewayError) return err;
    return new GatewayError(this.source.ioError, context, { cause: err });
  }

  private backoff(
    name: string,
    err: unknown,
    message: string,
    level: 'warn' | 'error' = 'warn',
    messageId?: string,
  ): void {
    const attempts = (this.failing.get(name)?.attempts ?? 0) + 1;
    const wait = Math.min(this.config.every * 2 ** (attempts - 1), Math.max(this.config.every, MAX_BACKOFF_MS));
    this.failing.set(name, { attempts, notBefore: this.deps.clock().getTime() + wait });
    const code = err instanceof GatewayError ? err.code : undefined;
    this.deps.logger[level](
      this.where({
        file: name,
        messageId,
        attempts,
        code,
        error: err instanceof GatewayError ? err.describe() : messageOf(err),
      }),
      message,
    );
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
