/**
 * The store rows (suite `store`), run by worker.ts in the row's own process:
 *
 * - `jobs`: N jobs batch-inserted (untimed), then two forked queue workers (bench/drain.ts) claim 25
 *   at a time under a 60 s lease and complete each job until none is left. Timed from the start
 *   signal to the last completion; checked for exactly N completions, none twice.
 * - `records`: files of X12 850s received (`store.receive`) and recorded (`recordInterchange` in a
 *   transaction of its own), as the gateway does with a file it takes in. Generating and parsing each
 *   file happen outside the timing; only the store calls are timed.
 *
 * Each run gets a fresh database, removed afterwards: a SQLite file in a temporary folder, or a new
 * MariaDB database `edigw_bench_<random>` (root on 127.0.0.1:3306 unless BENCH_MARIADB_URL says
 * otherwise). When MariaDB does not answer the row is reported as skipped.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DrainConfig, DrainMessage } from './drain';
import { x12PurchaseOrders } from './gen';
import type { Job, StoreDriver, WorkerResult } from './types';

export const MARIADB_URL =
  process.env.BENCH_MARIADB_URL ?? process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Seed of the records rows' purchase orders (file i is interchange i of this seed). */
const RECORDS_SEED = 0x5170e;
const CLAIM_BATCH = 25;
const LEASE_MS = 60_000;
const QUEUE_WORKERS = 2;

export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1***@');
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export interface Scratch {
  url: string;
  dir: string;
  drop(): Promise<void>;
}

export class Unreachable extends Error {}

/** A fresh, empty database of the given kind, with a scratch folder for payload files (the pipeline rows use it too). */
export async function scratch(driver: StoreDriver): Promise<Scratch> {
  const dir = mkdtempSync(join(tmpdir(), 'edigw-bench-'));
  const rmDir = () => rmSync(dir, { recursive: true, force: true });
  if (driver === 'sqlite') return { url: `sqlite:${join(dir, 'gateway.sqlite')}`, dir, drop: async () => rmDir() };
  let c;
  try {
    c = await createConnection({ uri: MARIADB_URL, connectTimeout: 3000 });
  } catch (e) {
    rmDir();
    throw new Unreachable(`skipped: MariaDB not reachable at ${redact(MARIADB_URL)} (${(e as Error).message})`);
  }
  const db = `edigw_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  try {
    await c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await c.end();
  }
  return {
    url: MARIADB_URL.replace(/\/[^/]*$/, `/${db}`),
    dir,
    drop: async () => {
      const k = await createConnection({ uri: MARIADB_URL });
      try {
        await k.query(`DROP DATABASE IF EXISTS \`${db}\``);
      } finally {
        await k.end();
        rmDir();
      }
    },
  };
}

/**
 * Runs a row on a fresh database of its driver and removes it afterwards (BENCH_KEEP keeps it); a
 * database that cannot be reached makes the row a skip with the reason.
 */
