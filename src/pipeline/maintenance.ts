import type { Job } from '../store/queue';
import { scanAlerts } from './alerts';
import type { PipelineContext } from './context';

export type MaintenanceTask = 'overdue-acks' | 'purge-payloads' | 'alerts';

/** How often each task runs. Every gateway process schedules them; the job key makes one run per slot. */
export const MAINTENANCE_EVERY: Record<MaintenanceTask, number> = {
  'overdue-acks': 60_000,
  'purge-payloads': 60 * 60_000,
  alerts: 60_000,
};

/**
 * Enqueues the maintenance jobs of the current time slot. Every process may call it; the queue's
 * idempotency key (`maintenance:<task>:<slot>`) leaves exactly one job per task and slot.
 */
export async function scheduleMaintenance(ctx: PipelineContext): Promise<void> {
  const now = ctx.clock().getTime();
  const tasks: MaintenanceTask[] = ['overdue-acks'];
  if (ctx.config.retention?.payloads) tasks.push('purge-payloads');
  if (ctx.config.alerts) tasks.push('alerts');
  for (const task of tasks) {
    const slot = Math.floor(now / MAINTENANCE_EVERY[task]);
    await ctx.store.queue.enqueue({
      kind: 'maintenance',
      key: `maintenance:${task}:${slot}`,
      data: { task },
      maxAttempts: 3,
    });
  }
}

export async function runMaintenance(ctx: PipelineContext, job: Job): Promise<void> {
  const task = (job.data as { task?: MaintenanceTask } | null)?.task;
  const { store, logger } = ctx;
  if (task === 'overdue-acks') {
    const n = await store.markOverdueAcks();
    if (n > 0) logger.warn({ count: n }, 'expected acknowledgements are overdue');
  } else if (task === 'purge-payloads' && ctx.config.retention?.payloads) {
    const n = await store.purgePayloads(new Date(ctx.clock().getTime() - ctx.config.retention.payloads));
    if (n > 0) logger.info({ count: n }, 'payloads purged by the retention policy (audit rows stay)');
  } else if (task === 'alerts') {
    await scanAlerts(ctx);
  }
  await store.queue.complete(job);
}
