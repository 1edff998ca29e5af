/**
 * The pipeline rows (suite `pipeline`), run by worker.ts in the row's own process: the real gateway
 * (`node bin/edi-gateway.js start`, a child process) takes in X12 850s dropped into a partner's inbox
 * folder, acknowledges each interchange with a 997 to a `file` endpoint and delivers every 850, mapped
 * by JSONata to JSON, to a local HTTP sink served by this process. End to end, on SQLite or MariaDB:
 *
 *   1. untimed: a fresh database and scratch folder, gateway.yaml + partners/acme.yaml + the map, the
 *      HTTP sink, the input files generated in memory, the gateway started and running;
 *   2. timed from the first file dropped (written to a staging folder, renamed into the inbox) until
 *      the sink has answered every mapped document AND the ack folder holds every 997;
 *   3. then: VmHWM of the gateway from /proc/<pid>/status, SIGTERM (exit 0 expected), and the checks
 *      against the database (every inbound transaction `delivered`, every job done, no delivery dead).
 *
 * Run by hand (a profile of the gateway: node options given to the worker go on to the gateway):
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/worker.js \
 *     '{"suite":"pipeline","impl":"p","kind":"pipeline-e2e","files":[],"driver":"sqlite","count":10000,"perFile":100}'
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Rng } from './gen';
import { type Scratch, withScratch } from './store';
import type { Job, PipelinePhases, WorkerResult } from './types';

/** Worker processes the gateway runs (gateway.yaml `processes`); BENCH_PIPELINE_PROCESSES overrides. */
const PROCESSES = Number(process.env.BENCH_PIPELINE_PROCESSES ?? 1);

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/edi-gateway.js');
const SEED = 0x850e2e;
/** The map of the shipped example partner (partners/acme/maps/850-to-order.jsonata), copied so the row does not change when the example does. */
const MAP = `/* ACME's 850 purchase order as the order our ERP takes (input: the transaction tree). */
{
  "po": BEG.BEG03,
  "date": BEG.BEG05,
  "lines": [PO1_loop.{
    "qty": $number(PO1.PO102),
    "unit": PO1.PO103,
    "price": $number(PO1.PO104),
    "sku": PO1.PO107
  }]
}
`;
/** How often the ack folder is counted while the row runs. */
const POLL_MS = 25;
/** Past this the row stops waiting and reports what was delivered so far (the run's own timeout is 420 s). */
const DEFAULT_BUDGET_S = 300;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export interface InputFile {
  name: string;
  text: string;
  transactions: number;
}

/**
 * One X12 interchange from ACME (ZZ) to OURCOMPANY (ZZ): one PO group of `transactions` 850s, each
 * with BEG, two or three PO1 lines and CTT. Valid against the shipped 004010 850 profile (no
 * findings). Deterministic in (icn, transactions).
 */
export function acmeInterchange(icn: number, transactions: number): InputFile {
  const r = new Rng(SEED + icn);
  const ctrl = pad(icn, 9);
  const segs: string[] = [
    `ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     *240102*1230*U*00401*${ctrl}*0*P*>`,
    `GS*PO*ACME*OURCOMPANY*20240102*1230*${icn}*X*004010`,
  ];
  for (let t = 1; t <= transactions; t++) {
    const st = pad(t, 4);
    const body = [`BEG*00*SA*PO${pad(icn, 6)}${pad(t, 4)}**2024${pad(r.int(1, 12), 2)}${pad(r.int(1, 28), 2)}`];
    const lines = r.int(2, 3);
    for (let l = 1; l <= lines; l++) {
      body.push(
        `PO1*${l}*${r.int(1, 500)}*${r.pick(['EA', 'CA', 'BX'])}*${r.int(0, 999)}.${pad(r.int(0, 99), 2)}**VP*SKU${pad(r.int(0, 999999), 6)}`,
      );
    }
    body.push(`CTT*${lines}`);
    segs.push(`ST*850*${st}`, ...body, `SE*${body.length + 2}*${st}`);
  }
  segs.push(`GE*${transactions}*${icn}`, `IEA*1*${ctrl}`);
  return { name: `po-${ctrl}.x12`, text: segs.join('~\n') + '~\n', transactions };
}