export async function withScratch(job: Job, row: (db: Scratch) => Promise<WorkerResult>): Promise<WorkerResult> {
  let db: Scratch;
  try {
    db = await scratch(job.driver ?? 'sqlite');
  } catch (e) {
    if (e instanceof Unreachable)
      return { ok: false, skipped: true, bytes: 0, seconds: 0, peakRssMb: 0, error: e.message };
    throw e;
  }
  try {
    return await row(db);
  } finally {
    if (!process.env.BENCH_KEEP) await db.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// jobs

type Done = Extract<DrainMessage, { type: 'done' }>;

interface Drainer {
  ready: Promise<void>;
  done: Promise<Done>;
  go(): void;
  /** Stops the worker if it still runs (after a failure, before the database is dropped under it). */
  stop(): void;
  /** Settles when the process has ended (after it reported, it closes its store and exits). */
  closed: Promise<void>;
}

function startDrainer(cfg: DrainConfig): Drainer {
  // The worker's own node options (none when run.ts forks it; --cpu-prof when profiled by hand) go on to the queue workers.
  const child = fork(join(__dirname, 'drain.js'), [JSON.stringify(cfg)], {
    stdio: ['ignore', 2, 2, 'ipc'],
    execArgv: process.execArgv,
  });
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  let resolveDone!: (m: Done) => void;
  let rejectDone!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const done = new Promise<Done>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  // Rejecting a settled promise does nothing; whichever of the two nobody awaits yet is not "unhandled".
  ready.catch(() => undefined);
  done.catch(() => undefined);
  const fail = (e: Error) => {
    rejectReady(e);
    rejectDone(e);
  };
  const closed = new Promise<void>((res) => child.on('close', () => res()));
  child.on('message', (raw) => {
    const m = raw as DrainMessage;
    if (m.type === 'ready') resolveReady();
    else if (m.type === 'done') resolveDone(m);
    else fail(new Error(`queue worker ${cfg.worker}: ${m.error}`));
  });
  // 'close', not 'exit': it comes after the IPC channel has delivered everything the child sent.
  child.on('close', (code, signal) =>
    fail(new Error(`queue worker ${cfg.worker} exited (${signal ?? `code ${code}`}) without a result`)),
  );
  return {
    ready,
    done,
    closed,
    go: () => child.send('go'),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

async function jobsRow(job: Job, db: Scratch): Promise<WorkerResult> {
  const n = job.count ?? 20_000;
  const { Store } = await import('../src/store/store');
  const { JobRecord } = await import('../src/store/entities');
  const store = await Store.open(db.url, { payloads: 'database' });
  try {
    await store.migrate();
    // Enqueued as `receive` would (kind process, key <message>:process), in batches: not timed.
    const now = new Date();
    await store.transaction(async (m) => {
      for (let i = 0; i < n; i += 500) {
        const rows = [];
        for (let k = i; k < Math.min(n, i + 500); k++) {
          const messageId = randomUUID();
          rows.push({
            kind: 'process',
            key: `${messageId}:process`,
            messageId,
            data: { eventId: k + 1 },
            status: 'queued',
            runAt: now,
            attempts: 0,
            maxAttempts: 10,
            claimedBy: null,
            lastError: null,
            createdAt: now,
            updatedAt: now,
          });
        }
        await m.createQueryBuilder().insert().into(JobRecord).values(rows).execute();
      }
    });

    const workers = Array.from({ length: QUEUE_WORKERS }, (_, i) =>
      startDrainer({ url: db.url, worker: `bench-${process.pid}-${i + 1}`, batch: CLAIM_BATCH, leaseMs: LEASE_MS }),
    );
    let t0: bigint;
    let results: Done[];
    try {
      await Promise.all(workers.map((w) => w.ready));
      t0 = process.hrtime.bigint();
      for (const w of workers) w.go();
      results = await Promise.all(workers.map((w) => w.done));
    } catch (e) {
      for (const w of workers) w.stop();
      throw e;
    }
    await Promise.all(workers.map((w) => w.closed));
    const lastNs = results.reduce((max, r) => (BigInt(r.lastDoneNs) > max ? BigInt(r.lastDoneNs) : max), t0);
    const seconds = Number(lastNs - t0) / 1e9;

    // The check: exactly n completions, no job completed twice, and the table agrees.
    const completed = results.reduce((s, r) => s + r.completed, 0);
    const lost = results.reduce((s, r) => s + r.lost, 0);
    const distinct = new Set(results.flatMap((r) => r.ids)).size;
    const counts = await store.queue.counts();
    const t = store.driver === 'sqlite' ? '"job"' : '`job`';
    const [{ n: retaken }] = (await store.ds.query(`SELECT COUNT(*) AS n FROM ${t} WHERE attempts <> 1`)) as Array<{
      n: number | string;
    }>;
    const notes = [
      `${n} jobs, ${QUEUE_WORKERS} worker processes claiming ${CLAIM_BATCH} at a time (${LEASE_MS / 1000} s lease) and completing each; ` +
        `${seconds.toFixed(2)} s from start to last completion; per process ${results.map((r) => r.completed).join(' + ')}; ` +
        `${results.reduce((s, r) => s + r.claims, 0)} claims, ` +
        `${results.reduce((s, r) => s + r.emptyClaims, 0)} of them empty while jobs were queued (retried after 5 ms); ` +
        `peak RSS is the larger worker's`,
    ];
    if (completed !== n) notes.push(`WARNING: ${completed} completions for ${n} jobs`);
    if (distinct !== completed) notes.push(`WARNING: ${completed - distinct} jobs completed twice`);
    if (lost) notes.push(`WARNING: ${lost} completions refused (lease lost)`);
    if ((counts.done ?? 0) !== n)
      notes.push(`WARNING: the job table holds ${counts.done ?? 0} done jobs of ${n} (${JSON.stringify(counts)})`);
    if (Number(retaken) !== 0) notes.push(`WARNING: ${retaken} jobs were claimed more than once`);
    return {
      ok: true,
      bytes: 0,
      seconds,
      ops: completed,
      peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
      notes,
    };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// records

async function recordsRow(job: Job, db: Scratch): Promise<WorkerResult> {
  const files = job.count ?? 100;
  const perFile = job.perFile ?? 100;
  const payloads = job.driver === 'sqlite' ? 'file' : 'database';
  const { Store } = await import('../src/store/store');
  const { parseBuffer } = await import('../src/edi/parse');
  const { builtInProfiles } = await import('../src/config/profiles');
  const { TransactionRecord } = await import('../src/store/entities');
  const profiles = builtInProfiles().set;
  profiles.find('x12', '850', '004010');
  const store = await Store.open(db.url, { payloads, payloadDir: join(db.dir, 'payloads') });
  try {
    await store.migrate();
    let ns = 0n;
    let bytes = 0;
    let records = 0;
    let errors = 0;
    let warnings = 0;
    let segments = 0;
    for (let i = 1; i <= files; i++) {
      // Untimed: the file, its parse (full, with the 850 profile), and the tracked PO numbers.
      const gen = x12PurchaseOrders(RECORDS_SEED, i, perFile);
      const buf = Buffer.from(gen.text, 'utf8');
      const parsed = parseBuffer(buf, { level: 'full', profiles });
      if (parsed.interchanges.length !== 1)
        throw new Error(`file ${i}: ${parsed.interchanges.length} interchanges, expected 1`);
      const ic = parsed.interchanges[0];
      const txs = ic.groups.flatMap((g) => g.transactions);
      if (txs.length !== perFile)
        throw new Error(`file ${i}: parsed ${txs.length} transaction sets, expected ${perFile}`);
      const pos = txs.map((tx) => String(tx.segments.find((s) => s.id === 'BEG')?.elements[2] ?? ''));
      for (const d of [
        ...ic.errors,
        ...parsed.diagnostics,
        ...ic.groups.flatMap((g) => [...g.errors, ...g.transactions.flatMap((tx) => tx.errors)]),
      ]) {
        if (d.severity === 'error') errors++;
        else warnings++;
      }
      bytes += buf.length;
      segments += gen.segments;

      // Timed: what the store does with a file it takes in.
      const t0 = process.hrtime.bigint();
      const r = await store.receive({
        direction: 'in',
        transport: 'sftp',
        bytes: buf,
        partnerId: 'acme',
        fileName: `po-${i}.edi`,
        remotePath: `/in/po-${i}.edi`,
      });
      const rec = await store.transaction((m) =>
        store.recordInterchange(m, {
          message: r.message,
          interchange: ic,
          partnerId: 'acme',
          tracked: (k) => ({ po: pos[k] }),
        }),
      );
      ns += process.hrtime.bigint() - t0;
      records += rec.transactions.length;
    }
    const seconds = Number(ns) / 1e9;
    const inTable = await store.ds.getRepository(TransactionRecord).count();
    const notes = [
      `${files} files of ${perFile} X12 850s (${(bytes / files / 1024).toFixed(0)} KiB each), ` +
        `payloads ${payloads === 'file' ? 'in files (written and fsynced per file)' : 'in the database (LONGBLOB)'}; ` +
        `timed: receive + recordInterchange (2 transactions a file), parse untimed; ${(files / seconds).toFixed(1)} files/s`,
    ];
    if (records !== files * perFile)
      notes.push(`WARNING: recordInterchange returned ${records} transaction records, expected ${files * perFile}`);
    if (inTable !== files * perFile)
      notes.push(`WARNING: edi_transaction holds ${inTable} rows, expected ${files * perFile}`);
    return {
      ok: true,
      bytes,
      seconds,
      ops: records,
      transactions: records,
      segments,
      errors,
      warnings,
      peakRssMb: peakRssMb(),
      notes,
    };
  } finally {
    await store.close();
  }
}

/** Runs one store row on a fresh database of its driver and removes the database afterwards. */
export async function storeRow(job: Job): Promise<WorkerResult> {
  let db: Scratch;
  try {
    db = await scratch(job.driver ?? 'sqlite');
  } catch (e) {
    if (e instanceof Unreachable)
      return { ok: false, skipped: true, bytes: 0, seconds: 0, peakRssMb: peakRssMb(), error: e.message };
    throw e;
  }
  try {
    return job.kind === 'store-jobs' ? await jobsRow(job, db) : await recordsRow(job, db);
  } finally {
    await db.drop();
  }
}
