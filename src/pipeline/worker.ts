import { hostname } from 'node:os';
import type { Job } from '../store/queue';
import { GatewayError } from '../errors';
import type { PipelineContext } from './context';
import { AS2_MDN_JOB, runMdnJob } from './as2';
import { deliverJobs, Senders } from './deliver';
import { processMessage, processTogether, type ProcessOptions } from './process';
import { ChildDied, processInChild, type ChildOptions } from './process-child';
import type { MessageRecord } from '../store/entities';
import { runMaintenance } from './maintenance';
import { Heartbeat } from './heartbeat';
import {
  crashLooping,
  deadLetterCrashLoop,
  deadLetterOutOfAttempts,
  deadLetterOutOfRetries,
  DEFAULT_MAX_CRASHES,
  outOfAttempts,
} from './crash-guard';
import { ALERT_JOB, runAlertJob } from './alerts';
import { JOBS_AT_ONCE } from './pool-size';

export { JOBS_AT_ONCE, poolOptionsFor, poolSizeFor } from './pool-size';

export interface WorkerOptions {
  count: number;
  /** How long a claimed job is ours before another worker may take it (a dead worker's jobs come back then). */
  leaseMs?: number;
  /** Jobs claimed at once per worker; they run concurrently (deliveries wait on the network). */
  batch?: number;
  /** Longest pause between claims when there is no work (a kick ends it early). */
  idleMs?: number;
  /** Jobs other than deliveries that one loop runs at once, each in a transaction of its own (default 4). */
  jobsAtOnce?: number;
  /** Starts of one job that may end with this process dead before the job is dead-lettered (crash-guard.ts). */
  maxCrashes?: number;
  /**
   * `process` jobs of small payloads recorded in one transaction at most (process.ts processTogether).
   * Default: 16 on SQLite, whose one writer makes every commit wait its turn; 1 on MariaDB, where the
   * jobs' transactions run side by side and a shared one would hold the acks' control-number row
   * across every job of it.
   */
  together?: number;
  /** Runs `process` jobs of large (streamed) payloads in a child process with a heap cap of its own. */
  child?: ChildOptions;
}

/** Failures that are waits on the database, not faults of the job (data-source.ts bounds each wait). */
const DATABASE_WAITS = new Set<string>(['EDIGW_DB_DEADLOCK', 'EDIGW_DB_LOCK_TIMEOUT', 'EDIGW_DB_POOL_TIMEOUT']);
/** A job given back after a database wait runs again after this (up to twice it, spread so they do not return at once). */
const DATABASE_WAIT_RETRY_MS = 2_000;

/**
 * The workers of one gateway process: each claims due jobs from the shared queue and runs them. Any
 * number of processes may run workers on one database; the queue's leases keep them from doing the
 * same job twice.
 */
export class Workers {
  private readonly senders: Senders;
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private wake: Array<() => void> = [];
  /** Counts kicks, so a loop that was busy claiming when one came does not sleep through it. */
  private kicks = 0;
  private readonly id = `${hostname()}:${process.pid}`;
  private readonly heartbeat: Heartbeat;
  private readonly processOptions: ProcessOptions;
  /** Aborted when a stop could not wait for the jobs in hand: ends their child processes. */
  private readonly halt = new AbortController();

  constructor(
    private readonly ctx: PipelineContext,
    private readonly opts: WorkerOptions,
  ) {
    this.senders = new Senders(ctx);
    this.heartbeat = new Heartbeat(ctx.store.queue, opts.leaseMs ?? 60_000, ctx.logger);
    const child = opts.child;
    this.processOptions = child ? { isolate: (job, message) => this.inChild(job, message, child) } : {};
  }

  start(): void {
    this.heartbeat.start();
    for (let i = 0; i < this.opts.count; i++) this.loops.push(this.loop(`${this.id}:${i}`));
  }

  /** New work was committed: claim now rather than after the idle pause. */
  kick(): void {
    this.kicks++;
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }

  /** Loops in an idle pause now (for tests: a pause that ended is not kept). */
  get idle(): number {
    return this.wake.length;
  }

