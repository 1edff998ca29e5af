import { randomUUID } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { In, IsNull, type DataSource, type EntityManager } from 'typeorm';
import {
  boundPool,
  createDataSource,
  driverOf,
  parseDatabaseUrl,
  poolState,
  sideConnection,
  type Driver,
  type PoolOptions,
  type PoolState,
  type SideConnection,
} from './data-source';

export type { PoolOptions };
import { BACKSTOP_PAGES, startCheckpointer, type Checkpointer } from './checkpointer';
import {
  DeliveryRecord,
  EventRecord,
  GroupRecord,
  InterchangeRecord,
  MessageRecord,
  PayloadRecord,
  TransactionRecord,
  type Direction,
} from './entities';
import { FilePayloads, type PayloadStorage, sha256 } from './payload-store';
import { syncDir } from '../sync-dir';
import { Queue } from './queue';
import { Serial } from './serial';
import { WalSync } from './wal-sync';
import { ControlNumbers } from './control-numbers';
import { Deliveries } from './deliveries';
import { MessageHistory } from './history';
import { AuditTrail } from './audit-trail';
import { Acks } from './acks';
import { AlertSources } from './alert-sources';
import { PartnerRecords } from './partners';
import {
  insertMany,
  insertOne,
  isUniqueViolation,
  lockConflictError,
  quote,
  selectWhere,
  sqlDate,
  run,
  updateWhere,
} from './sql';
import { GatewayError } from '../errors';
import type { Diagnostic, Group, Interchange } from '../edi/model';
import { allDiagnostics } from '../edi/model';

/**
 * A transaction the store began (`transaction`, `grouped`), handed back to its methods so they write
 * inside it. Callers outside src/store pass it along and never query through it: what they mean is a
 * store method (test/store/boundary.test.ts holds src/pipeline to this).
 */
export type Tx = EntityManager;

/** What processing a message came to, on its row. */
export interface MessageOutcome {
  status: string;
  partnerId: string | null;
  error: string | null;
}

/** What an MDN (sent or received) leaves on its message's row; only the fields given are written. */
export type MdnFields = Partial<
  Pick<
    MessageRecord,
    'as2MessageId' | 'as2From' | 'mdnDisposition' | 'mic' | 'mdnSha256' | 'status' | 'error' | 'updatedAt'
  >
>;

/** Rows a pipeline step gathered, inserted together before its commit (see pipeline/outbound.ts Batch). */
export interface StepRows {
  payloads: Array<Record<string, unknown>>;
  messages: MessageRecord[];
  deliveries: DeliveryRecord[];
  jobs: Array<Record<string, unknown>>;
  events: Array<Record<string, unknown>>;
  transactions: TransactionRecord[];
  acks: Array<Record<string, unknown>>;
}

export interface StoreOptions {
  /** Where payload bytes live: a folder (default) or the database. */
  payloads?: PayloadStorage;
  payloadDir?: string;
  /** Folder relative paths in the database URL are read from. */
  base?: string;
  clock?: () => Date;
  /**
   * For a long-running process on a SQLite file: checkpoint the WAL on a thread of its own rather
   * than in the commits (checkpointer.ts). `onError` hears of a thread that keeps failing.
   */
  checkpoints?: { onError(message: string): void };
  /** A SQLite file: hears of a WAL sync that failed (wal-sync.ts); from then on writes fail. */
  onSyncError?: (e: Error) => void;
  /** Tests only: what syncs the WAL (wal-sync.ts). */
  syncFile?: (fd: number) => Promise<void>;
  /** MariaDB: the pool's size and how long a wait for a connection or a row lock may last (data-source.ts). */
  pool?: PoolOptions;
}

export interface ReceiveInput {
  direction: Direction;
  transport: string;
  bytes: Buffer;
  partnerId?: string | null;
  fileName?: string | null;
  remotePath?: string | null;
  /** The remote file's mtime (ms) as a poller listed it. */
  remoteMtime?: number | null;
  as2MessageId?: string | null;
  as2From?: string | null;
  /**
   * The bytes' sha256 (hex), when the caller has it already (the AS2 crypto thread hashes the payload
   * it unwraps, off the event loop). It names the payload: the caller vouches that it is the bytes'.
   */
  sha256?: string;
  /** The job to enqueue in the same transaction (default: `process`); null for none. */
  job?: string | null;
  status?: string;
  /**
   * The receipt an AS2 message will be answered with, recorded in the receipt's own commit: the MDN is
   * known before intake, and a second commit for it would make the partner wait for a second sync.
   */
  mdn?: { entity?: Buffer; disposition: string; mic: string | null; sha256?: string };
}

/** The part of better-sqlite3's connection the WAL sync reads. */
interface BetterSqlite3Handle {
  readonly open: boolean;
  prepare(sql: string): { pluck(): { get(): unknown } };
  pragma(s: string): unknown;
}

/** A file on disk to receive (see Store.receiveFile). */
export type ReceiveFileInput = Omit<ReceiveInput, 'bytes'> & {
  path: string;
  size?: number;
  synced?: { sha256: string; size: number };
};

/** A receipt waiting for its group commit: what insertReceipts writes for it. */
interface PendingReceipt {
  input: ReceiveInput;
  message: MessageRecord;
}

export interface Received {
  message: MessageRecord;
  /** The message was already received (same AS2 Message-ID from the same AS2-From): nothing new was stored. */
  duplicate: boolean;
  /** The id of the `received` event, for children to link to. */
  eventId: number | null;
}

export interface EventInput {
  stage: string;
  status?: 'ok' | 'warning' | 'error';
  parentId?: number | null;
  messageId?: string | null;
  interchangeId?: string | null;
  transactionId?: string | null;
  partnerId?: string | null;
  code?: string | null;
  detail?: string | null;
}

/** What a metrics scrape reads from the store (see backlog()). */
export interface Backlog {
  jobs: Array<{ kind: string; status: string; count: number }>;
  deadLetters: number;
  /** Partners whose outbound deliveries an operator paused, by id. */
  pausedPartners: string[];
}

export interface StoreHealth {
  ok: boolean;
  /** up; busy (SQLite: this process is writing, so the read waited); down (no answer in time, or an error). */
  database: 'up' | 'busy' | 'down';
  /** Jobs per status, when they could be counted in time. */
  queue?: Record<string, number>;
  /** Deliveries dead-lettered now (what a replay takes away), counted with the queue. */
  deadLetters?: number;
  /** The MariaDB pool: connections, how many in use, callers waiting. */
  pool?: PoolState;
  error?: string;
}

export interface RecordedInterchange {
  interchange: InterchangeRecord;
  transactions: TransactionRecord[];
  /** The same interchange (partner, sender, receiver, control number) was recorded before. */
  duplicateOf?: InterchangeRecord;
}

const EMPTY = Buffer.alloc(0);

/** Receipts (and other grouped work) committed in one transaction at most (group commit). */
const GROUP_MAX = 64;

/**
 * Payloads up to this size, received or produced, are kept in their database row rather than a file
 * of their own: the commit that records them makes them durable, where a file would cost an fsync of
 * its own and one of its folder (docs/store.md).
 */
export const INLINE_PAYLOAD_MAX = 64 * 1024;

