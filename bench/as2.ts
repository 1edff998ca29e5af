/**
 * The as2 rows (suite `as2`), run by worker.ts in the row's own process: inbound AS2 messages per
 * second, signed and encrypted, each answered with a signed sync MDN, sent by a separate load process
 * (bench/as2-load.ts, `concurrency` requests in flight on keep-alive connections) to
 *
 * - `gateway`: the real gateway (`node bin/edi-gateway.js start`, a child of this one) on SQLite in a
 *   scratch folder, its AS2 listener on a free port, our AS2 key and certificate made by the gateway
 *   on its first start (certs/our), one partner (ACME) whose file requires signed and encrypted
 *   messages; no routes and no acks (intake is what is measured), but its two workers parse and record
 *   every message meanwhile, as in production. An MDN is sent only after the message is committed.
 * - `libas2`: the baseline, an AS2 receiver built with the npm libas2 package (bench/as2-libas2.ts),
 *   which decrypts, verifies, writes each payload to a file of its own (fsynced, and its folder) and
 *   answers with a signed sync MDN;
 * - `as2-bound`: `openssl speed -seconds 2 -mr rsa2048` in the same run: RSA-2048 signs and verifies
 *   per second of one core's CPU time, and the bound they put on receiving a message (one private-key
 *   operation to unwrap the content-encryption key, one verify of the partner's signature, one sign
 *   of the MDN): 1 / (2 / sign + 1 / verify) messages per second per core.
 *
 * Timing (in the load process): from the first timed POST until the last MDN has been read; every
 * message built before (untimed), and `warmup` messages sent first (untimed) on the same connections.
 * Peak RSS: the receiving process's VmHWM (/proc/<pid>/status) right after the last MDN.
 *
 * The messages are built by our own builder (src/transports/as2/message.ts): SHA-256 signature,
 * AES-256-CBC. For the gateway PKCS#1 v1.5 key transport and a binary body (RFC 4130's default, what
 * openssl and most products send); for libas2 RSAES-OAEP and a base64 body, the form it can read (see
 * bench/as2-libas2.ts). BENCH_AS2_FORM=libas2 sends the gateway that form too.
 *
 * Run by hand (a gateway profile: node options given to the worker go on to the receiver, not the load):
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/worker.js \
 *     '{"suite":"as2","impl":"p","kind":"as2-receive","files":[],"receiver":"gateway","count":3000,"payloadBytes":10240,"concurrency":16}'
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { LoadDone, LoadReady, LoadSpec, LoadTally } from './as2-load';
import type { Libas2Spec, Libas2Stats } from './as2-libas2';
import { Gateway, readLog, sleep, vmHwmMb, writeIntakeConfig, type LogLine } from './pipeline';
import { scratch } from './store';
import type { As2Detail, Job, WorkerResult } from './types';

const LOAD = join(__dirname, 'as2-load.js');
const LIBAS2 = join(__dirname, 'as2-libas2.js');
/** Untimed messages sent before the timed ones (one per connection). */
const WARMUP = Number(process.env.BENCH_AS2_WARMUP ?? 16);
/** Past this the row stops waiting for the load (the run's own timeout is 420 s). */
const BUDGET_MS = 300_000;
/** After the last MDN, how long to wait for the gateway's workers to finish the process jobs (for the note). */
const PROCESS_WAIT_MS = 60_000;
const POLL_MS = 50;
const OUR_ID = 'OURCOMPANY-AS2';
const PARTNER_ID = 'ACME-AS2';
const MiB = 1024 * 1024;
/**
 * libas2 hands the decrypted MIME entity, a Buffer, to emailjs-mime-parser, which makes a string of it
 * with `String.fromCharCode.apply(null, buffer)`: one argument per byte on the stack. With Node's
 * default stack that throws RangeError (Maximum call stack size exceeded) past ~125 KB, and libas2
 * answers `failed/failure=Maximum call stack size exceeded`. Payloads above LIBAS2_STACK_ABOVE are
 * therefore received by a libas2 process with a 64 MiB stack (ulimit -s, node --stack-size), which
 * changes nothing else; BENCH_AS2_LIBAS2_STACK=0 runs it with the default stack (and shows the failure).
 */