  /** Claims nothing more and resolves when the jobs in hand are finished (or `graceMs` passed: their leases bring them back). */
  async stop(graceMs = 20_000): Promise<boolean> {
    this.stopping = true;
    this.ctx.intakeGate?.release();
    this.kick();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), graceMs);
    });
    const done = Promise.all(this.loops).then(async () => {
      await this.senders.close();
      return true;
    });
    const finished = await Promise.race([done, timeout]);
    clearTimeout(timer);
    // A child process still running a large job would keep this process alive after the stop (its IPC
    // channel): it goes, its batch in hand rolls back, and the job resumes from its last checkpoint.
    if (!finished) this.halt.abort();
    // Jobs still running past the grace are left to their leases: stop renewing them, and do not count
    // this start against them as one that killed its worker (crash-guard.ts): the stop was orderly.
    await this.heartbeat.stop();
    if (!finished) {
      for (const job of this.heartbeat.jobs()) {
        await this.ctx.store.queue
          .abandon(job)
          .catch((e: Error) =>
            this.ctx.logger.warn(
              { job: job.id, err: e.message },
              'could not mark a job left to its lease as abandoned',
            ),
          );
      }
    }
    return finished;
  }

  private async loop(worker: string): Promise<void> {
    const { store, logger } = this.ctx;
    const lease = this.opts.leaseMs ?? 60_000;
    while (!this.stopping) {
      const kicked = this.kicks;
      let jobs: Job[] = [];
      try {
        // While intake is busy here, one job at a time, each followed by a pause: a batch of 32 large
        // parses would hold the thread for seconds (and claim work this loop cannot start for a while).
        jobs = await store.queue.claim(worker, this.ctx.intakeGate?.busy() ? 1 : (this.opts.batch ?? 32), lease);
      } catch (e) {
        logger.error({ worker, err: (e as Error).message }, 'claiming work failed; trying again');
      }
      const claimed = jobs.length;
      if (claimed) jobs = await this.withoutCrashLoops(jobs);
      if (jobs.length === 0) {
        // A kick (new work, or stop) that came while claiming found no one waiting: act on it now.
        if (claimed > 0 || this.kicks !== kicked) continue;
        await new Promise<void>((r) => {
          // An idle pause that ends by its timer leaves `wake` too: kept, an idle gateway (and every
          // worker process, which no intake kicks) gained one closure and Timeout per pause, for good.
          const end = () => {
            clearTimeout(t);
            const i = this.wake.indexOf(end);
            if (i >= 0) this.wake.splice(i, 1);
            r();
          };
          const t = setTimeout(end, this.opts.idleMs ?? 200);
          this.wake.push(end);
        });
        continue;
      }
      // Held from the claim, not from their start: jobs waiting their turn behind `jobsAtOnce` keep their leases too.
      for (const job of jobs) this.heartbeat.hold(job);
      const began = performance.now();
      const deliveries = jobs.filter((j) => j.kind === 'deliver');
      await Promise.all([
        ...(deliveries.length ? [this.guard(deliveries, () => deliverJobs(this.ctx, deliveries, this.senders))] : []),
        atOnce(this.units(jobs.filter((j) => j.kind !== 'deliver')), this.opts.jobsAtOnce ?? JOBS_AT_ONCE, (unit) =>
          this.runUnit(unit),
        ),
      ]);
      // better-sqlite3 and fsync are synchronous: give timers and sockets a turn between batches.
      await new Promise((r) => setImmediate(r));
      // Receipts first: partners wait for them, processing waits for no one (intake-gate.ts). The
      // loops share one thread, so each pauses for all of them: with two loops each pausing only for
      // its own batch, processing took two fifths of the thread, not the one fifth intended.
      if (!this.stopping) await this.ctx.intakeGate?.yieldTo((performance.now() - began) * this.opts.count);
    }
  }

  /** The claimed jobs as units of work: `process` jobs in batches of `together`, every other job alone. */
  private units(jobs: Job[]): Job[][] {
    const size = this.opts.together ?? (this.ctx.store.driver === 'sqlite' ? 16 : 1);
    const units: Job[][] = [];
    const processing = jobs.filter((j) => j.kind === 'process');
    for (let i = 0; i < processing.length; i += size) units.push(processing.slice(i, i + size));
    for (const job of jobs) if (job.kind !== 'process') units.push([job]);
    return units;
  }

  /** One unit: a batch of `process` jobs in one transaction, then alone the jobs it gave back; or one job. */
  private async runUnit(unit: Job[]): Promise<void> {
    if (unit.length === 1) {
      await this.guard(unit, () => this.run(unit[0]));
      return;
    }
    const alone = await this.guard(unit, () => processTogether(this.ctx, unit, this.processOptions));
    for (const job of alone) await this.guard([job], () => this.run(job));
  }

  private async run(job: Job): Promise<void> {
    if (job.kind === 'process') await processMessage(this.ctx, job, this.processOptions);
    else if (job.kind === 'maintenance') await runMaintenance(this.ctx, job);
    else if (job.kind === AS2_MDN_JOB) await runMdnJob(this.ctx, job);
    else if (job.kind === ALERT_JOB) await runAlertJob(this.ctx, job);
    else await this.ctx.store.queue.dead(job, `no worker handles jobs of kind ${job.kind}`);
  }

  /**
   * A large payload's job in a child process. A child that dies (its heap ran out) gives the job back
   * with its start counted as one that stopped its worker, as if this process had died: after
   * `maxCrashes` of them the crash guard dead-letters it. This process, and its intake, live on.
   */
  private async inChild(job: Job, message: MessageRecord, opts: ChildOptions): Promise<void> {
    try {
      await processInChild(this.ctx, job, message, opts, this.halt.signal);
    } catch (e) {
      if (!(e instanceof ChildDied)) throw e;
      if (this.halt.signal.aborted) return; // ended by the stop: left to its lease, not a crash
      this.ctx.logger.error(
        { job: job.id, message: message.id, starts: job.starts, err: e.message },
        'the child process of a process job died; the job goes back, counted as a crash',
      );
      await this.ctx.store.queue.crashed(job, e.message, Math.min(60_000, 1000 * 2 ** job.attempts));
      return;
    }
    this.ctx.kick?.();
  }

  /**
   * Dead-letters the claimed jobs whose earlier starts each killed their worker, or whose last attempt
   * did, and returns the others.
   * Checked before anything runs: a job that runs the heap out would otherwise take the process down
   * at every restart.
   */
  private async withoutCrashLoops(jobs: Job[]): Promise<Job[]> {
    const max = this.opts.maxCrashes ?? DEFAULT_MAX_CRASHES;
    const live: Job[] = [];
    for (const job of jobs) {
      const looping = crashLooping(job, max);
      if (!looping && !outOfAttempts(job)) {
        live.push(job);
        continue;
      }
      try {
        if (looping) await deadLetterCrashLoop(this.ctx, job);
        else await deadLetterOutOfAttempts(this.ctx, job);
      } catch (e) {
        // Not run either way: its lease brings it back to be dead-lettered at the next claim.
        this.ctx.logger.error(
          { job: job.id, kind: job.kind, err: (e as Error).message },
          'could not dead-letter a job that keeps stopping its worker',
        );
      }
    }
    // A job whose last worker died with it runs alone: should it kill this process too, the jobs that
    // would have run beside it are not counted as its accomplices (and dead-lettered with it).
    const suspect = live.find((j) => j.starts > 1);
    if (!suspect || live.length === 1) return live;
    for (const job of live) {
      if (job === suspect) continue;
      await this.ctx.store.queue
        .release(job)
        .catch((e: Error) =>
          this.ctx.logger.warn({ job: job.id, err: e.message }, 'could not give a job back; its lease will'),
        );
    }
    return [suspect];
  }

  /**
   * Runs work on jobs; if it fails unexpectedly (a database hiccup, a bug), the jobs go back with a
   * backoff. Returns the jobs the work gave back unfinished, for the caller to run otherwise.
   */
  private async guard(jobs: Job[], work: () => Promise<Job[] | void>): Promise<Job[]> {
    const { store, logger } = this.ctx;
    for (const job of jobs) this.heartbeat.hold(job);
    const began = performance.now();
    const timed = (outcome: 'done' | 'failed', left: Job[] = []) => {
      const seconds = (performance.now() - began) / 1000;
      for (const job of jobs) if (!left.includes(job)) this.ctx.meter?.job({ kind: job.kind, outcome }, seconds);
    };
    // Jobs given back stay held: they wait for their own run, and their leases must not run out meanwhile.
    let left: Job[] = [];
    try {
      left = (await work()) ?? [];
      timed('done', left);
      return left;
    } catch (e) {
      timed('failed');
      // Every step is idempotent (its writes commit with the job's completion), so running it again is safe.
      const msg = e instanceof GatewayError ? e.describe() : (e as Error).message;
      // A deadlock victim or a bounded wait on a busy database is an expected race, not a fault of the
      // job: it goes back without using up an attempt, so a long database outage dead-letters nothing.
      const waited = e instanceof GatewayError && DATABASE_WAITS.has(e.code);
      for (const job of jobs) {
        try {
          if (waited) {
            logger.warn(
              { job: job.id, kind: job.kind, attempt: job.attempts, err: msg },
              'job waited on the database; it goes back to the queue, its attempt not counted',
            );
            await store.queue.postpone(job, msg, DATABASE_WAIT_RETRY_MS * (1 + Math.random()));
            continue;
          }
          // Its last attempt: dead-lettered with its message and delivery, as a crash loop is.
          if (job.attempts >= job.maxAttempts) {
            await deadLetterOutOfRetries(this.ctx, job, msg);
            continue;
          }
          logger.error(
            { job: job.id, kind: job.kind, attempt: job.attempts, err: msg },
            'job failed; it will be retried',
          );
          await store.queue.retry(job, msg, Math.min(60_000, 1000 * 2 ** job.attempts));
        } catch (e2) {
          logger.error({ job: job.id, err: (e2 as Error).message }, 'could not give the job back; its lease will');
        }
      }
      return [];
    } finally {
      for (const job of jobs) if (!left.includes(job)) this.heartbeat.release(job);
    }
  }
}

/** Runs `work` on every item, at most `limit` at a time: the pool sized by poolSizeFor serves them all. */
async function atOnce<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