/** The piece a stored payload is read in, from its file or its row. */
const PAYLOAD_CHUNK = 1024 * 1024;

/** How much of a validation report a row keeps; the payload can always be validated again in full. */
const REPORT_LIMIT = 200;

function report(list: Diagnostic[]): object | null {
  if (list.length === 0) return null;
  return list.length <= REPORT_LIMIT
    ? list
    : { diagnostics: list.slice(0, REPORT_LIMIT), omitted: list.length - REPORT_LIMIT };
}

function validation(list: Diagnostic[]): string {
  return list.some((d) => d.severity === 'error') ? 'invalid' : list.length > 0 ? 'warnings' : 'valid';
}

/**
 * Everything the gateway receives, decides and sends, and the queue of its work. Receipt after
 * commit: `receive` returns only once the bytes are durable and their Message row is committed.
 */
export class Store {
  readonly driver: Driver;
  readonly queue: Queue;
  readonly controlNumbers: ControlNumbers;
  /** Deliveries and the rows that follow them (deliveries.ts). */
  readonly deliveries: Deliveries;
  /** Message search and lineage, for the admin API (history.ts). */
  readonly history: MessageHistory;
  /** Operator actions, the `admin.*` events (audit-trail.ts). */
  readonly auditTrail: AuditTrail;
  /** Acknowledgements received and the ack status they leave (acks.ts). */
  readonly acks = new Acks();
  /** Partner health and the operator's pause (partners.ts). */
  readonly partners: PartnerRecords;
  /** What alerts are made of (alert-sources.ts). */
  readonly alertSources: AlertSources;
  readonly files: FilePayloads | undefined;
  readonly clock: () => Date;
  /** Serializes database work on SQLite (see serial.ts); every public method goes through it. */
  readonly serial: Serial;

  private constructor(
    readonly ds: DataSource,
    opts: StoreOptions,
  ) {
    this.driver = driverOf(ds);
    this.clock = opts.clock ?? (() => new Date());
    this.serial = new Serial(this.driver === 'sqlite');
    this.queue = new Queue(ds, this.clock, this.serial);
    this.controlNumbers = new ControlNumbers(this.driver);
    this.deliveries = new Deliveries(this.driver, this.clock, (work) => this.read(work));
    this.alertSources = new AlertSources((work) => this.read(work));
    this.partners = new PartnerRecords(this.driver, this.clock, (work) => this.read(work));
    this.history = new MessageHistory(
      this.driver,
      (sql, params) => this.query(sql, params),
      (work) => this.read(work),
    );
    this.auditTrail = new AuditTrail(this.driver, (sql, params) => this.query(sql, params));
    this.side = sideConnection(ds);
    this.files =
      (opts.payloads ?? 'file') === 'file' ? new FilePayloads(opts.payloadDir ?? 'data/payloads') : undefined;
    this.messageColumns = ds
      .getMetadata(MessageRecord)
      .columns.map((c) => ({ column: c.databaseName, property: c.propertyName }));
  }

