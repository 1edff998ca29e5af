import { GatewayError } from '../errors';
import type { Job } from '../store/queue';
import type { PipelineContext } from './context';
import type { DeliverJobData } from './outbound';

/** How many starts of one job may end with its worker dead before it is dead-lettered (gateway.yaml jobs.maxCrashes). */
export const DEFAULT_MAX_CRASHES = 3;

/**
 * Whether the holders of this job died on it `maxCrashes` times already. Every finish resets the
 * count of starts, so `starts - 1` earlier starts ended without one: their workers died mid-job.
 */
export function crashLooping(job: Job, maxCrashes: number): boolean {
  return job.starts - 1 >= maxCrashes;
}

/**
 * Whether a claimed job had used its last attempt already. A job that fails (or waits) is given back or
 * dead-lettered by its holder; one that still gets claimed past its last attempt was given back by no
 * one: its holder died on it (the process, or the child process it ran in).
 */
export function outOfAttempts(job: Job): boolean {
  return job.attempts > job.maxAttempts;
}

/**
 * Dead-letters a job that kept killing its worker (a payload that runs the heap out, a parser bug that
 * aborts the process), instead of starting it again: otherwise it is claimed first at every restart
 * and takes intake down with it each time. The message (or delivery) it worked for shows why, with an
 * event, so the report and `show` explain what happened; the bytes stay stored.
 */
export async function deadLetterCrashLoop(ctx: PipelineContext, job: Job): Promise<boolean> {
  const crashes = job.starts - 1;
  const err = new GatewayError('EDIGW_JOB_CRASHED', jobName(job), {
    cause: new Error(`stopped the worker ${crashes} times`),
  });
  return deadLetterWithWork(ctx, job, err, { crashes }, 'job dead-lettered: it stopped the worker each time it ran');
}

/**
 * Dead-letters a job whose last attempt ended with its holder dead (see outOfAttempts), as the crash
 * guard does: left to the queue alone, its message would stay `received` and its delivery `delivering`
 * for good, in the report and the console, with nothing to replay and no alert.
 */
export async function deadLetterOutOfAttempts(ctx: PipelineContext, job: Job): Promise<boolean> {
  const tried = job.attempts - 1;
  const err = new GatewayError('EDIGW_JOB_ABANDONED', jobName(job), {
    cause: new Error(`its ${tried} attempts are used up, the last ended with its worker dead`),
  });
  return deadLetterWithWork(
    ctx,
    job,
    err,
    { attempts: tried },
    'job dead-lettered: its last attempt ended with its worker dead',
  );
}

/**
 * Dead-letters a job whose last attempt failed (an error it threw, not its worker's death), as the crash
 * guard does: the queue alone would mark the job row dead and leave its message `received`, its
 * delivery `retrying`, with no event, no alert and nothing in the report. The last error is the cause.
 */
export async function deadLetterOutOfRetries(ctx: PipelineContext, job: Job, last: string): Promise<boolean> {
  const err = new GatewayError('EDIGW_JOB_FAILED', jobName(job), {
    cause: new Error(`attempt ${job.attempts} of ${job.maxAttempts}: ${last}`),
  });
  return deadLetterWithWork(ctx, job, err, { attempts: job.attempts }, 'job dead-lettered: its last attempt failed');
}

function jobName(job: Job): string {
  return `${job.kind} job ${job.id}${job.messageId ? ` of message ${job.messageId}` : ''}`;
}

/**
 * The job dead, and what it worked for with it: its delivery (replayable), its message, an event;
 * logged at error with `fields` when this call is the one that dead-lettered it.
 */
async function deadLetterWithWork(
  ctx: PipelineContext,
  job: Job,
  err: GatewayError,
  fields: Record<string, unknown>,
  logged: string,
): Promise<boolean> {
  const { store } = ctx;
  const detail = err.describe();
  const dead = await store.transaction(async (m) => {
    if (!(await store.queue.dead(job, detail, m))) return false;
    const message = job.messageId ? await store.message(job.messageId, m) : null;
    const data = job.kind === 'deliver' ? (job.data as Partial<DeliverJobData> | null) : null;
    const delivery = data?.deliveryId ? await store.deliveries.byId(data.deliveryId, m) : null;
    // As a delivery dead-lettered after its attempts: `replay` can send it again, and a raw
    // interchange's other transaction sets get its status too.
    if (delivery) await store.deliveries.deadLetter(m, delivery, detail, data?.carries);
    if (message) {
      // A message that was never processed failed; one that was (a later job of it crashed) keeps its status.
      if (job.kind === 'process' || job.kind === 'deliver')
        await store.setMessageStatus(message.id, 'failed', detail, m);
      await store.event(
        {
          stage: 'dead-letter',
          status: 'error',
          messageId: message.id,
          partnerId: message.partnerId,
          code: err.code,
          detail,
        },
        m,
      );
    }
    return true;
  });
  if (dead) ctx.logger.error({ job: job.id, kind: job.kind, message: job.messageId, ...fields, err: detail }, logged);
  return dead;
}