const LIBAS2_STACK_KB = 65_536;
const LIBAS2_STACK_ABOVE = 100 * 1024;

class Missing extends Error {}

const fmtCounts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';
const size = (bytes: number) =>
  bytes >= MiB
    ? `${(bytes / MiB).toFixed(bytes % MiB ? 1 : 0)} MiB`
    : `${(bytes / 1024).toFixed(bytes % 1024 ? 1 : 0)} KiB`;

function haveOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** An RSA-2048 key (PKCS#8 PEM) and a self-signed certificate for it, made by openssl. */
function keyPair(dir: string, name: string, cn: string): { key: string; cert: string } {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '365',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { key, cert };
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => res(port));
    });
  });
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/**
 * CPU seconds (user + system, all its threads) a live process has used, or with `mainThread` its main
 * thread alone (the event loop: what the other threads do not relieve); undefined when /proc cannot say.
 */
function cpuSeconds(pid: number, mainThread = false): number | undefined {
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of each thread of a live process (the main thread as `main`, the others by name and
 * thread id), so that a row can say which threads a change moved work off or on; {} when /proc
 * cannot say.
 */
function cpuByThread(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // Node leaves its threads unnamed (all "node"): the thread id tells them apart.
        const key = Number(tid) === pid ? 'main' : `${name}/${tid}`;
        out[key] = (out[key] ?? 0) + (Number(f[11]) + Number(f[12])) / CLK_TCK;
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    return {};
  }
  return out;
}

/** Flushes dirty pages (the last row's payloads) so that their writeback does not land in the timed part. */
function settleDisk(): void {
  spawnSync('sync');
}

// ---------------------------------------------------------------------------------------------
// the load process

type FromLoad = LoadReady | LoadDone | { type: 'error'; error: string };

class Load {
  readonly child: ChildProcess;
  private readonly messages: FromLoad[] = [];
  private wake: (() => void) | undefined;
  private exited = false;

  constructor(spec: LoadSpec) {
    // No node options of ours (a --cpu-prof is for the receiver).
    this.child = fork(LOAD, [JSON.stringify(spec)], { stdio: ['ignore', 2, 2, 'ipc'], execArgv: [] });
    this.child.on('message', (m) => {
      this.messages.push(m as FromLoad);
      this.wake?.();
    });
    this.child.on('exit', () => {
      this.exited = true;
      this.wake?.();
    });
  }

  /** The next message of the given type; throws on an error from the load, its exit, the receiver's exit or the time budget. */
  async next<T extends FromLoad['type']>(
    type: T,
    alive: () => boolean,
    ms = BUDGET_MS,
  ): Promise<Extract<FromLoad, { type: T }>> {
    const until = Date.now() + ms;
    for (;;) {
      const m = this.messages.shift();
      if (m?.type === 'error') throw new Error(`the load process failed: ${m.error}`);
      if (m?.type === type) return m as Extract<FromLoad, { type: T }>;
      if (m) continue;
      if (this.exited) throw new Error(`the load process exited before "${type}"`);
      if (!alive()) throw new Error('the receiver exited during the run');
      if (Date.now() > until) throw new Error(`no "${type}" from the load process within ${ms / 1000} s`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 250);
      });
      this.wake = undefined;
    }
  }

  go(): void {
    this.child.send('go');
  }

  stop(): void {
    if (!this.exited && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGKILL');
  }
}

function loadProblems(what: string, t: LoadTally): string[] {
  if (t.failures === 0 && t.ok === t.sent) return [];
  return [`WARNING: ${t.failures} of ${t.sent} ${what} messages failed a check (${t.firstFailures.join(' | ')})`];
}

interface Measured {
  ready: LoadReady;
  done: LoadDone;
  hwm: number | undefined;
  /** CPU seconds the receiver used in the timed part. */
  cpu: number | undefined;
  /** ...of which its main thread. */
  mainCpu: number | undefined;
  /** ...by thread name (see cpuByThread). */
  threadCpu: Record<string, number>;
}