  static async open(url: string, opts: StoreOptions = {}): Promise<Store> {
    const target = parseDatabaseUrl(url, opts.base);
    const ds = createDataSource(url, opts.base, opts.pool);
    await ds.initialize();
    boundPool(ds, opts.pool);
    const store = new Store(ds, opts);
    if (target.driver === 'sqlite' && target.location !== ':memory:') store.syncOffLoop(target.location, opts);
    if (opts.checkpoints && target.driver === 'sqlite' && target.location !== ':memory:') {
      await ds.query(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      store.checkpointer = startCheckpointer(target.location, { onError: opts.checkpoints.onError });
    }
    return store;
  }

  private checkpointer: Checkpointer | undefined;
  /** SQLite file: the WAL syncs that make commits durable off the event loop (ADR 0014). */
  private walSync: WalSync | undefined;

  /** Commits of this store not yet known to be on disk, and syncs done (tests, the bench). */
  syncState(): { pending: number; syncs: number } | undefined {
    return this.walSync && { pending: this.walSync.pending, syncs: this.walSync.syncs };
  }

  private syncOffLoop(location: string, opts: StoreOptions): void {
    const db = (this.ds.driver as unknown as { databaseConnection: BetterSqlite3Handle }).databaseConnection;
    // No rows changed since the last operation means nothing to sync: one integer read in place.
    const changes = db.prepare('SELECT total_changes()').pluck();
    db.pragma('synchronous = NORMAL');
    let last = 0;
    // After close() the count no longer moves (an operation that was finishing as the store closed).
    this.walSync = new WalSync(location, () => (db.open ? (last = Number(changes.get())) : last), {
      onError: opts.onSyncError,
      syncFile: opts.syncFile,
    });
    this.serial.syncWith(this.walSync);
  }

  /** Applies pending migrations; returns their names. */
  async migrate(): Promise<string[]> {
    const ran = await this.ds.runMigrations({ transaction: 'each' });
    // Schema changes count no rows, so the migrations' commits are synced here.
    if (ran.length) await this.serial.run(async () => this.walSync?.markWritten());
    return ran.map((m) => m.name);
  }

  async pendingMigrations(): Promise<boolean> {
    return this.ds.showMigrations();
  }

  /** MariaDB: the connection /health uses, outside the pool (see health). */
  private readonly side: SideConnection | undefined;
  /** The count /health is waiting for, shared: a database that hangs gets one probe, not one per request. */
  private probing: Promise<{ queue: Record<string, number>; deadLetters: number }> | undefined;

  /**
   * What /health says of the store, within `timeoutMs` and never behind the jobs: on MariaDB on a
   * connection of its own, outside the pool that jobs may have exhausted; the pool's own state is
   * read from memory.
   */
  async health(timeoutMs = 2_000): Promise<StoreHealth> {
    const pool = this.pool();
    const shown = pool ? { pool } : {};
    this.probing ??= this.countJobs().finally(() => {
      this.probing = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<StoreHealth>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            this.side
              ? { ok: false, database: 'down', error: `no answer within ${timeoutMs} ms`, ...shown }
              : // SQLite is a local file: a read that waits is behind this process's own writes.
                { ok: true, database: 'busy' },
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([
        this.probing.then((counts): StoreHealth => ({ ok: true, database: 'up', ...counts, ...shown })),
        late,
      ]);
    } catch (e) {
      return { ok: false, database: 'down', error: (e as Error).message, ...shown };
    } finally {
      clearTimeout(timer);
    }
  }

  private async countJobs(): Promise<{ queue: Record<string, number>; deadLetters: number }> {
    const counts = `SELECT status, COUNT(*) AS n FROM ${quote(this.driver, 'job')} GROUP BY status`;
    // The (status, nextAttemptAt) index answers this without reading a row.
    const dead = `SELECT COUNT(*) AS n FROM ${quote(this.driver, 'delivery')} WHERE status = 'dead'`;
    const run = <T>(sql: string): Promise<T> => (this.side ? this.side.query(sql) : this.query(sql)) as Promise<T>;
    const rows = await run<Array<{ status: string; n: number | string }>>(counts);
    const [deadRow] = await run<Array<{ n: number | string }>>(dead);
    return {
      queue: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
      deadLetters: Number(deadRow?.n ?? 0),
    };
  }

  /**
   * The message that brought in an interchange from this partner with this sender, receiver and
   * control number before, if one did: a lookup on the unique key the process step's duplicate check
   * relies on, so intake can say "duplicate" at once.
   */
  async interchangeReceivedBefore(
    partnerId: string,
    head: { sender: { id: string }; receiver: { id: string }; controlNumber: string },
  ): Promise<string | undefined> {
    const [hit] = await this.read((m) =>
      selectWhere(
        m,
        this.driver,
        'interchange',
        ['messageId'],
        {
          partnerKey: partnerId,
          senderId: head.sender.id.slice(0, 35),
          receiverId: head.receiver.id.slice(0, 35),
          controlNumber: head.controlNumber.slice(0, 14),
          direction: 'in',
        },
        1,
      ),
    );
    return hit ? String(hit.messageId) : undefined;
  }

  /**
   * interchangeReceivedBefore() for the files of one batch, in one query: for each head, the message
   * that brought in that interchange from this partner before, if one did.
   */
  async interchangesReceivedBefore(
    partnerId: string,
    heads: Array<{ sender: { id: string }; receiver: { id: string }; controlNumber: string } | undefined>,
  ): Promise<Array<string | undefined>> {
    const key = (sender: string, receiver: string, control: string) => `${sender}\u0000${receiver}\u0000${control}`;
    const wanted = heads.map((h) =>
      h ? { s: h.sender.id.slice(0, 35), r: h.receiver.id.slice(0, 35), c: h.controlNumber.slice(0, 14) } : undefined,
    );
    const controls = [...new Set(wanted.flatMap((w) => (w ? [w.c] : [])))];
    if (controls.length === 0) return heads.map(() => undefined);
    const hits = await this.read((m) =>
      m.find(InterchangeRecord, {
        // The control number's own index finds the few candidates; the rest of the key is compared here.
        where: { partnerKey: partnerId, controlNumber: In(controls), direction: 'in' },
        select: { messageId: true, senderId: true, receiverId: true, controlNumber: true },
      }),
    );
    const found = new Map(hits.map((h) => [key(h.senderId, h.receiverId, h.controlNumber), h.messageId]));
    return wanted.map((w) => (w ? found.get(key(w.s, w.r, w.c)) : undefined));
  }

  /**
   * What a metrics scrape reads: unfinished jobs per kind and status (finished ones are history), the
   * dead-lettered deliveries waiting for a replay, and the partners an operator paused. On the side connection, as health is, so a
   * scrape never queues behind the jobs for a pooled connection.
   */
  async backlog(): Promise<Backlog> {
    const d = this.driver;
    const jobsSql = `SELECT kind, status, COUNT(*) AS n FROM ${quote(d, 'job')} WHERE status IN ('queued', 'running', 'dead') GROUP BY kind, status`;
    const deadSql = `SELECT COUNT(*) AS n FROM ${quote(d, 'delivery')} WHERE status = 'dead'`;
    const pausedSql = `SELECT ${quote(d, 'partnerId')} AS id FROM ${quote(d, 'partner_state')} WHERE paused = 1`;
    const run = (sql: string): Promise<Array<Record<string, unknown>>> =>
      this.side ? this.side.query(sql) : this.query(sql);
    const jobs = await run(jobsSql);
    const dead = await run(deadSql);
    const paused = await run(pausedSql);
    return {
      jobs: jobs.map((r) => ({ kind: String(r.kind), status: String(r.status), count: Number(r.n) })),
      deadLetters: Number(dead[0]?.n ?? 0),
      pausedPartners: paused.map((r) => String(r.id)).sort(),
    };
  }

  async close(): Promise<void> {
    await this.side?.close();
    // The thread first: the gateway's connection, closing last, then checkpoints what is left and removes the WAL.
    await this.checkpointer?.stop();
    if (this.ds.isInitialized) await this.ds.destroy();
    await this.walSync?.close();
  }

  /**
   * Runs work in a transaction on one pooled connection. Work must not take another connection while
   * it runs (no `read`, `query` or manager-less call inside): waiting for a second connection while
   * holding one deadlocks the pool once enough callers do it at once (issue 13). A lock wait or
   * deadlock fails it as `retry` (EDIGW_DB_LOCK_TIMEOUT, EDIGW_DB_DEADLOCK), rolled back.
   */
  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.serial.run(() => this.ds.transaction(work)).catch(rethrowLockConflict);
  }

  /** A read outside any transaction (reports, lookups), serialized where the driver needs it. */
  query<T = unknown>(sql: string, params: unknown[] = []): Promise<T> {
    return this.serial.run(() => this.ds.query(sql, params)).catch(rethrowLockConflict) as Promise<T>;
  }

  /** Runs repository work outside a transaction, serialized where the driver needs it. */
  read<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.serial.run(() => work(this.ds.manager)).catch(rethrowLockConflict);
  }

  /** The MariaDB pool now (size, connections in use, callers waiting); undefined on SQLite. */
  pool(): PoolState | undefined {
    return poolState(this.ds);
  }

  /**
   * Stores the bytes durably, then commits the Message row, the `received` event and the job that
   * processes it in one transaction. A repeated AS2 Message-ID from the same sender returns the
   * first message (RFC 4130 §5.5: answer again, process once).
   */
  async receive(input: ReceiveInput): Promise<Received> {
    const hash = input.sha256 ?? sha256(input.bytes);
    if (this.inFile(input.bytes.length)) await this.files!.putAsync(input.bytes, hash);
    return this.commitReceipt(input, this.newMessage(input, hash, input.bytes.length));
  }

  /**
   * receive() for a file on disk of any size. A large one is streamed into the payload store (bounded
   * memory) and fsynced before the row commits; a small one (or any, with payloads kept in the
   * database) is read whole into its row. A caller that already knows a large file's sha256 and size
   * and has fsynced it (`synced`), and will not change it again, has it linked into the store instead
   * of copied. With `size`, bytes read that are not that many (someone still writes the file) fail
   * with EDIGW_FILE_CHANGED before anything commits.
   */
  async receiveFile(input: ReceiveFileInput): Promise<Received> {
    const staged = await this.stageFile(input, true);
    return this.commitReceipt(staged.input, staged.message);
  }

  /**
   * receiveFile() for files that arrived together, sharing their durability work: every large one is
   * written and fsynced, each payload folder is fsynced once for all of them, and then all the receipts
   * commit in one transaction (the group commit), where one by one each would pay its folder fsync and
   * its commit. Settles per file, in order: a file that cannot be read (gone, changed, unreadable)
   * fails alone before anything commits, a row the database refuses fails alone (the group is retried
   * one by one), and a folder fsync that fails fails every large file of the batch. A fulfilled result
   * is committed; a rejected one left nothing that points at its bytes.
   */
  async receiveFiles(inputs: ReceiveFileInput[]): Promise<Array<PromiseSettledResult<Received>>> {
    const staged = await Promise.allSettled(inputs.map((input) => this.stageFile(input, false)));
    const folders = new Set<string>();
    for (const s of staged) if (s.status === 'fulfilled' && s.value.folder) folders.add(s.value.folder);
    let unsynced: unknown;
    await Promise.all([...folders].map((f) => syncDir(f))).catch((e: unknown) => {
      unsynced = e;
    });
    // Queued in one synchronous pass, so the group commit takes them as one transaction.
    return Promise.allSettled(
      staged.map((s) => {
        if (s.status === 'rejected') return Promise.reject(s.reason);
        if (s.value.folder && unsynced !== undefined) return Promise.reject(unsynced);
        return this.commitReceipt(s.value.input, s.value.message);
      }),
    );
  }

