import { GatewayError } from '../errors';
import type { Job } from '../store/queue';
import type { PipelineContext } from './context';

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
 * Dead-letters a job that kept killing its worker (a payload that runs the heap out, a parser bug that
 * aborts the process), instead of starting it again: otherwise it is claimed first at every restart
 * and takes intake down with it each time. The message (or delivery) it worked for shows why, with an
 * event, so the report and `show` explain what happened; the bytes stay stored.
 */
export async function deadLetterCrashLoop(ctx: PipelineContext, job: Job): Promise<boolean> {
  const { store, logger } = ctx;
  const crashes = job.starts - 1;
  const err = new GatewayError(
    'EDIGW_JOB_CRASHED',
    `${job.kind} job ${job.id}${job.messageId ? ` of message ${job.messageId}` : ''}`,
    { cause: new Error(`stopped the worker ${crashes} times`) },
  );
  const detail = err.describe();
  const dead = await store.transaction(async (m) => {
    if (!(await store.queue.dead(job, detail, m))) return false;
    const message = job.messageId ? await store.message(job.messageId, m) : null;
    const deliveryId = job.kind === 'deliver' ? (job.data as { deliveryId?: string } | null)?.deliveryId : undefined;
    const delivery = deliveryId ? await store.deliveries.byId(deliveryId, m) : null;
    // As a delivery dead-lettered after its attempts: `replay` can send it again.
    if (delivery) await store.deliveries.deadLetter(m, delivery, detail);
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
  if (dead)
    logger.error(
      { job: job.id, kind: job.kind, message: job.messageId, crashes, err: detail },
      'job dead-lettered: it stopped the worker each time it ran',
    );
  return dead;
}
