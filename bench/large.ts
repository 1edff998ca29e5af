/**
 * The large-file rows (suite `large`), run by worker.ts in the row's own process: one X12 file of
 * 850s of about 1 MiB each (1 GiB by default; BENCH_LARGE_MB sets the size, so the row can run
 * smaller when time is short), in interchanges of 50 sets, made once under the system's temp folder
 * and shared by the rows of a run:
 *
 *   - `large-envelope`: the envelope-only scan of the file (the parser's floor: no segment decoded);
 *   - `large-full`: every segment decoded, loop tree and profile validation, nothing kept (the work
 *     the process step cannot do without);
 *   - `large-e2e`: the real gateway (`node bin/edi-gateway.js start`) takes the file in from a
 *     partner's inbox folder and processes it streamed (ADR 0010-c): every set recorded, a 997 per
 *     interchange to a file endpoint (and with BENCH_LARGE_ROUTE=raw each interchange delivered once
 *     by a `raw` route to another). Timed from the file's rename into the inbox until every 997 (and
 *     raw interchange) is written; peak RSS is the gateway's VmHWM (target: under 300 MB for 1 GiB),
 *     and the note gives the child process that runs the job (gateway.yaml jobs.childHeap) apart.
 */
import {
  closeSync,
  copyFileSync,
  createReadStream,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway, readLog, sleep, vmHwmMb } from './pipeline';
import { type Scratch, withScratch } from './store';
import type { Job, WorkerResult } from './types';

const MiB = 1024 * 1024;
/** The file's size in MiB: BENCH_LARGE_MB, default 1024. */
export function largeMb(): number {
  const n = Number(process.env.BENCH_LARGE_MB ?? 1024);
  return Number.isFinite(n) && n > 0 ? n : 1024;
}
const SETS_PER_INTERCHANGE = 50;
/** PO1 lines per 850: about 37 bytes each, so a set is about 1 MiB. */
export const LINES = 28_000;
const POLL_MS = 200;
const DEFAULT_BUDGET_S = 1500;

export interface LargeFile {
  path: string;
  bytes: number;
  interchanges: number;
  transactions: number;
}

function order(po: string): string {
  const out: string[] = [`BEG*00*SA*${po}**20240102`];
  for (let i = 1; i <= LINES; i++) out.push(`PO1*${i}*${(i % 90) + 10}*EA*9.5**VP*SKU-${i}`);
  out.push(`CTT*${LINES}`);
  return out.map((s) => `${s}~\n`).join('');
}

/** The file for `mb` MiB (whole interchanges, at least that size), made once and reused while its size fits. */
export function largeFile(mb = largeMb()): LargeFile {
  const dir = join(tmpdir(), 'edigw-bench-large');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `large-${mb}MB.x12`);
  const body = order('PO-0');
  const perSet = Buffer.byteLength(body) + 40;
  const transactions = Math.max(1, Math.ceil((mb * MiB) / perSet));
  const interchanges = Math.ceil(transactions / SETS_PER_INTERCHANGE);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) return { path, bytes: statSync(path).size, interchanges, transactions };
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    let n = 0;
    for (let ic = 1; ic <= interchanges; ic++) {
      const ctrl = String(ic).padStart(9, '0');
      const sets = Math.min(SETS_PER_INTERCHANGE, transactions - n);
      writeSync(
        fd,
        `ISA*00*          *00*          ` +
          `*ZZ*${'BULK'.padEnd(15)}*ZZ*${'OURCOMPANY'.padEnd(15)}*240102*1230*U*00401*${ctrl}*0*P*>~\nGS*PO*BULK*OURCOMPANY*20240102*1230*${ic}*X*004010~\n`,
      );
      for (let t = 1; t <= sets; t++) {
        const st = String(t).padStart(4, '0');
        const text = order(`PO-${ic}-${t}`);
        writeSync(fd, `ST*850*${st}~\n${text}SE*${LINES + 4}*${st}~\n`);
      }
      n += sets;
      writeSync(fd, `GE*${sets}*${ic}~\nIEA*1*${ctrl}~\n`);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  writeFileSync(meta, JSON.stringify({ interchanges, transactions }));
  return { path, bytes: statSync(path).size, interchanges, transactions };
}