/** Builds (untimed), warms up, then times the load against a receiver whose pid is `pid`. */
async function drive(spec: LoadSpec, pid: number, alive: () => boolean): Promise<Measured> {
  const load = new Load(spec);
  try {
    const ready = await load.next('ready', alive);
    settleDisk();
    const cpu0 = cpuSeconds(pid);
    const main0 = cpuSeconds(pid, true);
    const threads0 = cpuByThread(pid);
    load.go();
    const done = await load.next('done', alive);
    const cpu1 = cpuSeconds(pid);
    const main1 = cpuSeconds(pid, true);
    const threads1 = cpuByThread(pid);
    const threadCpu: Record<string, number> = {};
    for (const [name, s] of Object.entries(threads1)) threadCpu[name] = s - (threads0[name] ?? 0);
    const hwm = vmHwmMb(pid);
    const spent = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined ? undefined : b - a;
    return { ready, done, hwm, cpu: spent(cpu0, cpu1), mainCpu: spent(main0, main1), threadCpu };
  } finally {
    load.stop();
  }
}

function detailOf(job: Job, spec: LoadSpec, m: Measured, rss: string): As2Detail {
  return {
    receiver: job.receiver ?? 'gateway',
    payloadBytes: spec.payloadBytes,
    concurrency: spec.concurrency,
    ok: m.done.ok,
    failures: m.done.failures,
    keyTransport: spec.keyTransport,
    transferEncoding: spec.transferEncoding,
    buildSeconds: Number(m.ready.buildSeconds.toFixed(2)),
    p50Ms: Number(m.done.p50.toFixed(1)),
    p99Ms: Number(m.done.p99.toFixed(1)),
    rss,
    ...(m.cpu === undefined
      ? {}
      : { cpuSeconds: Number(m.cpu.toFixed(2)), cpuMsPerMessage: Number(((m.cpu * 1000) / spec.count).toFixed(2)) }),
    ...(m.mainCpu === undefined ? {} : { mainCpuMsPerMessage: Number(((m.mainCpu * 1000) / spec.count).toFixed(2)) }),
    threadCpuMsPerMessage: Object.fromEntries(
      Object.entries(m.threadCpu)
        .filter(([, s]) => s > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([name, s]) => [name, Number(((s * 1000) / spec.count).toFixed(2))]),
    ),
    loadCpuSeconds: Number(m.done.cpuSeconds.toFixed(2)),
  };
}

/** What the receiver and the load cost in CPU over the timed part: the figure the machine's other work does not change much. */
function cpuNote(who: string, spec: LoadSpec, m: Measured): string {
  const per = (s: number) => `${((s * 1000) / spec.count).toFixed(2)} ms`;
  const receiver =
    m.cpu === undefined
      ? `${who}: CPU not readable`
      : `${who} used ${m.cpu.toFixed(1)} s of CPU (${per(m.cpu)} per message, ` +
        `${((m.cpu / m.done.seconds) * 100).toFixed(0)}% of one core; ` +
        `${(spec.count / m.cpu).toFixed(spec.count / m.cpu < 10 ? 1 : 0)} messages per CPU second` +
        `${m.mainCpu === undefined ? '' : `; its main thread ${per(m.mainCpu)} per message`})`;
  return `CPU over the timed part: ${receiver}, the load process ${m.done.cpuSeconds.toFixed(1)} s (${per(m.done.cpuSeconds)} per message)`;
}

function howSent(spec: LoadSpec, m: Measured): string {
  return (
    `${spec.count} messages of ${size(spec.payloadBytes)} (one X12 850 each), signed (SHA-256) and encrypted (AES-256-CBC, ` +
    `${spec.keyTransport === 'rsaes-oaep' ? 'RSAES-OAEP' : 'PKCS#1 v1.5'} key transport), ` +
    `${spec.transferEncoding} body (${size(m.ready.bodyBytes / spec.count)} on average), each asking for a signed sync MDN; ` +
    `built by src/transports/as2/message.ts in the load process before timing ` +
    `(${m.ready.buildSeconds.toFixed(1)} s), ${spec.warmup} more sent first untimed; ` +
    `${spec.concurrency} in flight (keep-alive); timed from the first POST until the last MDN was read; ` +
    `latency p50 ${m.done.p50.toFixed(0)} ms, p99 ${m.done.p99.toFixed(0)} ms`
  );
}