  /**
   * A file's bytes made ready to commit: read into what will be its row, or streamed into the
   * payload store. `folder` is the payload folder still to fsync when `syncFolder` is false.
   */
  private async stageFile(
    input: ReceiveFileInput,
    syncFolder: boolean,
  ): Promise<{ input: ReceiveInput; message: MessageRecord; folder?: string }> {
    const { path, synced, size: expected, ...rest } = input;
    const check = (read: number) => {
      if (expected !== undefined && read !== expected)
        throw new GatewayError('EDIGW_FILE_CHANGED', `reading ${path}`, {
          cause: new Error(`${read} bytes read where ${expected} were seen`),
        });
    };
    // A metadata call, in place (ADR 0008).
    const size = synced?.size ?? statSync(path).size;
    // A small file just written is in the page cache: read in place, as the metadata calls are, rather
    // than in four trips through the thread pool (open, fstat, read, close).
    if (!this.files || !this.inFile(size)) {
      const bytes = this.files ? readFileSync(path) : await readFile(path);
      check(bytes.length);
      const hash = sha256(bytes);
      if (this.inFile(bytes.length)) {
        // It grew past the inline size between the stat and the read: a file of its own after all.
        const put = { ...rest, bytes };
        await this.files!.putAsync(bytes, hash);
        return { input: put, message: this.newMessage(put, hash, bytes.length) };
      }
      return { input: { ...rest, bytes }, message: this.newMessage(rest, hash, bytes.length) };
    }
    if (synced) {
      await this.files.adopt(path, synced.sha256);
      return { input: { ...rest, bytes: EMPTY }, message: this.newMessage(rest, synced.sha256, synced.size) };
    }
    const stored = await this.files.putStream(fileChunks(path), { syncFolder });
    check(stored.size);
    return {
      input: { ...rest, bytes: EMPTY },
      message: this.newMessage(rest, stored.sha256, stored.size),
      folder: syncFolder ? undefined : stored.folder,
    };
  }

  /**
   * Received files up to this size need not be fsynced by whoever hands them over: they are read
   * into their row, and the commit makes them durable.
   */
  get inlineUpTo(): number {
    return this.files ? INLINE_PAYLOAD_MAX : Number.MAX_SAFE_INTEGER;
  }

  private inFile(size: number): boolean {
    return this.files !== undefined && size > INLINE_PAYLOAD_MAX;
  }

  private newMessage(input: Omit<ReceiveInput, 'bytes'>, hash: string, size: number): MessageRecord {
    const now = this.clock();
    return Object.assign(new MessageRecord(), {
      id: randomUUID(),
      direction: input.direction,
      transport: input.transport,
      partnerId: input.partnerId ?? null,
      as2MessageId: input.as2MessageId ?? null,
      as2From: input.as2From ?? null,
      fileName: input.fileName ?? null,
      remotePath: input.remotePath ?? null,
      remoteMtime: input.remoteMtime ?? null,
      sha256: hash,
      size,
      status: input.status ?? 'received',
      mdnDisposition: input.mdn?.disposition.slice(0, 255) ?? null,
      mic: input.mdn?.mic ?? null,
      error: null,
      receivedAt: now,
      updatedAt: now,
    });
  }

  /**
   * Commits the receipt with others waiting (group commit). A repeated AS2 Message-ID from the same
   * sender fails its row on the unique key and returns the first message (RFC 4130 §5.5: answer
   * again, process once).
   */
  private async commitReceipt(input: ReceiveInput, message: MessageRecord): Promise<Received> {
    try {
      return await this.enqueueWork({
        work: async (m) => (await this.insertReceipts(m, [{ input, message }]))[0],
        receipt: { input, message },
      });
    } catch (e) {
      if (!input.as2MessageId || !isUniqueViolation(e)) throw e;
      const first = await this.read((m) =>
        m.findOneByOrFail(MessageRecord, { as2MessageId: input.as2MessageId!, as2From: input.as2From ?? undefined }),
      );
      return { message: first, duplicate: true, eventId: null };
    }
  }