/** The stand-in for the ERP: answers 200 to every POST, counts the mapped orders and keeps their PO numbers. */
class Sink {
  count = 0;
  bad = 0;
  readonly pos = new Set<string>();
  first = 0;
  last = 0;
  port = 0;
  /** TCP connections the gateway opened to the sink (few: fetch keeps them alive). */
  connections = 0;
  private server!: Server;
  private target = Infinity;
  private onAll: (() => void) | undefined;

  /** Resolves when `n` documents have been answered. */
  all(n: number): Promise<void> {
    this.target = n;
    return this.count >= n
      ? Promise.resolve()
      : new Promise((r) => {
          this.onAll = r;
        });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        try {
          const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { po?: unknown; lines?: unknown };
          if (typeof doc.po === 'string' && Array.isArray(doc.lines) && doc.lines.length >= 2) this.pos.add(doc.po);
          else this.bad++;
        } catch {
          this.bad++;
        }
        const now = Date.now();
        if (this.count++ === 0) this.first = now;
        this.last = now;
        if (this.count >= this.target && this.onAll) {
          this.onAll();
          this.onAll = undefined;
        }
      });
    });
    this.server.on('connection', () => {
      this.connections++;
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/**
 * Where the gateway keeps payload bytes: `data/payloads` (files, fsynced one by one: the shipped
 * default) unless BENCH_PIPELINE_PAYLOADS=database (a profiling knob: the bytes go into the payload
 * table, inside the transaction that records them).
 */
function payloadsSetting(): string {
  return process.env.BENCH_PIPELINE_PAYLOADS === 'database' ? 'database' : 'data/payloads';
}

function writeConfig(dir: string, sinkPort: number): string {
  const file = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  // No admin key: the admin API stays off. The database comes from DATABASE_URL.
  file(
    'gateway.yaml',
    [
      `payloads: ${payloadsSetting()}`,
      'identity:',
      '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
      `workers: 2`,
      `processes: ${PROCESSES}`,
      '',
    ].join('\n'),
  );
  file(
    'partners/acme.yaml',
    [
      'id: acme',
      'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
      'inbound: { file: { dir: inbox/acme, every: 100ms, minAge: 100ms } }',
      "acks: { x12: '997', to: acks }",
      'tracking: { po: BEG.BEG03 }',
      'routes:',
      "  - match: { standard: x12, type: '850' }",
      '    map: acme/maps/850-to-order.jsonata',
      '    to: erp',
      'endpoints:',
      `  erp: { http: { url: 'http://127.0.0.1:${sinkPort}/orders' } }`,
      '  acks: { file: { dir: out/acks } }',
      '',
    ].join('\n'),
  );
  file('partners/acme/maps/850-to-order.jsonata', MAP);
  return join(dir, 'gateway.yaml');
}

/** 997 files in the ack folder (the file endpoint writes hidden temporary names first); 0 while it does not exist. */
function count997s(dir: string): number {
  try {
    let n = 0;
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isFile() && !e.name.startsWith('.') && e.name.includes('997')) n++;
    return n;
  } catch {
    return 0;
  }
}

/**
 * gateway.yaml and partners/acme.yaml for a row that measures one transport's intake (the sftp and
 * as2 rows): no admin key, so no admin API; the database from DATABASE_URL; no routes and no acks,
 * so what is measured is intake. Our keys lie under certs/our, so the gateway makes them on its
 * first start. `identity` adds lines under `identity:`, `listener` the transport's own section,
 * `partner` what follows `id: acme`. Returns the gateway.yaml path.
 */
export function writeIntakeConfig(
  dir: string,
  o: { identity?: string[]; listener: string; partner: string[] },
): string {
  const file = (rel: string, lines: string[]) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), [...lines, ''].join('\n'));
  };
  file('gateway.yaml', [
    'payloads: data/payloads',
    'identity:',
    '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
    ...(o.identity ?? []).map((l) => `  ${l}`),
    o.listener,
    'workers: 2',
    'processes: 1',
  ]);
  file('partners/acme.yaml', ['id: acme', ...o.partner]);
  return join(dir, 'gateway.yaml');
}

