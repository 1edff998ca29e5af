import type { DataSource, EntityManager } from 'typeorm';
import { driverOf, type Driver } from './data-source';
import { insertMany, quote, retryOnLockConflict, rowDate, sqlDate } from './sql';
import { Serial } from './serial';
import { JobRecord } from './entities';

export interface Job {
  id: number;
  kind: string;
  key: string;
  messageId: string | null;
  data: unknown;
  attempts: number;
  maxAttempts: number;
  claimedBy: string;
  /** When this worker's lease ends: finish, extend or release before then. */
  leaseUntil: Date;
  /**
   * Starts since the job last finished, this one included: above one, the holders before this one
   * died mid-job (a crash, an OOM, a kill), since every finish (complete, retry, dead) resets it.
   */
  starts: number;
  /** Set by the worker running the job; aborted when its lease was lost: do no more side effects. */
  lease?: AbortSignal;
  /**
   * Set here once this claim of the job ended (completed, retried, dead-lettered, postponed, given
   * back): a lease renewal refused after that is no takeover by another worker.
   */
  ended?: boolean;
}

export interface EnqueueInput {
  kind: string;
  /** Idempotency key: a second enqueue with the same key is ignored. Default `<messageId>:<kind>`. */
  key?: string;
  messageId?: string | null;
  data?: unknown;
  runAt?: Date;
  maxAttempts?: number;
}

/** A job as a replay sees it: its key, where it stands, what it carried. */
export interface KeyedJob {
  id: number;
  key: string;
  /** queued | running | done | dead | replayed */
  status: string;
  data: unknown;
  maxAttempts: number;
  lastError: string | null;
  updatedAt: Date;
}

/** Dead work that is not a delivery, as the console's dead-letter page lists it. */
export interface DeadWork {
  id: number;
  /** process, an async MDN, alert, maintenance */
  kind: string;
  key: string;
  messageId: string | null;
  partnerId: string | null;
  fileName: string | null;
  attempts: number;
  lastError: string | null;
  deadAt: Date;
}

function toJob(r: Record<string, unknown>): Job {
  return {
    id: Number(r.id),
    kind: String(r.kind),
    key: String(r.key),
    messageId: (r.messageId as string | null) ?? null,
    data: typeof r.data === 'string' ? JSON.parse(r.data) : (r.data ?? null),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.maxAttempts),
    claimedBy: String(r.claimedBy),
    leaseUntil: rowDate(r.runAt),
    starts: Number(r.starts ?? 0),
  };
}

/**
 * The durable work queue, shared by every gateway process on one database. A job is claimed under a
 * lease (its runAt moves to the lease's end); a worker that dies lets the lease run out and the job is
 * claimed again. Completion is fenced: only the claimant of the current attempt can finish a job.
 * MariaDB claims with SELECT … FOR UPDATE SKIP LOCKED; SQLite, which has one writer at a time,
 * claims with a single UPDATE … RETURNING.
 */
export class Queue {
  private readonly driver: Driver;
  private readonly t: string;

  constructor(
    private readonly ds: DataSource,
    private readonly clock: () => Date = () => new Date(),
    private readonly serial = new Serial(driverOf(ds) === 'sqlite'),
  ) {
    this.driver = driverOf(ds);
    this.t = quote(this.driver, 'job');
  }

  async enqueue(input: EnqueueInput, manager?: EntityManager): Promise<void> {
    if (!manager) return this.serial.run(() => this.enqueue(input, this.ds.manager));
    await insertMany(manager, this.driver, 'job', [this.jobRow(input, this.clock())], { ignore: true });
  }

  /** enqueue() for several jobs inside the caller's transaction, in multi-row statements. */
  async enqueueMany(inputs: EnqueueInput[], manager: EntityManager): Promise<void> {
    const now = this.clock();
    await insertMany(
      manager,
      this.driver,
      'job',
      inputs.map((i) => this.jobRow(i, now)),
      { ignore: true },
    );
  }