function form(job: Job): Pick<LoadSpec, 'keyTransport' | 'transferEncoding' | 'lenientMdn'> {
  const libas2 = job.receiver === 'libas2' || process.env.BENCH_AS2_FORM === 'libas2';
  return libas2
    ? { keyTransport: 'rsaes-oaep', transferEncoding: 'base64', lenientMdn: job.receiver === 'libas2' }
    : { keyTransport: 'rsaes-pkcs1-v1_5', transferEncoding: 'binary' };
}

// ---------------------------------------------------------------------------------------------
// the gateway

function writeGatewayConfig(dir: string, port: number, partnerCert: string): string {
  const threads = process.env.BENCH_AS2_CRYPTO_THREADS;
  const warmup = process.env.BENCH_AS2_CRYPTO_WARMUP;
  return writeIntakeConfig(dir, {
    identity: [`as2: { id: ${OUR_ID}, key: certs/our/as2.key, certificate: certs/our/as2.pem }`],
    // BENCH_AS2_CRYPTO_THREADS sets as2.cryptoThreads (0: the crypto on the event loop), to compare the two;
    // BENCH_AS2_CRYPTO_WARMUP sets as2.cryptoWarmup (0: threads start cold).
    listener:
      `as2: { port: ${port}${threads === undefined ? '' : `, cryptoThreads: ${threads}`}` +
      `${warmup === undefined ? '' : `, cryptoWarmup: ${warmup}`} }`,
    partner: [
      `identifiers: { x12: [{ qualifier: ZZ, id: ACME }], as2: ${PARTNER_ID} }`,
      `certificates: { as2: ${partnerCert} }`,
      'inbound: { as2: { signed: required, encrypted: required } }',
    ],
  });
}

/** The gateway's SQLite file, opened read-only. */
class GatewayDb {
  private readonly db: InstanceType<typeof Database>;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  }

  messages(): Array<{
    as2MessageId: string | null;
    sha256: string;
    size: number;
    transport: string;
    mdnDisposition: string | null;
  }> {
    return this.db
      .prepare(`SELECT as2MessageId, sha256, size, transport, mdnDisposition FROM "message" WHERE direction = 'in'`)
      .all() as ReturnType<GatewayDb['messages']>;
  }

  processJobs(): Record<string, number> {
    const rows = this.db
      .prepare(`SELECT status AS s, COUNT(*) AS n FROM "job" WHERE kind = 'process' GROUP BY status`)
      .all() as Array<{ s: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.s, Number(r.n)]));
  }

  /** Inbound edi_transaction rows by their validation outcome. */
  transactions(): Record<string, number> {
    const rows = this.db
      .prepare(
        `SELECT validation AS s, COUNT(*) AS n FROM "edi_transaction" WHERE direction = 'in' GROUP BY validation`,
      )
      .all() as Array<{ s: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.s, Number(r.n)]));
  }

  lastProcessed(): number | undefined {
    const r = this.db
      .prepare(`SELECT MAX(updatedAt) AS t FROM "job" WHERE kind = 'process' AND status = 'done'`)
      .get() as { t: string | null } | undefined;
    return r?.t ? rowTime(r.t) : undefined;
  }

  close(): void {
    this.db.close();
  }
}

