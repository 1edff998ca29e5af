/** What the parent asks a worker to measure, and what the worker sends back. */

export type Suite = 'x12' | 'edifact' | 'memory' | 'store' | 'pipeline' | 'sftp' | 'as2' | 'large' | 'cli';

export type Kind =
  | 'ceiling-utf8'
  | 'ceiling-latin1'
  | 'ours-envelope'
  | 'ours-full'
  | 'ours-canonical'
  | 'ours-translate'
  | 'node-x12-stream'
  | 'node-x12-parse'
  | 'edifact-package'
  | 'store-jobs'
  | 'store-records'
  | 'pipeline-e2e'
  | 'sftp-files'
  | 'sftp-big'
  | 'as2-receive'
  | 'as2-bound'
  | 'large-envelope'
  | 'large-full'
  | 'large-e2e'
  | 'cli-read'
  | 'cli-command';

export type StoreDriver = 'sqlite' | 'mariadb';

/** Who receives the uploads of an sftp row: the gateway's hosted SFTP server, or OpenSSH's sshd (the baseline). */
export type SftpServerKind = 'gateway' | 'sshd';

/** Who receives the AS2 messages of an as2 row: the gateway, or a receiver built with the npm libas2 package (the baseline). */
export type As2ReceiverKind = 'gateway' | 'libas2';

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
  /** Store and pipeline rows: the database the row runs on (a fresh one, dropped afterwards). */
  driver?: StoreDriver;
  /** store-jobs: jobs to enqueue and drain; store-records: files to receive and record; pipeline-e2e: 850s in all. */
  count?: number;
  /** store-records and pipeline-e2e: X12 850 transaction sets per file (one interchange per file). */
  perFile?: number;
  /** sftp rows: the server that receives the uploads. */
  server?: SftpServerKind;
  /** sftp-files: parallel OpenSSH `sftp -b` clients, each uploading count / clients files. */
  clients?: number;
  /** sftp-files: untimed uploads from the same clients before the timed ones (default none). */
  warmup?: number;
  /** sftp-files: bytes per file; sftp-big: bytes of the one file; cli rows: bytes of the file they read. */
  fileBytes?: number;
  /** cli-command: the edi-gateway arguments before the file (`['validate']`). */
  command?: string[];
  /** as2-receive: the receiver, the payload size of each message, and the requests in flight (count is the timed messages). */
  receiver?: As2ReceiverKind;
  payloadBytes?: number;
  concurrency?: number;
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
  /** Pipeline rows: seconds from the first file dropped to the end of each phase (see bench/pipeline.ts). */
  phases?: PipelinePhases;
  /** sftp rows: what else was measured (see bench/sftp.ts). */
  sftp?: SftpDetail;
  /** as2 rows: what else was measured (see bench/as2.ts). */
  as2?: As2Detail;
}

/** The as2 rows' details, beside seconds and ops (messages); the bound row has only the openssl figures. */
export interface As2Detail {
  receiver: As2ReceiverKind | 'openssl';
  /** Payload bytes of each message (receive rows). */
  payloadBytes?: number;
  concurrency?: number;
  /** Messages with every check passed, and those that failed one (receive rows). */
  ok?: number;
  failures?: number;
  /** Key transport and HTTP transfer encoding of the messages sent. */
  keyTransport?: string;
  transferEncoding?: string;
  /** Seconds the load process took to build all its messages (untimed). */
  buildSeconds?: number;
  /** POST to whole MDN, ms, over the timed messages. */
  p50Ms?: number;
  p99Ms?: number;
  /** Gateway rows: seconds after the first POST when every process job was done (the workers' backlog), if within the wait. */
  processedAt?: number;
  /** How the peak RSS was taken. */
  rss?: string;
  /** CPU seconds (user + system, all threads) the receiver used in the timed part, and per timed message (ms). */
  cpuSeconds?: number;
  cpuMsPerMessage?: number;
  /** ...of which the receiver's main thread (its event loop), ms per timed message. */
  mainCpuMsPerMessage?: number;
  /** ...by thread name (`main`, each crypto thread, V8's and libuv's helpers), ms per timed message. */
  threadCpuMsPerMessage?: Record<string, number>;
  /** CPU seconds the load process used in the timed part. */
  loadCpuSeconds?: number;
  /** The bound row: `openssl speed rsa2048` sign/s and verify/s (one process, CPU time), and what they allow per core. */
  signPerSec?: number;
  verifyPerSec?: number;
  boundPerCore?: number;
}