/** CPU seconds (user + system) a live process and its exited child processes have used; undefined when /proc cannot say. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    // utime and stime, fields 14 and 15 of stat(5), and cutime and cstime (16, 17: its child processes
    // that exited, such as those that ran large process jobs), in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/** The rate over CPU time, the figure to compare when the machine is shared (wall-clock MB/s then says little). */
function perCpu(bytes: number, cpu: number | undefined): string {
  return cpu ? `${(bytes / MiB / cpu).toFixed(1)} MB per CPU-second (${cpu.toFixed(0)} CPU-s)` : 'CPU time unknown';
}

function vmRssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The processes `pid` started (the child processes that run large payloads' process jobs), from /proc. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * The RSS of the gateway and of the child processes it starts (a large payload's process job runs in
 * one, gateway.yaml jobs.childHeap): the children's peak, and the largest sum of both at once.
 */
class FamilyRss {
  childPeak = 0;
  sumPeak = 0;
  processingPeak = 0;
  readonly children = new Set<number>();
  constructor(private readonly pid: number) {}

  sample(processing: boolean): void {
    let sum = vmRssMb(this.pid) ?? 0;
    for (const c of childPids(this.pid)) {
      this.children.add(c);
      const rss = vmRssMb(c) ?? 0;
      sum += rss;
      this.childPeak = Math.max(this.childPeak, vmHwmMb(c) ?? rss);
    }
    this.sumPeak = Math.max(this.sumPeak, sum);
    if (processing) this.processingPeak = Math.max(this.processingPeak, sum);
  }
}

function peakRss(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** The parser alone over the file: envelope only, or full (profiles, loop trees), keeping nothing. */
async function parseRow(job: Job, f: LargeFile): Promise<WorkerResult> {
  const { parseStream } = await import('../src/edi/parse');
  const { builtInProfiles } = await import('../src/config/profiles');
  const full = job.kind === 'large-full';
  const profiles = full ? builtInProfiles().set : undefined;
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  let transactions = 0;
  for await (const ev of parseStream(
    createReadStream(f.path, { highWaterMark: MiB }),
    full ? { level: 'full', profiles } : { level: 'envelope' },
  )) {
    if (ev.kind === 'transaction') transactions++;
  }
  const seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const notes = [perCpu(f.bytes, (cpu.user + cpu.system) / 1e6)];
  if (transactions !== f.transactions)
    notes.push(`WARNING: ${transactions} transaction sets read, the file holds ${f.transactions}`);
  return { ok: true, bytes: f.bytes, seconds, transactions, peakRssMb: peakRss(), notes };
}

/**
 * BENCH_LARGE_ROUTE=raw adds a raw route (each interchange, 50 MB here, delivered once to a folder).
 * Off by default: a deliver job reads its document whole, so the row would measure 50 MB documents
 * in flight beside the process step it is about.
 */
function rawRoute(): boolean {
  return process.env.BENCH_LARGE_ROUTE === 'raw';
}

function writeConfig(dir: string): string {
  const file = (rel: string, lines: string[]) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), [...lines, ''].join('\n'));
  };
  file('gateway.yaml', [
    'payloads: data/payloads',
    'identity:',
    '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
    'workers: 2',
    'processes: 1',
    // BENCH_LARGE_CHILD_HEAP: the child process's heap cap (gateway.yaml jobs.childHeap; `off`: in the worker).
    ...(process.env.BENCH_LARGE_CHILD_HEAP ? [`jobs: { childHeap: ${process.env.BENCH_LARGE_CHILD_HEAP} }`] : []),
  ]);
  file('partners/bulk.yaml', [
    'id: bulk',
    'identifiers: { x12: [{ qualifier: ZZ, id: BULK }] }',
    'inbound: { file: { dir: inbox/bulk, every: 100ms, minAge: 100ms } }',
    "acks: { x12: '997', to: acks }",
    'tracking: { po: BEG.BEG03 }',
    ...(rawRoute() ? ["routes: [{ match: { type: '850' }, format: raw, to: archive }]"] : []),
    'endpoints: { acks: { file: { dir: out/acks } }, archive: { file: { dir: out/archive } } }',
  ]);
  return join(dir, 'gateway.yaml');
}

function countFiles(dir: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).length;
  } catch {
    return 0;
  }
}