/** A row's date column as the store writes it on SQLite (UTC, `YYYY-MM-DD HH:MM:SS.sss`). */
function rowTime(v: string): number {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`).getTime();
}

function why(l: LogLine): string {
  const e = l.error ?? l.err;
  return e === undefined ? '' : `: ${(typeof e === 'object' ? JSON.stringify(e) : String(e)).slice(0, 200)}`;
}

async function gatewayRow(job: Job): Promise<WorkerResult> {
  const db = await scratch('sqlite');
  const dir = db.dir;
  let gw: Gateway | undefined;
  let gdb: GatewayDb | undefined;
  try {
    const partner = keyPair(join(dir, 'certs/acme'), 'as2', PARTNER_ID);
    const port = await freePort();
    const config = writeGatewayConfig(dir, port, 'certs/acme/as2.pem');
    gw = new Gateway(config, db.url, join(dir, 'gateway.log'));
    await gw.ready();
    const pid = gw.child.pid!;
    const spec: LoadSpec = {
      url: `http://127.0.0.1:${port}/as2`,
      count: job.count ?? 3000,
      warmup: WARMUP,
      concurrency: job.concurrency ?? 16,
      payloadBytes: job.payloadBytes ?? 10 * 1024,
      firstIcn: 1,
      as2From: PARTNER_ID,
      as2To: OUR_ID,
      senderKey: partner.key,
      senderCert: partner.cert,
      receiverCert: join(dir, 'certs/our/as2.pem'),
      ...form(job),
    };
    const g = gw;
    const m = await drive(spec, pid, () => g.running);
    const jobsAtEnd = (gdb = new GatewayDb(db.url.slice('sqlite:'.length))).processJobs();

    // Untimed: how far behind the workers were, then the checks.
    const total = spec.warmup + spec.count;
    const until = Date.now() + PROCESS_WAIT_MS;
    let jobs = jobsAtEnd;
    while (Date.now() < until && gw.running && (jobs.done ?? 0) + (jobs.dead ?? 0) < total) {
      await sleep(POLL_MS);
      jobs = gdb.processJobs();
    }
    const last = gdb.lastProcessed();
    const processedAt =
      (jobs.done ?? 0) === total && last ? Number(((last - m.done.startedAt) / 1000).toFixed(2)) : undefined;
    const rows = gdb.messages();
    const txs = gdb.transactions();
    const stop = await gw.stop();
    const log = readLog(gw.logPath);
    const problems = log.filter((l) => (l.level ?? 30) >= 40);
    const received = log.filter((l) => l.msg === 'as2 received').length;

    const notes: string[] = [];
    const warn = (w: string) => notes.push(`WARNING: ${w}`);
    notes.push(
      `${howSent(spec, m)}; the real gateway (SQLite, payloads in files, workers: 2 in 1 process), no routes or acks, ` +
        `but the workers parse and record every message meanwhile ` +
        `(process jobs at the last MDN: ${fmtCounts(jobsAtEnd)}; ` +
        `${processedAt !== undefined ? `all done ${processedAt} s after the first POST` : `after ${PROCESS_WAIT_MS / 1000} s more: ${fmtCounts(jobs)}`})`,
      "peak RSS: the gateway's VmHWM at the last MDN",
      cpuNote('the gateway (all its threads)', spec, m),
    );
    notes.push(...loadProblems('warm-up', m.ready.warmup), ...loadProblems('timed', m.done));
    if (m.hwm === undefined) warn('could not read VmHWM of the gateway');
    if (stop.killed) warn('the gateway did not stop after SIGTERM and was killed');
    else if (stop.code !== 0)
      warn(`the gateway exited with ${stop.signal ?? `code ${stop.code}`} after SIGTERM, not 0`);
    const want = new Map(m.ready.messages.map((x) => [x.messageId, x]));
    const as2Rows = rows.filter((r) => r.transport === 'as2');
    const wrong = as2Rows.filter((r) => {
      const w = r.as2MessageId ? want.get(r.as2MessageId) : undefined;
      return !w || w.sha256 !== r.sha256 || w.size !== r.size;
    }).length;
    const notProcessed = as2Rows.filter((r) => r.mdnDisposition !== 'processed').length;
    if (rows.length !== total || as2Rows.length !== total)
      warn(`${rows.length} inbound message rows (${as2Rows.length} as2) for ${total} messages sent`);
    if (new Set(as2Rows.map((r) => r.as2MessageId)).size !== as2Rows.length) warn('a Message-ID was stored twice');
    if (wrong) warn(`${wrong} message rows do not match a message sent (Message-ID, sha256, size)`);
    if (notProcessed) warn(`${notProcessed} message rows without mdnDisposition 'processed'`);
    if (received !== total) warn(`${received} "as2 received" log lines for ${total} messages`);
    if ((jobs.dead ?? 0) > 0) warn(`${jobs.dead} process jobs dead`);
    const txCount = Object.values(txs).reduce((a, b) => a + b, 0);
    if ((jobs.done ?? 0) === total && (txCount !== total || Object.keys(txs).some((v) => v !== 'valid')))
      warn(`inbound edi_transaction rows: ${fmtCounts(txs)}; expected ${total} valid`);
    if (problems.length)
      warn(
        `${problems.length} warn/error lines in the gateway log (${[...new Set(problems.map((l) => `${l.msg}${why(l)}`))].slice(0, 3).join(' | ')})`,
      );
    if (notes.every((x) => !x.startsWith('WARNING'))) {
      notes.push(
        `checked: every MDN signed by the gateway's key, processed, for our Message-ID, with our MIC; ` +
          `${as2Rows.length} message rows, each a message sent (Message-ID, sha256, size), MDN recorded processed; ` +
          `edi_transaction: ${fmtCounts(txs)}; gateway exit 0 after SIGTERM`,
      );
    }
    const detail = detailOf(job, spec, m, "the gateway's VmHWM at the last MDN");
    if (processedAt !== undefined) detail.processedAt = processedAt;
    return {
      ok: true,
      bytes: m.ready.payloadBytes,
      seconds: m.done.seconds,
      ops: m.done.ok,
      peakRssMb: m.hwm ?? 0,
      notes,
      as2: detail,
    };
  } finally {
    gdb?.close();
    if (gw?.running) await gw.stop();
    if (!process.env.BENCH_KEEP) await db.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// the libas2 receiver

class Libas2Server {
  readonly child: ChildProcess;
  private port: number | undefined;
  private stats: Libas2Stats | undefined;
  private code: number | null | undefined;
  private stderr = '';

  constructor(spec: Libas2Spec, bigStack: boolean) {
    // The worker's own node options (--cpu-prof when profiled by hand) go on to the receiver, as to the gateway.
    const args = [...process.execArgv, LIBAS2, JSON.stringify(spec)];
    this.child = bigStack
      ? // A stack of 64 MiB for the main thread (ulimit -s), and V8 allowed to use it: see LIBAS2_STACK.
        spawn(
          'sh',
          [
            '-c',
            `ulimit -s ${LIBAS2_STACK_KB} && exec "$0" --stack-size=${LIBAS2_STACK_KB - 4096} "$@"`,
            process.execPath,
            ...args,
          ],
          { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] },
        )
      : spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child.on('message', (m: { type: string; port?: number }) => {
      if (m.type === 'listening') this.port = m.port;
      else if (m.type === 'stats') this.stats = m as Libas2Stats;
    });
    this.child.on('exit', (code) => {
      this.code = code;
    });
  }

  get running(): boolean {
    return this.code === undefined;
  }

  async ready(): Promise<number> {
    const until = Date.now() + 30_000;
    while (this.port === undefined) {
      if (!this.running) throw new Error(`the libas2 receiver exited (${this.code}): ${this.stderr.slice(-1500)}`);
      if (Date.now() > until) throw new Error('the libas2 receiver did not listen within 30 s');
      await sleep(20);
    }
    return this.port;
  }

  /** SIGTERM; its stats and exit code (SIGKILL after 30 s). */
  async stop(): Promise<{ stats?: Libas2Stats; code: number | null | undefined; stderr: string }> {
    if (this.running && this.child.pid !== undefined) {
      process.kill(this.child.pid, 'SIGTERM');
      const until = Date.now() + 30_000;
      while (this.running && Date.now() < until) await sleep(20);
      if (this.running) process.kill(this.child.pid, 'SIGKILL');
      while (this.running) await sleep(20);
    }
    return { stats: this.stats, code: this.code, stderr: this.stderr };
  }
}

