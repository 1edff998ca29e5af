/** What the parent asks a worker to measure, and what the worker sends back. */

export type Suite = 'x12' | 'edifact' | 'memory' | 'store';

export type Kind =
  | 'ceiling-utf8'
  | 'ceiling-latin1'
  | 'ours-envelope'
  | 'ours-full'
  | 'ours-canonical'
  | 'node-x12-stream'
  | 'node-x12-parse'
  | 'edifact-package'
  | 'store-jobs'
  | 'store-records';

export type StoreDriver = 'sqlite' | 'mariadb';

export interface Job {
  suite: Suite;
  impl: string;
  kind: Kind;
  /** Files read one after the other; MB/s is over their total size. */
  files: string[];
  /** node-x12 parse: read only the first sliceBytes of files[0]. */
  sliceBytes?: number;
  /** Transactions the generator wrote into what this job reads (for the agreement check). */
  expectedTransactions?: number;
  /** Segments the generator wrote, envelope segments included (UNA excluded). */
  expectedSegments?: number;
  /** Streaming rows stop reading once this much time is spent, and report MB/s over what they read. */
  budgetSeconds?: number;
  note?: string;
  /** Store rows: the database the row runs on (a fresh one, dropped afterwards). */
  driver?: StoreDriver;
  /** store-jobs: jobs to enqueue and drain; store-records: files to receive and record. */
  count?: number;
  /** store-records: X12 850 transaction sets per file. */
  perFile?: number;
}

export interface WorkerResult {
  ok: boolean;
  /** Bytes of input processed. */
  bytes: number;
  /** Wall time of the work only (process.hrtime.bigint around it). */
  seconds: number;
  /** Transactions (X12 ST..SE, EDIFACT UNH..UNT) the implementation reported; absent for the ceilings. */
  transactions?: number;
  /** Segments, envelope segments (ISA/IEA, GS/GE, UNB/UNZ, UNG/UNE) included. */
  segments?: number;
  /** Characters decoded (ceilings only). */
  chars?: number;
  /** Diagnostics of severity error / warning (our parser only). */
  errors?: number;
  warnings?: number;
  /** Transactions that came with a loop tree (our full parse only). */
  trees?: number;
  /** process.resourceUsage().maxRSS of the worker, in MiB. */
  peakRssMb: number;
  /** The time budget ran out before the end of the input: bytes is what was read. */
  stoppedEarly?: boolean;
  totalBytes?: number;
  error?: string;
  /** Store rows: what opsPerSec counts (jobs claimed and completed, or edi_transaction rows written). */
  ops?: number;
  /** Store rows: what the row's note should say (how it ran, and WARNING: where a check failed). */
  notes?: string[];
  /** The row could not run here (MariaDB not reachable): reported as failed and skipped, not as a crash. */
  skipped?: boolean;
}

export interface Row {
  suite: Suite;
  impl: string;
  mbPerSec: number;
  /**
   * Transactions per second (0 for the ceilings, which count no transactions); for the store rows,
   * jobs claimed and completed per second (jobs) or edi_transaction rows written per second (records).
   */
  opsPerSec: number;
  peakRssMb: number;
  bytes: number;
  seconds: number;
  transactions?: number;
  segments?: number;
  errors?: number;
  warnings?: number;
  /** Store rows: the count opsPerSec is over. */
  ops?: number;
  /**
   * mbPerSec over the suite baseline's (node-x12 stream / edifact package); for the store suite,
   * opsPerSec over the sqlite row of the same kind.
   */
  ratio?: number;
  /** mbPerSec over the suite's read+decode ceiling. */
  ofCeiling?: number;
  runs: number;
  note?: string;
  failed?: boolean;
  /** Could not run here (MariaDB not reachable); failed is set too. */
  skipped?: boolean;
}
