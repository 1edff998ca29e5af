import type { Job, Queue } from '../store/queue';
import type { Logger } from './logger';

/**
 * Keeps the leases of the jobs a process is running: every third of the lease, each held job's lease
 * is renewed, so a lease only runs out when its worker died (or its thread stayed blocked for a whole
 * lease), however long the job takes. A renewal the queue refuses means another worker took the job
 * over: the job's `lease` signal is aborted so it does no more side effects (its completion is fenced
 * anyway), and it is no longer renewed. A renewal that fails (the database is away) is tried again at
 * the next beat: the lease is still ours until someone else claims it.
 */
export class Heartbeat {
  private readonly held = new Map<number, { job: Job; lost: AbortController }>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly queue: Pick<Queue, 'extend'>,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    private readonly everyMs = Math.max(100, Math.floor(leaseMs / 3)),
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => {
        this.beating = undefined;
      });
    }, this.everyMs);
    this.timer.unref();
  }

  /** Stops renewing (the jobs in hand have finished, or are left to their leases); waits for a beat under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }

  /** Renews `job`'s lease from now on (once held, held until released), and gives it the signal that tells it when it lost the lease. */
  hold(job: Job): void {
    if (this.held.has(job.id)) return;
    const lost = new AbortController();
    job.lease = lost.signal;
    this.held.set(job.id, { job, lost });
  }

  /** The job ended (finished, or gave up): its lease is not renewed any more. */
  release(job: Job): void {
    this.held.delete(job.id);
  }

  /** The jobs whose leases are being renewed: those still running. */
  jobs(): Job[] {
    return [...this.held.values()].map((h) => h.job);
  }

  private async beat(): Promise<void> {
    // One renewal at a time: a beat takes one database connection, not one per job.
    for (const [id, h] of [...this.held]) {
      let ok: boolean;
      try {
        ok = await this.queue.extend(h.job, this.leaseMs);
      } catch (e) {
        this.logger.warn(
          { job: id, kind: h.job.kind, err: (e as Error).message },
          'could not renew a job lease; trying again at the next beat',
        );
        continue;
      }
      if (ok || this.held.get(id) !== h) continue; // renewed, or the job ended meanwhile
      // Its holder ended it (a batch's jobs are let go of when the whole batch is done): no takeover.
      if (h.job.ended) {
        this.held.delete(id);
        continue;
      }
      this.held.delete(id);
      h.lost.abort(new Error(`job ${id} was taken over by another worker (its lease ran out)`));
      this.logger.warn(
        { job: id, kind: h.job.kind, attempt: h.job.attempts },
        'lost the lease of a running job to another worker: it stops here, the other worker runs it',
      );
    }
  }
}