/** VmHWM (peak resident set) of a live process, in MiB; undefined when /proc cannot say. */
export function vmHwmMb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LogLine {
  level?: number;
  time?: number;
  msg?: string;
  err?: unknown;
  error?: unknown;
  [k: string]: unknown;
}

export function readLog(path: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      out.push({ msg: line, level: 50 });
    }
  }
  return out;
}

export class Gateway {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private code: number | null | undefined;

  constructor(
    config: string,
    url: string,
    readonly logPath: string,
  ) {
    const fd = openSync(logPath, 'w');
    try {
      // The worker's own node options (none from run.ts; --cpu-prof when profiled by hand) go on to the gateway.
      this.child = spawn(process.execPath, [...process.execArgv, BIN, 'start', '--config', config], {
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((r) =>
      this.child.on('exit', (code, signal) => {
        this.code = code;
        r({ code, signal });
      }),
    );
  }

  get running(): boolean {
    return this.code === undefined;
  }

  async ready(): Promise<void> {
    const end = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < end) {
      if (!this.running)
        throw new Error(`the gateway exited before it ran: ${readFileSync(this.logPath, 'utf8').slice(-2000)}`);
      if (readFileSync(this.logPath, 'utf8').includes('"msg":"gateway running"')) return;
      await sleep(50);
    }
    throw new Error(`the gateway did not start within ${START_TIMEOUT_MS / 1000} s`);
  }

  /** SIGTERM and the exit code; SIGKILL after STOP_TIMEOUT_MS. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
    if (!this.running) return { ...(await this.exited), killed: false };
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), STOP_TIMEOUT_MS);
    });
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first !== 'late') return { ...first, killed: false };
    this.child.kill('SIGKILL');
    return { ...(await this.exited), killed: true };
  }
}

interface DbCheck {
  /** deliveryStatus of the inbound edi_transaction rows. */
  inbound: Record<string, number>;
  jobs: Record<string, number>;
  deliveries: Record<string, number>;
  /** When the last process job completed and the first/last message was received (epoch ms). */
  processedAt?: number;
}

async function checkDatabase(url: string): Promise<DbCheck> {
  const { Store } = await import('../src/store/store');
  const { quote, rowDate } = await import('../src/store/sql');
  const store = await Store.open(url, { payloads: 'database' });
  try {
    const q = (name: string) => quote(store.driver, name);
    const byStatus = async (sql: string): Promise<Record<string, number>> => {
      const rows = await store.query<Array<{ s: string; n: number | string }>>(sql);
      return Object.fromEntries(rows.map((r) => [r.s, Number(r.n)]));
    };
    const inbound = await byStatus(
      `SELECT deliveryStatus AS s, COUNT(*) AS n FROM ${q('edi_transaction')} WHERE direction = 'in' GROUP BY deliveryStatus`,
    );
    const jobs = await byStatus(
      `SELECT ${store.driver === 'sqlite' ? "kind || ':' || status" : "CONCAT(kind, ':', status)"} AS s, COUNT(*) AS n FROM ${q('job')} GROUP BY kind, status`,
    );
    const deliveries = await byStatus(`SELECT status AS s, COUNT(*) AS n FROM ${q('delivery')} GROUP BY status`);
    const [p] = await store.query<Array<{ t: unknown }>>(
      `SELECT MAX(updatedAt) AS t FROM ${q('job')} WHERE kind = 'process' AND status = 'done'`,
    );
    return { inbound, jobs, deliveries, processedAt: p?.t ? rowDate(p.t).getTime() : undefined };
  } finally {
    await store.close();
  }
}

const fmtCounts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

async function run(job: Job, db: Scratch): Promise<WorkerResult> {
  const total = job.count ?? 10_000;
  const perFile = job.perFile ?? 100;
  const files = Math.ceil(total / perFile);
  const budgetMs = (job.budgetSeconds ?? DEFAULT_BUDGET_S) * 1000;
  const dir = db.dir;
  const sink = new Sink();
  await sink.start();
  let gw: Gateway | undefined;
  try {
    const config = writeConfig(dir, sink.port);
    const inbox = join(dir, 'inbox/acme');
    const staging = join(dir, 'staging');
    const acks = join(dir, 'out/acks');
    mkdirSync(inbox, { recursive: true });
    mkdirSync(staging, { recursive: true });

    // Untimed: the input, in memory; the last file takes what is left when total is not a multiple of perFile.
    const input: InputFile[] = [];
    for (let i = 1; i <= files; i++) input.push(acmeInterchange(i, Math.min(perFile, total - (i - 1) * perFile)));
    const bytes = input.reduce((n, f) => n + Buffer.byteLength(f.text), 0);

    gw = new Gateway(config, db.url, join(dir, 'gateway.log'));
    await gw.ready();
    const pid = gw.child.pid!;

    // Timed from here: each file written to the staging folder (same file system), then renamed into the inbox.
    const t0 = Date.now();
    const all = sink.all(total);
    for (const f of input) {
      const tmp = join(staging, f.name);
      writeFileSync(tmp, f.text);
      renameSync(tmp, join(inbox, f.name));
    }
    const dropped = Date.now();
    let acksAt = 0;
    let delivered = false;
    void all.then(() => {
      delivered = true;
    });
    const deadline = t0 + budgetMs;
    while (Date.now() < deadline && gw.running) {
      if (!acksAt && count997s(acks) >= files) acksAt = Date.now();
      if (acksAt && delivered) break;
      await sleep(POLL_MS);
    }
    if (!gw.running) {
      const { code, signal } = await gw.exited;
      throw new Error(
        `the gateway exited (${signal ?? `code ${code}`}) during the run: ${readFileSync(gw.logPath, 'utf8').slice(-1500)}`,
      );
    }
    const end = Math.max(acksAt, delivered ? sink.last : 0);
    const complete = acksAt > 0 && delivered;
    const stoppedAt = Date.now();
    const peak = vmHwmMb(pid);
    const ackFiles = count997s(acks);
    const stop = await gw.stop();

    const log = readLog(gw.logPath);
    const taken = log.filter((l) => l.msg === 'file taken in');
    const lastTaken = taken.reduce((m, l) => Math.max(m, Number(l.time ?? 0)), 0);
    const problems = log.filter((l) => (l.level ?? 30) >= 40);
    const check = await checkDatabase(db.url);

    const seconds = ((complete ? end : stoppedAt) - t0) / 1000;
    const s = (t: number) => Number(((t - t0) / 1000).toFixed(3));
    const phases: PipelinePhases = {
      intake: s(lastTaken || t0),
      processed: s(check.processedAt ?? t0),
      acks: s(acksAt || stoppedAt),
      delivered: s(sink.last || stoppedAt),
      firstDelivery: s(sink.first || stoppedAt),
    };
    const notes = [
      `${total} X12 850s in ${files} files of ${perFile} (one interchange each, ${(bytes / 1024 / 1024).toFixed(1)} MB), ` +
        `the real gateway (workers: 2 in each of ${PROCESSES} process${PROCESSES === 1 ? '' : 'es'}), ` +
        `file inbox polled every 100 ms (minAge 100 ms), one 997 per file to a file endpoint, each 850 mapped by JSONata and POSTed to a local HTTP sink, ` +
        `payloads ${payloadsSetting() === 'database' ? 'in the database (BENCH_PIPELINE_PAYLOADS=database)' : 'in files'}; ` +
        `timed from the first file dropped until the sink had every document and the ack folder every 997`,
      `phases (s after the first drop): files dropped ${s(dropped)}, intake done ${phases.intake}, processing done ${phases.processed}, ` +
        `first delivery ${phases.firstDelivery}, all 997s ${phases.acks}, all delivered ${phases.delivered}`,
      `${sink.connections} HTTP connection(s) to the sink; peak RSS is the gateway's VmHWM`,
    ];
    if (!complete) {
      notes.push(
        `time budget: stopped waiting after ${(budgetMs / 1000).toFixed(0)} s with ${sink.count} of ${total} ` +
          `documents delivered and ${ackFiles} of ${files} 997s; tx/s is over what was delivered`,
      );
    }
    const warn = (w: string) => notes.push(`WARNING: ${w}`);
    if (peak === undefined) warn('could not read VmHWM of the gateway');
    if (stop.killed) warn(`the gateway did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM and was killed`);
    else if (stop.code !== 0)
      warn(`the gateway exited with ${stop.signal ?? `code ${stop.code}`} after SIGTERM, not 0`);
    if (complete) {
      if (sink.count !== total) warn(`the sink got ${sink.count} documents for ${total} transactions`);
      if (sink.pos.size !== total) warn(`${sink.pos.size} distinct PO numbers at the sink for ${total} transactions`);
      if (sink.bad) warn(`${sink.bad} documents at the sink were not mapped orders`);
      if (ackFiles !== files) warn(`${ackFiles} files in the ack folder for ${files} interchanges`);
      if (taken.length !== files) warn(`${taken.length} "file taken in" log lines for ${files} files`);
      if ((check.inbound.delivered ?? 0) !== total)
        warn(`edi_transaction (in): ${fmtCounts(check.inbound)}; expected ${total} delivered`);
      const notDone = Object.entries(check.jobs).filter(([k]) => !k.endsWith(':done') && !k.startsWith('maintenance:'));
      if (notDone.length) warn(`jobs not done: ${fmtCounts(Object.fromEntries(notDone))}`);
      if ((check.deliveries.delivered ?? 0) !== total + files)
        warn(`deliveries: ${fmtCounts(check.deliveries)}; expected ${total + files} delivered`);
    }
    if (complete && notes.every((n) => !n.startsWith('WARNING'))) {
      notes.push(
        `checked: ${sink.pos.size} distinct mapped orders at the sink, ${ackFiles} 997 files, ` +
          `${check.inbound.delivered} inbound edi_transaction rows delivered, ` +
          `${check.deliveries.delivered} deliveries delivered, every job done, gateway exit 0 after SIGTERM`,
      );
    }
    if (problems.length) {
      const why = (l: LogLine) => {
        const e = l.error ?? l.err;
        return e === undefined ? '' : `: ${(typeof e === 'object' ? JSON.stringify(e) : String(e)).slice(0, 200)}`;
      };
      const sample = [...new Set(problems.map((l) => `${l.msg}${why(l)}`))].slice(0, 3);
      warn(`${problems.length} warn/error lines in the gateway log (${sample.join(' | ')})`);
    }
    return {
      ok: true,
      bytes,
      seconds,
      ops: complete ? total : sink.count,
      transactions: complete ? total : sink.count,
      peakRssMb: peak ?? 0,
      phases,
      notes,
    };
  } finally {
    if (gw?.running) await gw.stop();
    await sink.stop();
  }
}

/** Runs one pipeline row on a fresh database of its driver and removes the database and folder afterwards. */
export async function pipelineRow(job: Job): Promise<WorkerResult> {
  return withScratch(job, (db) => run(job, db));
}