  /**
   * Runs `work` in a transaction shared with the other work queued meanwhile (group commit: receipts,
   * and short writes a partner waits for, like an AS2 receipt's MDN), and resolves only after that
   * commit. A group that fails is run again work by work, each in its own transaction, so that only
   * the failing one fails. `work` may therefore run twice, the first time rolled back.
   */
  grouped<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.enqueueWork({ work });
  }

  private enqueueWork<T>(w: { work: (m: EntityManager) => Promise<T>; receipt?: PendingReceipt }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ ...w, resolve: resolve as (v: unknown) => void, reject });
      this.scheduleGroup();
    });
  }

  /**
   * Work waiting for its commit (see commitGroups). A receipt also says what it inserts, so that the
   * receipts queued side by side go in together (runGroup); `work` does it for one alone.
   */
  private readonly waiting: Array<{
    work: (m: EntityManager) => Promise<unknown>;
    receipt?: PendingReceipt;
    resolve(v: unknown): void;
    reject(e: unknown): void;
  }> = [];
  private committing = false;
  private groupScheduled = false;

  /**
   * Starts the group commit after the current turn of the event loop, not at once: uploads on several
   * connections often finish in the same turn, and then share one commit (on the SFTP benchmark, 1,000
   * receipts took ~700 commits instead of 1,000). The wait is one turn, well under a millisecond.
   */
  private scheduleGroup(): void {
    if (this.groupScheduled || this.committing) return;
    this.groupScheduled = true;
    setImmediate(() => {
      this.groupScheduled = false;
      void this.commitGroups();
    });
  }

  /**
   * Group commit: work that arrives while the database is busy is committed together, in one
   * transaction, when it is free; each caller still resolves only after that commit.
   */
  private async commitGroups(): Promise<void> {
    if (this.committing) return;
    this.committing = true;
    try {
      while (this.waiting.length > 0) {
        // A sync in flight cannot cover a commit made now: whatever arrives while it runs waits for
        // the next one either way. Committing once it ends puts all of that in one transaction,
        // which costs the event loop far less than a commit for each few receipts.
        await this.walSync?.idle();
        const group = this.waiting.splice(0, GROUP_MAX);
        try {
          // Committed, not yet synced: the callers resolve once the sync covers it (SQLite, ADR 0014).
          const done = await this.serial
            .run(() => this.ds.transaction((m) => this.runGroup(m, group)), false)
            .catch(rethrowLockConflict);
          this.serial.settled().then(
            () => group.forEach((g, i) => g.resolve(done[i])),
            (e: unknown) => group.forEach((g) => g.reject(e)),
          );
        } catch (e) {
          // Not the fault of one work of the group: each alone would wait as long again.
          if (group.length === 1 || (e instanceof GatewayError && e.code === 'EDIGW_DB_POOL_TIMEOUT')) {
            for (const g of group) g.reject(e);
            continue;
          }
          for (const g of group) {
            try {
              g.resolve(await this.transaction((m) => g.work(m)));
            } catch (e2) {
              g.reject(e2);
            }
          }
        }
      }
    } finally {
      this.committing = false;
    }
  }

  /**
   * A group's work in its order, each run of receipts next to one another inserted together: a few
   * multi-row statements for the run instead of four statements per receipt (issue 17).
   */
  private async runGroup(
    m: EntityManager,
    group: ReadonlyArray<{ work: (m: EntityManager) => Promise<unknown>; receipt?: PendingReceipt }>,
  ): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < group.length;) {
      let j = i;
      while (j < group.length && group[j].receipt) j++;
      if (j === i) {
        out.push(await group[i++].work(m));
        continue;
      }
      out.push(
        ...(await this.insertReceipts(
          m,
          group.slice(i, j).map((g) => g.receipt!),
        )),
      );
      i = j;
    }
    return out;
  }

  /**
   * Every column of the message table, read from the entity once: a column added to MessageRecord is
   * written without this insert being touched (columns absent from the object are bound as NULL). No
   * column transformer runs: the only one the message has, bigint's, leaves a number as it is.
   */
  private readonly messageColumns: Array<{ column: string; property: string }>;

  private messageRow(message: MessageRecord): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const c of this.messageColumns) row[c.column] = (message as unknown as Record<string, unknown>)[c.property];
    return row;
  }

  /**
   * The rows of receipts committed together: their payloads, messages, `received` events and jobs.
   * On MariaDB each table but the events takes one multi-row statement, a round trip to the server
   * saved per row; on SQLite a prepared one-row statement costs less per row than a multi-row one
   * (measured: docs/bench.md, session 17), so each receipt goes in alone. A payload already stored is
   * kept as it is, unless retention purged it: then these bytes are kept again, for as long.
   */
  private async insertReceipts(m: EntityManager, batch: PendingReceipt[]): Promise<Received[]> {
    const d = this.driver;
    if (d === 'sqlite' && batch.length > 1) {
      const out: Received[] = [];
      for (const b of batch) out.push(...(await this.insertReceipts(m, [b])));
      return out;
    }
    const payloads = new Map<string, Record<string, unknown>>();
    for (const { input, message } of batch) {
      if (payloads.has(message.sha256)) continue;
      const inFile = this.inFile(message.size);
      payloads.set(message.sha256, {
        sha256: message.sha256,
        size: message.size,
        storage: inFile ? 'file' : 'database',
        data: inFile ? null : input.bytes,
        createdAt: message.receivedAt,
        purgedAt: null,
      });
    }
    const inserted = await insertMany(m, d, 'payload', [...payloads.values()], { ignore: true });
    // Some were there already; only a purged one changes (a cheap no-op for the others).
    if (inserted !== payloads.size)
      for (const p of payloads.values())
        await run(
          m,
          d,
          `UPDATE ${quote(d, 'payload')} SET data = ?, storage = ?, purgedAt = NULL, createdAt = ? WHERE sha256 = ? AND purgedAt IS NOT NULL`,
          [p.data, p.storage, sqlDate(d, p.createdAt as Date), p.sha256],
        );
    for (const { input, message } of batch)
      if (input.mdn?.entity) message.mdnSha256 = await this.putPayload(m, input.mdn.entity, input.mdn.sha256);
    await insertMany(
      m,
      d,
      'message',
      batch.map((b) => this.messageRow(b.message)),
    );
    const eventIds = await this.receivedEvents(m, batch);
    const jobs = batch.flatMap(({ input, message }, i) =>
      input.job === null
        ? []
        : [{ kind: input.job ?? 'process', messageId: message.id, data: { eventId: eventIds[i] } }],
    );
    await this.queue.enqueueMany(jobs, m);
    return batch.map(({ message }, i) => ({ message, duplicate: false, eventId: eventIds[i] }));
  }

  /**
   * The `received` events of receipts inserted together, one by one: each receipt's job names its
   * own event, and a multi-row insert on MariaDB reports only its first id, the ones after it not
   * necessarily following on (auto_increment_increment on a Galera cluster, interleaved lock mode).
   */
  private async receivedEvents(m: EntityManager, batch: PendingReceipt[]): Promise<number[]> {
    const ids: number[] = [];
    for (const { input, message } of batch)
      ids.push(
        await this.insertEvent(
          m,
          this.eventRow({
            stage: 'received',
            messageId: message.id,
            partnerId: message.partnerId,
            detail: `${input.transport} ${input.fileName ?? input.as2MessageId ?? ''} ${message.size} bytes`.trim(),
          }),
        ),
      );
    return ids;
  }

  /**
   * Stores bytes we produced (an ack, a mapped document) inside the caller's transaction: the file is
   * durable before the transaction commits, the row commits with it. Returns the sha256 (`hash`, when
   * the caller has it already and vouches for it).
   */
  async putPayload(m: EntityManager, bytes: Buffer, hash?: string): Promise<string> {
    const p = this.preparePayload(bytes, hash);
    await insertMany(m, this.driver, 'payload', [p.row], { ignore: true });
    return p.sha256;
  }

  /** The raw bytes of a message, as received. */
  async payload(hash: string, size?: number): Promise<Buffer> {
    // A small payload is most likely in its row (putPayload); a large one in its file.
    if ((size === undefined || size > INLINE_PAYLOAD_MAX) && this.files?.has(hash)) return this.files.get(hash);
    const row = await this.read((m) => m.findOneBy(PayloadRecord, { sha256: hash }));
    if (!row?.data && this.files?.has(hash)) return this.files.get(hash);
    if (row?.data) return Buffer.from(row.data);
    if (row?.purgedAt)
      throw new Error(`payload ${hash} was purged on ${row.purgedAt.toISOString()} by the retention policy`);
    throw new Error(`payload ${hash} is missing`);
  }

  /**
   * The raw bytes of a payload as a stream of chunks, so a large one is never whole in memory: its
   * file read in pieces, or its row read a piece per query (SUBSTR of the blob). `start` and `end`
   * (exclusive) read a range of it.
   */
  async *payloadChunks(hash: string, range: { start?: number; end?: number } = {}): AsyncGenerator<Buffer> {
    const start = range.start ?? 0;
    const file = this.files?.has(hash) ? this.files.locate(hash) : undefined;
    if (file) {
      if (range.end !== undefined && range.end <= start) return;
      yield* createReadStream(file, {
        start,
        end: range.end === undefined ? undefined : range.end - 1,
        highWaterMark: PAYLOAD_CHUNK,
      }) as AsyncIterable<Buffer>;
      return;
    }
    const t = quote(this.driver, 'payload');
    const head = await this.query<Array<{ size: number | string; n: number | string | null; purgedAt: unknown }>>(
      `SELECT size, LENGTH(data) AS n, purgedAt FROM ${t} WHERE sha256 = ?`,
      [hash],
    );
    if (!head[0] || head[0].n === null) {
      if (head[0]?.purgedAt)
        throw new Error(`payload ${hash} was purged on ${String(head[0].purgedAt)} by the retention policy`);
      throw new Error(`payload ${hash} is missing`);
    }
    const end = Math.min(range.end ?? Number.MAX_SAFE_INTEGER, Number(head[0].n));
    for (let at = start; at < end; at += PAYLOAD_CHUNK) {
      const n = Math.min(PAYLOAD_CHUNK, end - at);
      const rows = await this.query<Array<{ c: Buffer | Uint8Array }>>(
        `SELECT SUBSTR(data, ?, ?) AS c FROM ${t} WHERE sha256 = ?`,
        [at + 1, n, hash],
      );
      yield Buffer.from(rows[0].c);
    }
  }

  /**
   * Stores a range of a stored payload as a payload of its own (a raw route's interchange out of a
   * larger file), copying it piece by piece; returns the row to insert with the caller's batch.
   */
  async copyPayloadRange(
    hash: string,
    start: number,
    end: number,
  ): Promise<{ sha256: string; size: number; row: Record<string, unknown> }> {
    if (!this.inFile(end - start)) {
      const parts: Buffer[] = [];
      for await (const c of this.payloadChunks(hash, { start, end })) parts.push(c);
      const p = this.preparePayload(Buffer.concat(parts));
      return { sha256: p.sha256, size: end - start, row: p.row };
    }
    const stored = await this.files!.putStream(this.payloadChunks(hash, { start, end }));
    return {
      ...stored,
      row: {
        sha256: stored.sha256,
        size: stored.size,
        storage: 'file',
        data: null,
        createdAt: this.clock(),
        purgedAt: null,
      },
    };
  }

  /** Whether a payload's bytes can be read: present, purged by retention, or missing altogether. */
  async payloadState(hash: string): Promise<'present' | 'purged' | 'missing'> {
    if (this.files?.has(hash)) return 'present';
    const rows = await this.query<Array<{ stored: number | string; purgedAt: unknown }>>(
      `SELECT CASE WHEN data IS NULL THEN 0 ELSE 1 END AS stored, purgedAt FROM ${quote(this.driver, 'payload')} WHERE sha256 = ?`,
      [hash],
    );
    if (rows[0] && Number(rows[0].stored) === 1) return 'present';
    return rows[0]?.purgedAt ? 'purged' : 'missing';
  }

  /** Messages by their ids, in one statement (a worker's batch of `process` jobs); the missing are absent. */
  async messages(ids: string[]): Promise<Map<string, MessageRecord>> {
    if (ids.length === 0) return new Map();
    const rows = await this.read((m) => m.findBy(MessageRecord, { id: In(ids) }));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * The bytes of payloads kept in their rows, in one statement; a payload in a file (or purged) is
   * absent, for `payload` to read (or explain) one by one.
   */
  async inlinePayloads(hashes: string[]): Promise<Map<string, Buffer>> {
    if (hashes.length === 0) return new Map();
    const rows: Array<{ sha256: string; data: Buffer | Uint8Array | null }> = await this.query(
      `SELECT sha256, data FROM ${quote(this.driver, 'payload')} WHERE sha256 IN (${hashes.map(() => '?').join(', ')}) AND data IS NOT NULL`,
      hashes,
    );
    return new Map(rows.filter((r) => r.data).map((r) => [r.sha256, Buffer.from(r.data!)]));
  }

  /** A message by its id; inside the caller's transaction with `m`. */
  async message(id: string, m?: EntityManager): Promise<MessageRecord | null> {
    return m ? m.findOneBy(MessageRecord, { id }) : this.read((mm) => mm.findOneBy(MessageRecord, { id }));
  }

  /** A message we sent a partner, by the AS2 Message-ID we gave it (what its async MDN names). */
  async sentMessageByAs2Id(partnerId: string, as2MessageId: string): Promise<MessageRecord | null> {
    return this.read((m) => m.findOneBy(MessageRecord, { direction: 'out', as2MessageId, partnerId }));
  }

  /**
   * Whether a message with these bytes was taken in from this remote path for this partner: a poller's
   * memory of what it has seen, kept in the messages themselves (pipeline/intake.ts seenInStore).
   */
  async receivedFromRemote(partnerId: string, remotePath: string, sha256: string, mtime?: number): Promise<boolean> {
    // A message that recorded no mtime (received before migration 0008) matches any.
    const where = { partnerId, remotePath, sha256, direction: 'in' as const };
    const hit = await this.read((m) =>
      m.findOne(MessageRecord, {
        where:
          mtime === undefined
            ? where
            : [
                { ...where, remoteMtime: mtime },
                { ...where, remoteMtime: IsNull() },
              ],
        select: { id: true },
      }),
    );
    return hit !== null;
  }

  /** What processing a message came to: its status, the partner found in it, and why it is not processed. */
  async recordOutcome(m: EntityManager, messageId: string, outcome: MessageOutcome): Promise<void> {
    await updateWhere(m, this.driver, 'message', { ...outcome, updatedAt: this.clock() }, { id: messageId });
  }

  /**
   * Gives an outbound message its AS2 Message-ID before it is sent, outside any transaction, so that an
   * async MDN that arrives before the deliver step commits still finds it.
   */
  async assignAs2MessageId(messageId: string, as2MessageId: string, as2From: string | null): Promise<void> {
    await this.read((m) => updateWhere(m, this.driver, 'message', { as2MessageId, as2From }, { id: messageId }));
  }

  /** What an MDN said (or what we answered with one), on its message's row. */
  async recordMdn(m: EntityManager, messageId: string, fields: MdnFields): Promise<void> {
    await updateWhere(m, this.driver, 'message', fields, { id: messageId });
  }

  async setMessageStatus(id: string, status: string, error: string | null = null, m?: EntityManager): Promise<void> {
    const set = (mm: EntityManager) =>
      updateWhere(mm, this.driver, 'message', { status, error, updatedAt: this.clock() }, { id });
    await (m ? set(m) : this.read(set));
  }

  async event(e: EventInput, m?: EntityManager): Promise<number> {
    if (!m) return this.read((mm) => this.event(e, mm));
    return this.insertEvent(m, this.eventRow(e));
  }

  private eventRow(e: EventInput): Record<string, unknown> {
    return {
      parentId: e.parentId ?? null,
      messageId: e.messageId ?? null,
      interchangeId: e.interchangeId ?? null,
      transactionId: e.transactionId ?? null,
      partnerId: e.partnerId ?? null,
      stage: e.stage,
      status: e.status ?? 'ok',
      code: e.code ?? null,
      detail: e.detail ?? null,
      createdAt: this.clock(),
    };
  }

  private async insertEvent(m: EntityManager, row: Record<string, unknown>): Promise<number> {
    const id = await insertOne(m, this.driver, 'event', row);
    if (id === undefined) throw new Error(`the database reported no id for the ${String(row.stage)} event`);
    return id;
  }

  async events(messageId: string): Promise<EventRecord[]> {
    return this.read((m) => m.find(EventRecord, { where: { messageId }, order: { id: 'ASC' } }));
  }

  /** The latest event of a message at one stage. */
  async lastEvent(m: EntityManager, messageId: string, stage: string): Promise<EventRecord | null> {
    const [last] = await m.find(EventRecord, { where: { messageId, stage }, order: { id: 'DESC' }, take: 1 });
    return last ?? null;
  }

  /** How many events of a message are at one stage (how often it was replayed, say). */
  eventCount(m: EntityManager, messageId: string, stage: string): Promise<number> {
    return m.countBy(EventRecord, { messageId, stage });
  }

  /**
   * Inserts the rows a step gathered (payloads, outbound messages, deliveries, their jobs, transaction
   * sets, acks, events) in a few multi-row statements, inside the step's transaction.
   */
  async recordStep(m: EntityManager, rows: StepRows): Promise<void> {
    const d = this.driver;
    const plain = <T>(list: T[]) => list as unknown as Array<Record<string, unknown>>;
    await insertMany(m, d, 'payload', rows.payloads, { ignore: true });
    await insertMany(m, d, 'message', plain(rows.messages));
    await insertMany(m, d, 'delivery', plain(rows.deliveries));
    await insertMany(m, d, 'job', rows.jobs, { ignore: true });
    await this.insertTransactions(m, rows.transactions);
    await insertMany(m, d, 'ack', rows.acks);
    await insertMany(m, d, 'event', rows.events);
  }

  /**
   * Records a parsed interchange with its groups and transaction sets. Idempotent per message and
   * interchange position (a retaken job finds the rows it wrote before); a second interchange with the
   * same partner, sender, receiver and control number is reported as a duplicate, across processes,
   * by the database's unique key.
   */
  async recordInterchange(
    m: EntityManager,
    input: {
      message: MessageRecord;
      interchange: Interchange;
      partnerId: string | null;
      tracked?: (txIndex: number) => Record<string, string> | null;
      ackDueAt?: Date | null;
      /** Records a duplicate the partner accepts: a key of its own, so the unique key still guards the first occurrence. */
      acceptDuplicate?: boolean;
      /** Returns the transaction rows unsaved, for the caller to complete and insert (insertTransactions) in one go. */
      deferTransactions?: boolean;
    },
  ): Promise<RecordedInterchange> {
    const ic = input.interchange;
    // Raw first: the row is almost never there, and TypeORM's findOneBy costs more than the lookup.
    const [seen] = await selectWhere(
      m,
      this.driver,
      'interchange',
      ['id'],
      { messageId: input.message.id, byteOffset: ic.offset },
      1,
    );
    const existing = seen ? await m.findOneBy(InterchangeRecord, { id: String(seen.id) }) : null;
    // A deferred caller inserts the rows itself: it gets none back, so it can never insert them twice.
    if (existing)
      return {
        interchange: existing,
        transactions: input.deferTransactions ? [] : await m.findBy(TransactionRecord, { interchangeId: existing.id }),
      };
    const now = this.clock();
    const rec = Object.assign(new InterchangeRecord(), {
      id: randomUUID(),
      messageId: input.message.id,
      direction: input.message.direction,
      partnerId: input.partnerId,
      partnerKey: input.acceptDuplicate
        ? `${(input.partnerId ?? '-').slice(0, 20)}!${input.message.id}:${ic.offset}`.slice(0, 64)
        : (input.partnerId ?? '-'),
      standard: ic.standard,
      senderQualifier: ic.sender.qualifier.slice(0, 4),
      senderId: ic.sender.id.slice(0, 35),
      receiverQualifier: ic.receiver.qualifier.slice(0, 4),
      receiverId: ic.receiver.id.slice(0, 35),
      controlNumber: ic.controlNumber.slice(0, 14),
      syntaxVersion: ic.syntax.version.slice(0, 12),
      test: ic.test,
      preparedAt: ic.date.slice(0, 32),
      validation: validation(allDiagnostics(ic)),
      validationReport: report(ic.errors),
      ackStatus: input.ackDueAt ? 'expected' : 'none',
      ackReport: null,
      ackDueAt: input.ackDueAt ?? null,
      byteOffset: ic.offset,
      byteLength: ic.length,
      createdAt: now,
    });
    // A savepoint keeps the caller's transaction usable when the unique key says "duplicate".
    const qr = m.queryRunner!;
    const savepoint = `sp_${rec.id.replace(/-/g, '').slice(0, 12)}`;
    await qr.query(`SAVEPOINT ${savepoint}`);
    try {
      await m.insert(InterchangeRecord, rec);
      await qr.query(`RELEASE SAVEPOINT ${savepoint}`);
    } catch (e) {
      await qr.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      if (!isUniqueViolation(e)) throw e;
      return this.recordedFirst(m, rec, input.message.id, input.deferTransactions);
    }
    const transactions: TransactionRecord[] = [];
    const groups: GroupRecord[] = [];
    let txIndex = 0;
    for (const g of ic.groups) {
      const group = Object.assign(new GroupRecord(), {
        id: randomUUID(),
        interchangeId: rec.id,
        functionalId: g.functionalId ?? null,
        controlNumber: g.controlNumber ?? null,
        version: g.version.slice(0, 16),
        sender: g.sender?.slice(0, 35) ?? null,
        receiver: g.receiver?.slice(0, 35) ?? null,
        transactionCount: g.transactions.length,
        validation: validation([...g.errors, ...g.transactions.flatMap((t) => t.errors)]),
        validationReport: report(g.errors),
        ackStatus: rec.ackStatus,
        createdAt: now,
      });
      groups.push(group);
      for (const t of g.transactions) {
        const tracked = input.tracked?.(txIndex++) ?? null;
        transactions.push(
          Object.assign(new TransactionRecord(), {
            id: randomUUID(),
            interchangeId: rec.id,
            groupId: group.id,
            messageId: input.message.id,
            direction: input.message.direction,
            partnerId: input.partnerId,
            standard: ic.standard,
            version: t.version.slice(0, 16),
            implementation: t.implementation?.slice(0, 35) ?? null,
            type: t.type.slice(0, 6),
            controlNumber: t.controlNumber.slice(0, 14),
            segmentCount: t.segmentCount,
            validation: validation(t.errors),
            validationReport: report(t.errors),
            ackStatus: rec.ackStatus,
            tracked,
            reference: tracked ? (Object.values(tracked)[0] ?? null) : null,
            deliveryStatus: 'none',
            route: null,
            deliveredAt: null,
            byteOffset: t.offset,
            byteLength: t.length,
            createdAt: now,
          }),
        );
      }
    }
    await insertMany(m, this.driver, 'functional_group', groups as unknown as Array<Record<string, unknown>>);
    if (!input.deferTransactions) await this.insertTransactions(m, transactions);
    return { interchange: rec, transactions };
  }

  /**
   * Records a group of an interchange whose rows are written as it streams by (pipeline/process-stream.ts):
   * its counts and validation are completed at the interchange's end (completeInterchange). Returns its id.
   */
  async recordGroup(m: EntityManager, interchangeId: string, g: Group): Promise<string> {
    const row = groupRow(interchangeId, g, this.clock());
    await m.insert(GroupRecord, row);
    return row.id;
  }

  /**
   * Completes an interchange recorded as it streamed by, once its end is read: its validation and
   * length, its groups' (recording those that had no transaction set), and the ack status that the
   * acknowledgement we send gives it and its transaction sets (the TA1's status, or each set's own).
   */
  async completeInterchange(
    m: EntityManager,
    input: {
      interchangeId: string;
      interchange: Interchange;
      /** The ids of its groups recorded so far (recordGroup), by position. */
      groupIds: Array<string | undefined>;
      answer?: { kind: string; status: string };
    },
  ): Promise<void> {
    const { interchangeId, interchange: ic, answer } = input;
    await m.update(
      InterchangeRecord,
      { id: interchangeId },
      {
        validation: validation(allDiagnostics(ic)),
        validationReport: report(ic.errors),
        byteLength: ic.length,
        ...(answer ? { ackStatus: answer.status } : {}),
      },
    );
    for (const [i, g] of ic.groups.entries()) {
      const id = input.groupIds[i];
      if (!id) {
        await m.insert(GroupRecord, groupRow(interchangeId, g, this.clock()));
        continue;
      }
      await m.update(
        GroupRecord,
        { id },
        {
          transactionCount: g.transactions.length,
          validation: validation([...g.errors, ...g.transactions.flatMap((t) => t.errors)]),
          validationReport: report(g.errors),
        },
      );
    }
    if (!answer) return;
    // What recordInterchange's rows get in the whole-payload path: the TA1's status, or each set's own.
    const t = quote(this.driver, 'edi_transaction');
    if (answer.kind === 'TA1')
      await m.query(`UPDATE ${t} SET ackStatus = ? WHERE interchangeId = ?`, [answer.status, interchangeId]);
    else
      await m.query(
        `UPDATE ${t} SET ackStatus = CASE validation WHEN 'invalid' THEN 'R' WHEN 'warnings' THEN 'E' ELSE 'A' END WHERE interchangeId = ?`,
        [interchangeId],
      );
  }

  /**
   * The interchange that holds the unique key `rec` was refused on: ours when this very message and
   * position recorded it (a retaken job, or a second run of one message), else a duplicate.
   */
  private async recordedFirst(
    m: EntityManager,
    rec: InterchangeRecord,
    messageId: string,
    deferTransactions: boolean | undefined,
  ): Promise<RecordedInterchange> {
    // Another node may have committed this key after our transaction's first read (two runs of one
    // message, or two messages carrying one interchange): an expected race, not an error. InnoDB
    // waited for that commit before it said "duplicate", but a plain read here would still see our
    // snapshot, where the row is not (TypeORM's "Could not find any entity"); a locking read sees
    // the committed row. SQLite has one writer at a time, so its snapshot already holds the row.
    const key = {
      partnerKey: rec.partnerKey,
      senderId: rec.senderId,
      receiverId: rec.receiverId,
      controlNumber: rec.controlNumber,
      direction: rec.direction,
    };
    const latest = this.driver === 'sqlite' ? {} : { lock: { mode: 'pessimistic_read' as const } };
    const first = await m.findOne(InterchangeRecord, { where: key, ...latest });
    if (!first) {
      throw new GatewayError(
        'EDIGW_STORE_RACE',
        `recording interchange ${rec.controlNumber} of message ${messageId}: the first one with its key is gone again`,
      );
    }
    // The winner recorded this very interchange of this very message: ours, as a retaken job finds it.
    if (first.messageId === messageId && first.byteOffset === rec.byteOffset) {
      return {
        interchange: first,
        transactions: deferTransactions
          ? []
          : await m.find(TransactionRecord, { where: { interchangeId: first.id }, ...latest }),
      };
    }
    return { interchange: first, transactions: [], duplicateOf: first };
  }

  /** Inserts transaction rows (from recordInterchange with deferTransactions) in multi-row statements. */
  async insertTransactions(m: EntityManager, rows: TransactionRecord[]): Promise<void> {
    await insertMany(m, this.driver, 'edi_transaction', rows as unknown as Array<Record<string, unknown>>);
  }

  /**
   * The row for bytes we produced, to insert with the rest of a batch (insertMany, ignoring a row the
   * same bytes already have). A large payload is written to its file (fsynced) now, before the commit.
   */
  preparePayload(bytes: Buffer, hash = sha256(bytes)): { sha256: string; row: Record<string, unknown> } {
    // Small documents we made (acks, mapped orders) go in the row itself: the commit makes them
    // durable, where a file of their own would cost an fsync each (docs/bench.md, the pipeline rows).
    const inFile = this.inFile(bytes.length);
    if (inFile) this.files!.put(bytes, hash);
    return {
      sha256: hash,
      row: {
        sha256: hash,
        size: bytes.length,
        storage: inFile ? 'file' : 'database',
        data: inFile ? null : bytes,
        createdAt: this.clock(),
        purgedAt: null,
      },
    };
  }

  /** Control numbers for what we send: see control-numbers.ts. Must run inside `transaction`. */
  nextControlNumber(m: EntityManager, scope: string, kind: string): Promise<number> {
    return this.controlNumbers.next(m, scope, kind);
  }

  /** Flags expected acknowledgements whose time ran out; returns how many. */
  async markOverdueAcks(now = this.clock()): Promise<number> {
    const t = quote(this.driver, 'interchange');
    const r: unknown = await this.query(
      `UPDATE ${t} SET ackStatus = 'overdue' WHERE ackStatus = 'expected' AND ackDueAt < ?${this.driver === 'sqlite' ? ' RETURNING id' : ''}`,
      [sqlDate(this.driver, now)],
    );
    return Array.isArray(r) ? r.length : Number((r as { affectedRows?: number }).affectedRows ?? 0);
  }

  /**
   * Retention: deletes payload bytes older than the cutoff (audit rows stay, marked purged).
   * Returns how many payloads were purged.
   */
  async purgePayloads(olderThan: Date): Promise<number> {
    return this.read((m) => this.purge(m, olderThan));
  }

  private async purge(m: EntityManager, olderThan: Date): Promise<number> {
    const repo = m.getRepository(PayloadRecord);
    const rows = await repo
      .createQueryBuilder('p')
      .where('p.createdAt < :cut AND p.purgedAt IS NULL', { cut: olderThan })
      .getMany();
    const now = this.clock();
    for (const p of rows) {
      if (p.storage === 'file') this.files?.remove(p.sha256);
      await repo.update({ sha256: p.sha256 }, { data: null, purgedAt: now });
    }
    return rows.length;
  }
}