/** The sftp rows' details, beside seconds (files rows: ops = files; big rows: bytes = the file's size). */
export interface SftpDetail {
  server: SftpServerKind;
  /** Seconds from the first client start until the last client exited. */
  clientsExited: number;
  /** Gateway rows: seconds from the first client start until the message table held every file (what `seconds` is). */
  committed?: number;
  /** Big rows: seconds from the client start until the file was whole on the server (its size polled every 20 ms). */
  uploaded?: number;
  /** Cipher and MAC the OpenSSH client negotiated with the server (from `sftp -v` on an untimed login). */
  cipher?: string;
  /** How the peak RSS was taken (gateway: its VmHWM; sshd: the largest sum of VmRSS over its processes). */
  rss: string;
}

/** When each phase of a pipeline row ended, in seconds after the first file was dropped into the inbox. */
export interface PipelinePhases {
  /** The last file taken in (its `file taken in` log line: payload durable, message and job committed). */
  intake: number;
  /** The last `process` job completed (parsed, recorded, acknowledged, routed, mapped, deliveries queued). */
  processed: number;
  /** The ack folder holds every 997 (polled every 25 ms). */
  acks: number;
  /** The HTTP sink answered the last mapped document. */
  delivered: number;
  /** The HTTP sink answered the first mapped document. */
  firstDelivery: number;
}

export interface Row {
  suite: Suite;
  impl: string;
  mbPerSec: number;
  /**
   * Transactions per second (0 for the ceilings, which count no transactions); for the store rows,
   * jobs claimed and completed per second (jobs) or edi_transaction rows written per second (records);
   * for the pipeline rows, 850s taken in and delivered per second, end to end; for the sftp files
   * rows, files per second (received by sshd, or committed by the gateway).
   */
  opsPerSec: number;
  peakRssMb: number;
  bytes: number;
  seconds: number;
  transactions?: number;
  segments?: number;
  errors?: number;
  warnings?: number;
  /** Store and pipeline rows: the count opsPerSec is over. */
  ops?: number;
  /** Pipeline rows: when each phase ended (seconds after the first file was dropped). */
  phases?: PipelinePhases;
  /** Pipeline rows: opsPerSec over Bots' published ~55 messages/s (published, not measured here). */
  vsBots?: number;
  /** sftp rows: see SftpDetail. */
  sftp?: SftpDetail;
  /** as2 rows: see As2Detail. */
  as2?: As2Detail;
  /**
   * mbPerSec over the suite baseline's (node-x12 stream / edifact package); for the store suite,
   * opsPerSec over the sqlite row of the same kind; for the pipeline suite, opsPerSec over the
   * 1,000 transactions/s target; for the sftp suite, the gateway's files/s (or MB/s) over sshd's in
   * the same run (the sshd rows show 1.00x); for the as2 suite, the gateway's messages/s over the libas2
   * receiver's with the same payload size in the same run (the libas2 rows show 1.00x).
   */
  ratio?: number;
  /** mbPerSec over the suite's read+decode ceiling; for the as2 receive rows, messages/s over the openssl crypto bound per core. */
  ofCeiling?: number;
  runs: number;
  note?: string;
  failed?: boolean;
  /** Could not run here (MariaDB not reachable); failed is set too. */
  skipped?: boolean;
}