async function e2eRow(job: Job, f: LargeFile, db: Scratch): Promise<WorkerResult> {
  const dir = db.dir;
  const config = writeConfig(dir);
  const inbox = join(dir, 'inbox/bulk');
  const staging = join(dir, 'staging');
  mkdirSync(inbox, { recursive: true });
  mkdirSync(staging, { recursive: true });
  // Untimed: the file in a staging folder beside the inbox (a link where the file system allows one).
  const staged = join(staging, 'large.x12');
  try {
    linkSync(f.path, staged);
  } catch {
    copyFileSync(f.path, staged);
  }
  const gw = new Gateway(config, db.url, join(dir, 'gateway.log'));
  try {
    await gw.ready();
    const pid = gw.child.pid!;
    const t0 = Date.now();
    renameSync(staged, join(inbox, 'large.x12'));
    const deadline = t0 + (job.budgetSeconds ?? DEFAULT_BUDGET_S) * 1000;
    let done = false;
    let peak = 0;
    // A large payload's process job runs in a child process of the gateway (gateway.yaml
    // jobs.childHeap): its RSS is sampled apart, and with the gateway's as the sum of both at once.
    const rss = new FamilyRss(pid);
    while (Date.now() < deadline && gw.running) {
      peak = Math.max(peak, vmHwmMb(pid) ?? 0);
      // What the process step takes shows apart from the first 997 on (the first interchange done).
      rss.sample(countFiles(join(dir, 'out/acks')) > 0);
      if (
        countFiles(join(dir, 'out/acks')) >= f.interchanges &&
        (!rawRoute() || countFiles(join(dir, 'out/archive')) >= f.interchanges)
      ) {
        done = true;
        break;
      }
      await sleep(POLL_MS);
    }
    const seconds = (Date.now() - t0) / 1000;
    if (!gw.running) {
      const { code, signal } = await gw.exited;
      return {
        ok: false,
        bytes: f.bytes,
        seconds,
        peakRssMb: peak,
        error: `the gateway exited (${signal ?? `code ${code}`}) during the run`,
      };
    }
    peak = Math.max(peak, vmHwmMb(pid) ?? 0);
    const cpu = cpuSeconds(pid);
    const stop = await gw.stop();
    const problems = readLog(gw.logPath).filter((l) => (l.level ?? 30) >= 40);
    const notes = [
      `${(f.bytes / MiB).toFixed(0)} MB of X12 850s (${f.transactions} sets of ~1 MiB in ${f.interchanges} interchanges), ` +
        `the real gateway (workers: 2, SQLite, payloads in files), ` +
        `file inbox; processed streamed: every set recorded, ` +
        `a 997 per interchange to a file ` +
        `endpoint${rawRoute() ? ', each interchange once by a raw route (BENCH_LARGE_ROUTE=raw)' : ', no route (BENCH_LARGE_ROUTE=raw adds one)'}; ` +
        `peak RSS is the gateway's VmHWM`,
      `gateway: ${perCpu(f.bytes, cpu)} (its child processes included); peak RSS column: the gateway process's VmHWM; ` +
        `${rss.children.size} child process(es) ran the process job: their peak RSS ${rss.childPeak.toFixed(0)} MB (VmHWM sampled every ${POLL_MS} ms); ` +
        `gateway + child processes at once, sampled: ${rss.sumPeak.toFixed(0)} MB; from the first 997 on: ${rss.processingPeak.toFixed(0)} MB`,
    ];
    if (!done)
      notes.push(
        `WARNING: stopped waiting after ${seconds.toFixed(0)} s: ` +
          `${countFiles(join(dir, 'out/acks'))} of ${f.interchanges} 997s, ${countFiles(join(dir, 'out/archive'))} raw interchanges`,
      );
    if (stop.code !== 0)
      notes.push(`WARNING: the gateway exited with ${stop.signal ?? `code ${stop.code}`} after SIGTERM`);
    if (problems.length)
      notes.push(
        `WARNING: ${problems.length} warn/error lines in the gateway log (${[...new Set(problems.map((l) => l.msg))].slice(0, 3).join(' | ')})`,
      );
    return {
      ok: true,
      bytes: f.bytes,
      seconds,
      transactions: done ? f.transactions : undefined,
      peakRssMb: peak,
      notes,
    };
  } finally {
    if (gw.running) await gw.stop();
  }
}

export async function largeRow(job: Job): Promise<WorkerResult> {
  const f = largeFile();
  if (job.kind !== 'large-e2e') return parseRow(job, f);
  return withScratch(job, (db) => e2eRow(job, f, db));
}