/** A streamed group's row, before its counts are known (completeInterchange completes them). */
function groupRow(interchangeId: string, g: Group, now: Date): GroupRecord {
  return Object.assign(new GroupRecord(), {
    id: randomUUID(),
    interchangeId,
    functionalId: g.functionalId ?? null,
    controlNumber: g.controlNumber ?? null,
    version: g.version.slice(0, 16),
    sender: g.sender?.slice(0, 35) ?? null,
    receiver: g.receiver?.slice(0, 35) ?? null,
    transactionCount: g.transactions.length,
    validation: validation([...g.errors, ...g.transactions.flatMap((t) => t.errors)]),
    validationReport: report(g.errors),
    ackStatus: 'none',
    createdAt: now,
  });
}

function rethrowLockConflict(e: unknown): never {
  throw lockConflictError(e) ?? e;
}

/** The read size of fileChunks. */
const FILE_CHUNK = 1024 * 1024;

/**
 * A file's bytes in chunks read into one buffer, reused: each chunk is valid only until the next is
 * asked for, which putStream (hash, write, then the next) allows. A read stream allocates a new 64 KiB
 * Buffer per chunk, outside the heap, that V8 frees only at a collection: the gateway's peak on the
 * 64 MB bench row went from 153 to 122 MB with this (docs/bench.md "Large-file rows").
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(FILE_CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