  private jobRow(input: EnqueueInput, now: Date): Record<string, unknown> {
    // Stringified here, as the entity's simple-json column would: insertMany would bind a bare string
    // as it is, which toJob could not parse back.
    const data = input.data === undefined || input.data === null ? null : JSON.stringify(input.data);
    return {
      kind: input.kind,
      key: input.key ?? `${input.messageId ?? 'none'}:${input.kind}`,
      messageId: input.messageId ?? null,
      data,
      status: 'queued',
      runAt: input.runAt ?? now,
      attempts: 0,
      maxAttempts: input.maxAttempts ?? 10,
      claimedBy: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Claims up to `limit` jobs that are due (or whose lease ran out) for `worker`, leased for `leaseMs`. */
  claim(worker: string, limit = 1, leaseMs = 60_000, kinds?: string[]): Promise<Job[]> {
    return this.serial.run(() => this.claimNow(worker, limit, leaseMs, kinds));
  }

  private async claimNow(worker: string, limit: number, leaseMs: number, kinds?: string[]): Promise<Job[]> {
    const now = this.clock();
    const lease = new Date(now.getTime() + leaseMs);
    const d = this.driver;
    const kindFilter = kinds?.length ? ` AND kind IN (${kinds.map(() => '?').join(',')})` : '';
    const kindArgs = kinds ?? [];
    let rows: Record<string, unknown>[];
    if (d === 'sqlite') {
      rows = await this.ds.query(
        `UPDATE ${this.t} SET status = 'running', runAt = ?, attempts = attempts + 1, starts = starts + 1, claimedBy = ?, updatedAt = ?
         WHERE id IN (SELECT id FROM ${this.t} WHERE status IN ('queued', 'running') AND runAt <= ?${kindFilter} ORDER BY runAt, id LIMIT ?)
         RETURNING *`,
        [sqlDate(d, lease), worker, sqlDate(d, now), sqlDate(d, now), ...kindArgs, limit],
      );
    } else {
      // READ COMMITTED takes no gap locks; a deadlock victim is retried (nothing was claimed).
      rows = await retryOnLockConflict(() =>
        this.ds.transaction('READ COMMITTED', async (m) => {
          // One status at a time, so the (status, runAt) index yields rows in order and only the rows
          // taken are locked; with IN (…) MariaDB sorts every candidate and SKIP LOCKED then hides them
          // all from the other workers until this transaction ends.
          const picked: Array<{ id: string }> = [];
          for (const status of ['queued', 'running']) {
            if (picked.length >= limit) break;
            picked.push(
              ...((await m.query(claimSelectSql(this.t, kindArgs.length), [
                status,
                now,
                ...kindArgs,
                limit - picked.length,
              ])) as Array<{ id: string }>),
            );
          }
          if (picked.length === 0) return [];
          const ids = picked.map((p) => p.id);
          const marks = ids.map(() => '?').join(',');
          await m.query(
            `UPDATE ${this.t} SET status = 'running', runAt = ?, attempts = attempts + 1, starts = starts + 1, ` +
              `claimedBy = ?, updatedAt = ? WHERE id IN (${marks})`,
            [lease, worker, now, ...ids],
          );
          return m.query(`SELECT * FROM ${this.t} WHERE id IN (${marks})`, ids);
        }),
      );
    }
    // A job past its last attempt (its holder died on it: see outOfAttempts) is returned too: the
    // worker dead-letters it with its message or delivery, which the store alone cannot.
    return rows.map(toJob).sort((a, b) => a.id - b.id);
  }

  /** Claims one particular queued job, by its key (a command that runs the job it just queued). */
  claimKey(key: string, worker: string, leaseMs = 60_000): Promise<Job | undefined> {
    return this.serial.run(async () => {
      const now = this.clock();
      const lease = new Date(now.getTime() + leaseMs);
      const d = this.driver;
      const set = `UPDATE ${this.t} SET status = 'running', runAt = ?, attempts = attempts + 1, starts = starts + 1, claimedBy = ?, updatedAt = ?`;
      let rows: Record<string, unknown>[];
      if (d === 'sqlite') {
        rows = await this.ds.query(`${set} WHERE ${quote(d, 'key')} = ? AND status = 'queued' RETURNING *`, [
          sqlDate(d, lease),
          worker,
          sqlDate(d, now),
          key,
        ]);
      } else {
        rows = await retryOnLockConflict(() =>
          this.ds.transaction('READ COMMITTED', async (m) => {
            const picked: Array<{ id: string }> = await m.query(
              `SELECT id FROM ${this.t} WHERE ${quote(d, 'key')} = ? AND status = 'queued' FOR UPDATE SKIP LOCKED`,
              [key],
            );
            if (picked.length === 0) return [];
            await m.query(`${set} WHERE id = ?`, [lease, worker, now, picked[0].id]);
            return m.query(`SELECT * FROM ${this.t} WHERE id = ?`, [picked[0].id]);
          }),
        );
      }
      return rows.length ? toJob(rows[0]) : undefined;
    });
  }

  /** Marks a job done; false when this worker no longer holds it (its lease ran out and another took it). */
  async complete(job: Job, manager?: EntityManager): Promise<boolean> {
    return this.finish(job, { status: 'done', lastError: null }, manager);
  }

  /**
   * Completes several jobs, each fenced like `complete`; returns the ids of those completed. On SQLite
   * one statement (RETURNING tells which); on MariaDB one per job.
   */
  async completeMany(jobs: Job[], manager: EntityManager): Promise<Set<number>> {
    const done = new Set<number>();
    if (this.driver !== 'sqlite') {
      for (const job of jobs) if (await this.complete(job, manager)) done.add(job.id);
      return done;
    }
    for (let i = 0; i < jobs.length; i += COMPLETE_AT_ONCE) {
      const chunk = jobs.slice(i, i + COMPLETE_AT_ONCE);
      const rows: Array<{ id: number | string }> = await manager.query(
        `UPDATE ${this.t} SET status = 'done', updatedAt = ?, lastError = NULL, starts = 0 WHERE status = 'running' ` +
          `AND (${chunk.map(() => '(id = ? AND claimedBy = ? AND attempts = ?)').join(' OR ')}) RETURNING id`,
        [sqlDate(this.driver, this.clock()), ...chunk.flatMap((j) => [j.id, j.claimedBy, j.attempts])],
      );
      for (const r of rows) done.add(Number(r.id));
    }
    return done;
  }

  /** Gives a failed attempt back to the queue after `delayMs`, or dead-letters it after its last attempt. */
  async retry(job: Job, error: string, delayMs: number, manager?: EntityManager): Promise<'retry' | 'dead' | 'lost'> {
    if (job.attempts >= job.maxAttempts) return (await this.dead(job, error, manager)) ? 'dead' : 'lost';
    const ok = await this.finish(
      job,
      { status: 'queued', lastError: error, runAt: new Date(this.clock().getTime() + delayMs) },
      manager,
    );
    return ok ? 'retry' : 'lost';
  }

  /**
   * Gives back a job whose run died with the process it ran in (a child process out of heap), keeping
   * its count of starts: the crash guard then sees it as a start that stopped its worker, and after
   * `maxCrashes` of them dead-letters it instead of starting it again.
   */
  async crashed(job: Job, error: string, delayMs: number): Promise<'retry' | 'lost'> {
    // Even after its last attempt: the next claim finds it out of attempts, and the worker dead-letters
    // it with its message or delivery (as a holder's death would), not the queue row alone.
    const runAt = new Date(this.clock().getTime() + delayMs);
    return (await this.finish(job, { status: 'queued', lastError: error, runAt, keepStarts: true })) ? 'retry' : 'lost';
  }

  /**
   * Gives a job back after `delayMs` without counting its attempt: it did not fail, it waited on the
   * database (a busy pool, a row lock, a deadlock) and gave up. A database that stays away for hours
   * must not use up a job's attempts and dead-letter work that was never wrong.
   */
  async postpone(job: Job, reason: string, delayMs: number): Promise<boolean> {
    return this.serial.run(async () => {
      const d = this.driver;
      const now = this.clock();
      const result = await retryOnLockConflict(() =>
        this.ds.query(
          `UPDATE ${this.t} SET status = 'queued', runAt = ?, attempts = attempts - 1, starts = 0, lastError = ?, ` +
            `claimedBy = NULL, updatedAt = ? WHERE id = ? AND claimedBy = ? AND attempts = ? AND status = 'running'${d === 'sqlite' ? ' RETURNING id' : ''}`,
          [sqlDate(d, new Date(now.getTime() + delayMs)), reason, sqlDate(d, now), job.id, job.claimedBy, job.attempts],
        ),
      );
      return this.ended(job, result);
    });
  }

  /**
   * Makes the queued jobs that were postponed with `reason` due now: the jobs of a resumed partner go
   * out at once instead of at the end of their wait. The claim index (status, runAt) bounds the scan.
   */
  async wake(kind: string, reason: string): Promise<void> {
    await this.serial.run(async () => {
      const d = this.driver;
      const now = sqlDate(d, this.clock());
      await retryOnLockConflict(() =>
        this.ds.query(
          `UPDATE ${this.t} SET runAt = ?, updatedAt = ? WHERE status = 'queued' AND kind = ? AND lastError = ? AND runAt > ?`,
          [now, now, kind, reason, now],
        ),
      );
    });
  }

  /** Dead-letters a job; with `manager`, inside the caller's transaction (so it commits with what the caller records). */
  async dead(job: Job, error: string, manager?: EntityManager): Promise<boolean> {
    return this.finish(job, { status: 'dead', lastError: error }, manager);
  }

  /** Extends the lease of a long job. */
  async extend(job: Job, leaseMs: number): Promise<boolean> {
    const until = new Date(this.clock().getTime() + leaseMs);
    const ok = await this.finish(job, { status: 'running', runAt: until });
    if (ok) job.leaseUntil = until;
    return ok;
  }

  /**
   * Gives a claimed job back as if this claim had not happened (attempt and start undone), to be
   * claimed again at once: for jobs a worker took but will not run now.
   */
  async release(job: Job): Promise<boolean> {
    return this.serial.run(async () => {
      const d = this.driver;
      const now = sqlDate(d, this.clock());
      const result = await retryOnLockConflict(() =>
        this.ds.query(
          `UPDATE ${this.t} SET status = 'queued', runAt = ?, attempts = attempts - 1, starts = starts - 1, ` +
            `claimedBy = NULL, updatedAt = ? WHERE id = ? AND claimedBy = ? AND attempts = ? AND status = 'running'${d === 'sqlite' ? ' RETURNING id' : ''}`,
          [now, now, job.id, job.claimedBy, job.attempts],
        ),
      );
      return this.ended(job, result);
    });
  }

  /** Whether an UPDATE that ends this claim of `job` took effect; if it did, the job is marked ended. */
  private ended(job: Job, result: unknown): boolean {
    const ok = affected(result) === 1;
    if (ok) job.ended = true;
    return ok;
  }

  /**
   * Leaves a running job to its lease without counting this start as one that killed its worker: an
   * orderly stop that could not wait for the job to finish (the job comes back when the lease ends).
   */
  async abandon(job: Job): Promise<boolean> {
    return this.serial.run(async () => {
      const d = this.driver;
      const result = await retryOnLockConflict(() =>
        this.ds.query(
          `UPDATE ${this.t} SET starts = starts - 1, updatedAt = ? WHERE id = ? AND claimedBy = ? AND attempts = ? ` +
            `AND status = 'running' AND starts > 0${d === 'sqlite' ? ' RETURNING id' : ''}`,
          [sqlDate(d, this.clock()), job.id, job.claimedBy, job.attempts],
        ),
      );
      return affected(result) === 1;
    });
  }

  /**
   * Records a long job's progress (its data) and extends its lease inside the caller's transaction, so
   * the progress commits with the work it describes; false when this worker no longer holds the job,
   * and then the caller must roll back (the fence of each batch of a streamed step).
   */
  async checkpoint(job: Job, data: unknown, leaseMs: number, manager: EntityManager): Promise<boolean> {
    const until = new Date(this.clock().getTime() + leaseMs);
    const result = await retryOnLockConflict(() =>
      manager.query(
        `UPDATE ${this.t} SET data = ?, runAt = ?, updatedAt = ? WHERE id = ? AND claimedBy = ? AND attempts = ? ` +
          `AND status = 'running'${this.driver === 'sqlite' ? ' RETURNING id' : ''}`,
        [
          JSON.stringify(data),
          sqlDate(this.driver, until),
          sqlDate(this.driver, this.clock()),
          job.id,
          job.claimedBy,
          job.attempts,
        ],
      ),
    );
    if (affected(result) !== 1) return false;
    job.data = data;
    job.leaseUntil = until;
    return true;
  }

  private async finish(
    job: Job,
    set: { status: string; lastError?: string | null; runAt?: Date; keepStarts?: boolean },
    manager?: EntityManager,
  ): Promise<boolean> {
    if (!manager) return this.serial.run(() => this.finish(job, set, this.ds.manager));
    const d = this.driver;
    const now = this.clock();
    const cols = ['status = ?', 'updatedAt = ?'];
    const args: unknown[] = [set.status, sqlDate(d, now)];
    if (set.lastError !== undefined) {
      cols.push('lastError = ?');
      args.push(set.lastError);
    }
    if (set.runAt) {
      cols.push('runAt = ?');
      args.push(sqlDate(d, set.runAt));
    }
    // Any end of an attempt but a lease extension: the start did not kill its worker.
    if (set.status !== 'running' && !set.keepStarts) cols.push('starts = 0');
    const result = await retryOnLockConflict(() =>
      manager.query(
        `UPDATE ${this.t} SET ${cols.join(', ')} WHERE id = ? AND claimedBy = ? AND attempts = ? ` +
          `AND status = 'running'${d === 'sqlite' ? ' RETURNING id' : ''}`,
        [...args, job.id, job.claimedBy, job.attempts],
      ),
    );
    const ok = affected(result) === 1;
    if (ok && set.status !== 'running') job.ended = true;
    return ok;
  }

  /** The job with this key, in any status (its data parsed); inside the caller's transaction. */
  async byKey(key: string, manager: EntityManager): Promise<{ status: string; data: unknown } | null> {
    const job = await manager.findOneBy(JobRecord, { key });
    if (!job) return null;
    return { status: job.status, data: typeof job.data === 'string' ? JSON.parse(job.data) : job.data };
  }

  /**
   * The jobs of a key and of its replays (`<key>:replay:N`), oldest first: what a replay looks at
   * before it queues the work again. Inside the caller's transaction.
   */
  async lineOf(key: string, manager: EntityManager): Promise<KeyedJob[]> {
    const k = quote(this.driver, 'key');
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT id, ${k}, status, data, maxAttempts, lastError, updatedAt FROM ${this.t} WHERE ${k} = ? OR ${k} LIKE ? ORDER BY id`,
      [key, `${key}:replay:%`],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      key: String(r.key),
      status: String(r.status),
      data: typeof r.data === 'string' ? JSON.parse(r.data) : (r.data ?? null),
      maxAttempts: Number(r.maxAttempts),
      lastError: (r.lastError as string | null) ?? null,
      updatedAt: rowDate(r.updatedAt),
    }));
  }

  /**
   * Work other than deliveries that ran out of attempts (a message's processing, an async MDN, an
   * alert, maintenance), the latest first: the queue's dead count includes them, so the console lists
   * them beside the dead deliveries. `partner` keeps those of one partner's messages.
   */
  async deadWork(filter: { partner?: string }, limit: number, manager: EntityManager): Promise<DeadWork[]> {
    const k = quote(this.driver, 'key');
    const m = quote(this.driver, 'message');
    const byPartner = filter.partner === undefined ? '' : ' AND m.partnerId = ?';
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT j.id, j.kind, j.${k}, j.messageId, j.attempts, j.lastError, j.updatedAt, m.partnerId, m.fileName` +
        ` FROM ${this.t} j LEFT JOIN ${m} m ON m.id = j.messageId` +
        ` WHERE j.status = 'dead' AND j.kind <> 'deliver'${byPartner} ORDER BY j.updatedAt DESC, j.id DESC LIMIT ?`,
      [...(filter.partner === undefined ? [] : [filter.partner]), limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      kind: String(r.kind),
      key: String(r.key),
      messageId: (r.messageId as string | null) ?? null,
      partnerId: (r.partnerId as string | null) ?? null,
      fileName: (r.fileName as string | null) ?? null,
      attempts: Number(r.attempts),
      lastError: (r.lastError as string | null) ?? null,
      deadAt: rowDate(r.updatedAt),
    }));
  }

