/**
 * How large a process's database pool is, from gateway.yaml: apart from the workers so that what opens
 * a store without running workers (commands, a large job's child process, src/open.ts) need not load them.
 */
import type { GatewayConfig } from '../config/gateway';
import type { PoolOptions } from '../store/store';

/** Each job other than a delivery holds a connection for its transaction: this many per loop at once. */
export const JOBS_AT_ONCE = 4;

/**
 * The MariaDB pool a process of `workers` loops needs: per loop its jobs at once and the transaction
 * that records its batch of deliveries, plus connections for intake's group commit, the admin API,
 * maintenance, lease heartbeats and lookups, so a receipt never queues behind the jobs. Capped: the
 * server's max_connections is shared by every node (a busy pool makes callers wait, for a bound).
 */
export function poolSizeFor(workers: number, jobsAtOnce = JOBS_AT_ONCE): number {
  return Math.min(64, workers * (jobsAtOnce + 1) + 6);
}

/**
 * The pool options of a process from gateway.yaml `store`: its size (for a process that runs workers,
 * from their concurrency unless `store.pool` says otherwise; for a command, mysql2's default) and the
 * bounds of every wait for a connection or a row lock.
 */
export function poolOptionsFor(config: Pick<GatewayConfig, 'workers' | 'store'>, runsWorkers: boolean): PoolOptions {
  const { pool, acquireTimeout, lockWaitTimeout } = config.store;
  return {
    ...(runsWorkers ? { size: pool ?? poolSizeFor(config.workers) } : pool !== undefined ? { size: pool } : {}),
    acquireTimeoutMs: acquireTimeout,
    lockWaitTimeoutS: lockWaitTimeout / 1000,
  };
}
