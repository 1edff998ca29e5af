/**
 * One of the two queue workers of a `jobs` store row, forked by store.ts (argv[2]: DrainConfig as
 * JSON), working the queue as a gateway process would. It opens the store and says `ready`; on `go`
 * it claims batches under a lease and completes each job, until no job is left queued, then reports.
 *
 * An empty claim alone does not mean the queue is empty: on MariaDB a claim that runs while the
 * other worker's claim transaction is open skips every due job (that claim's filesort locks them
 * all) and returns nothing. So after an empty claim the worker looks for a queued job (a plain read,
 * no lock) and, if there is one, claims again after a short pause; those claims are counted.
 */
import { Store } from '../src/store/store';

export interface DrainConfig {
  url: string;
  worker: string;
  batch: number;
  leaseMs: number;
}

export type DrainMessage =
  | { type: 'ready' }
  | {
      type: 'done';
      /** complete() said yes. */
      completed: number;
      /** complete() said no: the job was no longer ours (its lease ran out and another worker took it). */
      lost: number;
      claims: number;
      /** Claims that returned nothing while jobs were still queued. */
      emptyClaims: number;
      /** Ids of the jobs completed, for the parent's check that none was completed twice. */
      ids: number[];
      /** process.hrtime.bigint() (CLOCK_MONOTONIC, the same clock in every process) right after the last completion. */
      lastDoneNs: string;
      peakRssMb: number;
    }
  | { type: 'error'; error: string };

function send(msg: DrainMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stdout.write(JSON.stringify(msg) + '\n');
      resolve();
    } else {
      process.send(msg, () => resolve());
    }
  });
}

/** Pause after an empty claim while jobs are still queued (a gateway worker would wait for its next poll). */
const PAUSE_MS = 5;

let finished = false;
// The parent went away (it was stopped): do not drain on for nobody.
process.on('disconnect', () => {
  if (!finished) process.exit(1);
});

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as DrainConfig;
  const store = await Store.open(cfg.url, { payloads: 'database' });
  let done: DrainMessage;
  try {
    // Opens the connection (and reads the table once) before the clock starts.
    await store.queue.counts();
    const go = new Promise<void>((resolve) => process.once('message', () => resolve()));
    await send({ type: 'ready' });
    if (process.send) await go;
    let completed = 0;
    let lost = 0;
    let claims = 0;
    let emptyClaims = 0;
    let last = process.hrtime.bigint();
    const ids: number[] = [];
    const queued = `SELECT id FROM ${store.driver === 'sqlite' ? '"job"' : '`job`'} WHERE status = 'queued' LIMIT 1`;
    while (true) {
      const jobs = await store.queue.claim(cfg.worker, cfg.batch, cfg.leaseMs);
      claims++;
      if (jobs.length === 0) {
        if (((await store.ds.query(queued)) as unknown[]).length === 0) break;
        emptyClaims++;
        await new Promise((r) => setTimeout(r, PAUSE_MS));
        continue;
      }
      for (const j of jobs) {
        if (await store.queue.complete(j)) {
          completed++;
          ids.push(j.id);
          last = process.hrtime.bigint();
        } else {
          lost++;
        }
      }
    }
    done = {
      type: 'done',
      completed,
      lost,
      claims,
      emptyClaims,
      ids,
      lastDoneNs: String(last),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await store.close();
  }
  finished = true;
  await send(done);
  process.exit(0);
}

main().catch(async (e: unknown) => {
  finished = true;
  await send({ type: 'error', error: `${(e as Error).name}: ${(e as Error).message}` });
  process.exit(1);
});