  /**
   * The dead jobs of a key and of its replays (`<key>:replay:N`), once a replay has queued the work
   * again: `replayed`, so that the dead count of the queue (and /health) drops with the replay.
   * Inside the caller's transaction. Returns how many it retired: none when a concurrent replay took
   * them first (the row lock on MariaDB, the one writer on SQLite, make the second see none).
   */
  async retireReplayed(key: string, manager: EntityManager): Promise<number> {
    const k = quote(this.driver, 'key');
    const result: unknown = await manager.query(
      `UPDATE ${this.t} SET status = 'replayed', updatedAt = ? WHERE (${k} = ? OR ${k} LIKE ?) AND status = 'dead'` +
        (this.driver === 'sqlite' ? ' RETURNING id' : ''),
      [sqlDate(this.driver, this.clock()), key, `${key}:replay:%`],
    );
    return affected(result);
  }

  async counts(): Promise<Record<string, number>> {
    const rows: Array<{ status: string; n: number | string }> = await this.serial.run(() =>
      this.ds.query(`SELECT status, COUNT(*) AS n FROM ${this.t} GROUP BY status`),
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

/**
 * The MariaDB claim: jobs of one status that are due, in order, locked, skipping those another
 * transaction holds. Parameters: status, now, the kinds (kindCount of them), limit.
 */
export function claimSelectSql(table: string, kindCount: number): string {
  const kinds = kindCount > 0 ? ` AND kind IN (${Array.from({ length: kindCount }, () => '?').join(',')})` : '';
  return `SELECT id FROM ${table} WHERE status = ? AND runAt <= ?${kinds} ORDER BY runAt, id LIMIT ? FOR UPDATE SKIP LOCKED`;
}

/**
 * Rows changed by an UPDATE: mysql2 reports affectedRows; on SQLite the statement ends in RETURNING,
 * so the rows themselves are counted (TypeORM's plain query() hides better-sqlite3's change count).
 */
/** Jobs completed by one statement at most (completeMany): a few hundred bound values. */
const COMPLETE_AT_ONCE = 64;

export function affected(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  if (result && typeof result === 'object' && 'affectedRows' in result)
    return Number((result as { affectedRows: number }).affectedRows);
  return 0;
}