async function libas2Row(job: Job): Promise<WorkerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'edigw-bench-libas2-'));
  let server: Libas2Server | undefined;
  try {
    const host = keyPair(join(dir, 'certs'), 'host', 'LIBAS2-HOST');
    const partner = keyPair(join(dir, 'certs'), 'partner', PARTNER_ID);
    const payloads = join(dir, 'payloads');
    const payloadBytes = job.payloadBytes ?? 10 * 1024;
    const bigStack = payloadBytes > LIBAS2_STACK_ABOVE && process.env.BENCH_AS2_LIBAS2_STACK !== '0';
    server = new Libas2Server(
      {
        port: 0,
        dir: payloads,
        hostId: OUR_ID,
        partnerId: PARTNER_ID,
        hostKey: host.key,
        hostCert: host.cert,
        partnerCert: partner.cert,
      },
      bigStack,
    );
    const port = await server.ready();
    const spec: LoadSpec = {
      url: `http://127.0.0.1:${port}/as2`,
      count: job.count ?? 150,
      warmup: WARMUP,
      concurrency: job.concurrency ?? 16,
      payloadBytes,
      firstIcn: 1,
      as2From: PARTNER_ID,
      as2To: OUR_ID,
      senderKey: partner.key,
      senderCert: partner.cert,
      receiverCert: host.cert,
      ...form(job),
    };
    const s = server;
    const m = await drive(spec, server.child.pid!, () => s.running);
    const stop = await server.stop();

    // Untimed: what was written.
    const total = spec.warmup + spec.count;
    const notes: string[] = [];
    const warn = (w: string) => notes.push(`WARNING: ${w}`);
    notes.push(
      `${howSent(spec, m)}; an AS2 receiver built with libas2 0.8.2 (bench/as2-libas2.ts, one process): ` +
        `AS2Parser.parse, AS2Disposition.outgoing (decrypt, verify, MDN signed with SHA-256), ` +
        'each payload written to a file of its own and fsynced (and its folder) before the MDN is answered' +
        (bigStack
          ? `; run with a ${LIBAS2_STACK_KB / 1024} MiB stack (ulimit -s ${LIBAS2_STACK_KB}, ` +
            `node --stack-size=${LIBAS2_STACK_KB - 4096}): with Node's default stack libas2 fails on every payload above ~125 KB ` +
            "(emailjs-mime-parser's String.fromCharCode.apply over the decrypted entity: RangeError, MDN failed/failure=Maximum call stack size exceeded)"
          : ''),
      "peak RSS: the libas2 receiver's VmHWM at the last MDN",
      cpuNote('the libas2 receiver (all its threads)', spec, m),
    );
    notes.push(...loadProblems('warm-up', m.ready.warmup), ...loadProblems('timed', m.done));
    const lenient = m.ready.warmup.lenient + m.done.lenient;
    if (lenient)
      notes.push(
        `${lenient} of ${total} MDNs verify only without the CRLF that ends the signed report (libas2 signs it so; ` +
          `openssl smime -verify and our parseMdn refuse them): the load accepts them, as libas2's own verify does`,
      );
    const want = new Map(m.ready.messages.map((x) => [x.sha256, x]));
    const files = existsSync(payloads) ? readdirSync(payloads) : [];
    let exact = 0;
    let withCrlf = 0;
    let other = 0;
    for (const f of files) {
      const bytes = readFileSync(join(payloads, f));
      const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      if (want.has(hash(bytes))) exact++;
      else if (bytes.subarray(-2).toString('latin1') === '\r\n' && want.has(hash(bytes.subarray(0, -2)))) withCrlf++;
      else other++;
    }
    if (withCrlf)
      notes.push(
        `${withCrlf} of ${files.length} payload files are the payload sent with a CRLF appended (libas2 keeps the CRLF that precedes the multipart boundary)`,
      );
    if (other) warn(`${other} payload files are no payload sent`);
    if (files.length !== total) warn(`${files.length} payload files for ${total} messages`);
    if (!stop.stats) warn(`the libas2 receiver sent no stats (exit ${stop.code}): ${stop.stderr.slice(-300)}`);
    else {
      if (stop.stats.refused || stop.stats.errors)
        warn(
          `the libas2 receiver refused ${stop.stats.refused} and failed on ${stop.stats.errors} requests (${stop.stats.firstProblems.join(' | ')})`,
        );
      if (stop.stats.processed !== total) warn(`the libas2 receiver processed ${stop.stats.processed} of ${total}`);
    }
    if (stop.code !== 0) warn(`the libas2 receiver exited with ${stop.code} after SIGTERM`);
    if (m.hwm === undefined) warn('could not read VmHWM of the libas2 receiver');
    if (notes.every((x) => !x.startsWith('WARNING'))) {
      notes.push(
        `checked: every MDN signed by the receiver's key, processed, for our Message-ID, with our MIC; ` +
          `${files.length} payload files, each a payload sent (${exact} as sent, ${withCrlf} with the CRLF); receiver exit 0 after SIGTERM`,
      );
    }
    return {
      ok: true,
      bytes: m.ready.payloadBytes,
      seconds: m.done.seconds,
      ops: m.done.ok,
      peakRssMb: m.hwm ?? 0,
      notes,
      as2: detailOf(job, spec, m, "the libas2 receiver's VmHWM at the last MDN"),
    };
  } finally {
    if (server?.running) await server.stop();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// the crypto bound

/**
 * `openssl speed -seconds 2 -mr rsa2048`: one process, and the rates over its CPU time (openssl's
 * default; -elapsed would divide by wall time, which other jobs on the machine stretch).
 */
function boundRow(): WorkerResult {
  const t0 = performance.now();
  const r = spawnSync('openssl', ['speed', '-seconds', '2', '-mr', 'rsa2048'], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`openssl speed failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  // -mr: the rates (+F2) on stdout, the counts and CPU seconds (+R1 signs, +R2 verifies) on stderr.
  const out = `${r.stdout}\n${r.stderr}`;
  const f = /^\+F2:\d+:2048:([\d.]+):([\d.]+)/m.exec(out);
  if (!f) throw new Error(`no +F2 line for rsa2048 in the output of openssl speed -mr: ${out.slice(-500)}`);
  const sign = Number(f[1]);
  const verify = Number(f[2]);
  const bound = 1 / (2 / sign + 1 / verify);
  const r1 = /^\+R1:(\d+):2048:([\d.]+)/m.exec(out);
  const r2 = /^\+R2:(\d+):2048:([\d.]+)/m.exec(out);
  const version = run('openssl', ['version']).trim();
  const notes = [
    `${version}, openssl speed -seconds 2 -mr rsa2048 (one process): ${sign.toFixed(0)} signs/s and ${verify.toFixed(0)} verifies/s over its CPU time ` +
      `(${r1 ? `${r1[1]} signs in ${r1[2]} s CPU` : '?'}, ${r2 ? `${r2[1]} verifies in ${r2[2]} s CPU` : '?'}, ${seconds.toFixed(1)} s wall)`,
    `receiving a signed and encrypted message with a signed MDN takes one RSA private-key operation to unwrap ` +
      `the content-encryption key, one verify and one sign (for the MDN): ` +
      `1 / (2 / ${sign.toFixed(0)} + 1 / ${verify.toFixed(0)}) = ${bound.toFixed(0)} messages/s per core, ` +
      `the RSA work alone (no AES, SHA-256, MIME, HTTP or storage); ` +
      `not multiplied by the cores: each receiver here is one Node process doing its RSA on its main thread, ` +
      `and the other core runs the load process; over both cores it would be ${(2 * bound).toFixed(0)}`,
  ];
  return {
    ok: true,
    bytes: 0,
    seconds,
    peakRssMb: 0,
    notes,
    as2: { receiver: 'openssl', signPerSec: sign, verifyPerSec: verify, boundPerCore: bound },
  };
}

/** Runs one as2 row; without openssl (keys and the bound) the row is skipped, not a crash. */
export async function as2Row(job: Job): Promise<WorkerResult> {
  try {
    if (!haveOpenssl())
      throw new Missing('skipped: openssl is not installed (it makes the keys and measures the crypto bound)');
    if (job.kind === 'as2-bound') return boundRow();
    return job.receiver === 'libas2' ? await libas2Row(job) : await gatewayRow(job);
  } catch (e) {
    if (e instanceof Missing) return { ok: false, skipped: true, bytes: 0, seconds: 0, peakRssMb: 0, error: e.message };
    throw e;
  }
}
