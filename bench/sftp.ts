/**
 * The sftp rows (suite `sftp`), run by worker.ts in the row's own process: uploads with the real
 * OpenSSH client (`sftp -b`) to the gateway's hosted SFTP server (the real `edi-gateway start`
 * process, a child of this one) and, as the baseline, to OpenSSH's own sshd (internal-sftp, from
 * ../shared/peers/conf/sshd_config) with the same clients, commands and files:
 *
 * - `sftp-files`: `count` files of `fileBytes` (X12 850 interchanges, padded with line feeds to the
 *   size) from `clients` parallel `sftp -b` clients, each putting its share as `NAME.part` and renaming
 *   it to `NAME` (the way partners are told to upload: the gateway takes a file in on that rename
 *   and answers the rename only after the commit);
 * - `sftp-big`: one file of `fileBytes` (1 GiB; generated on disk in 1 MiB blocks), put and renamed
 *   the same way by one client.
 *
 * Before the timed part, a files row uploads `warmup` other files the same way (untimed; the gateway
 * also waits for them to be committed and processed) and then waits for freed inodes to age (settleMs).
 *
 * Timing: from the first client start. Gateway: until the message table holds every file (its
 * SQLite file, read-only, polled every 20 ms; a row there means the payload is durable and the
 * message committed). sshd has no commit: until the last client exited. The gateway runs with no
 * routes and no acks (intake is what is measured), but its workers still parse and record each file
 * as it arrives, as they would in production.
 *
 * Peak RSS: gateway, its VmHWM (from /proc/<pid>/status): for the files row at the last commit; for
 * the big row the last 20 ms sample before the message's receivedAt (the payload durable), because
 * the process job then reads the whole payload into memory (that figure is in the note). sshd: the
 * largest sum of VmRSS over the listener and its per-connection processes, sampled every 50 ms.
 *
 * Run by hand (a gateway profile: node options given to the worker go on to the gateway):
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/worker.js \
 *     '{"suite":"sftp","impl":"p","kind":"sftp-files","files":[],"server":"gateway","count":1000,"clients":8,"fileBytes":5120}'
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { acmeInterchange, Gateway, readLog, sleep, vmHwmMb, writeIntakeConfig } from './pipeline';
import { scratch } from './store';
import type { Job, SftpDetail, WorkerResult } from './types';

const ROOT = resolve(__dirname, '../..');
const SSHD = '/usr/sbin/sshd';
/** The throwaway sshd's config the peer tests use (placeholders @DIR@ and @CHROOT@, user edisftp). */
const SSHD_CONFIG = process.env.BENCH_SSHD_CONFIG ?? resolve(ROOT, '../shared/peers/conf/sshd_config');
/** How often the gateway's message table is counted (and, for the big row, its VmHWM sampled). */
const POLL_MS = 20;
/** How often sshd's processes are sampled for their RSS. */
const SSHD_SAMPLE_MS = 50;
/** Past this the row stops waiting (the run's own timeout is 420 s). */
const BUDGET_MS = 300_000;
/** After the big file is committed, how long to wait for the gateway's process job (for the note's RSS figure). */
const PROCESS_WAIT_MS = 60_000;
const MiB = 1024 * 1024;

const mb = (bytes: number) => bytes / MiB;
const secs = (ms: number) => Number((ms / 1000).toFixed(3));

class Missing extends Error {}

function have(program: string): boolean {
  return program.startsWith('/') ? existsSync(program) : spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  return r.stdout;
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

async function waitForPort(port: number, ms: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive()) throw new Error('the server exited');
    const open = await new Promise<boolean>((res) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        res(true);
      });
      s.once('error', () => res(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
}

// ---------------------------------------------------------------------------------------------
// input and clients

interface Input {
  /** Local file paths and their names on the server, in upload order. */
  files: Array<{ local: string; name: string; sha256: string; bytes: number }>;
  bytes: number;
}

/** `count` X12 interchanges of ACME 850s (control numbers from `first`), each padded with line feeds to exactly `size` bytes. */
function smallFiles(dir: string, count: number, size: number, first = 1): Input {
  mkdirSync(dir, { recursive: true });
  const files: Input['files'] = [];
  for (let i = first; i < first + count; i++) {
    let n = Math.max(1, Math.floor(size / 150));
    let f = acmeInterchange(i, n);
    while (Buffer.byteLength(f.text) > size && n > 1) f = acmeInterchange(i, --n);
    const text = f.text + '\n'.repeat(Math.max(0, size - Buffer.byteLength(f.text)));
    const local = join(dir, f.name);
    writeFileSync(local, text);
    files.push({
      local,
      name: f.name,
      sha256: createHash('sha256').update(text).digest('hex'),
      bytes: Buffer.byteLength(text),
    });
  }
  return { files, bytes: files.reduce((s, f) => s + f.bytes, 0) };
}

/** One file of `size` bytes written in 1 MiB blocks (each block differs), fsynced; never whole in memory. */
function bigFile(dir: string, size: number): Input {
  mkdirSync(dir, { recursive: true });
  const local = join(dir, 'big-000000001.bin');
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131 + 7) & 0xff;
  const hash = createHash('sha256');
  const fd = openSync(local, 'w');
  try {
    for (let at = 0, n = 0; at < size; at += block.length, n++) {
      block.writeUInt32BE(n, 0);
      block.writeUInt32BE(n ^ 0x5a5a5a5a, block.length - 4);
      const part = block.subarray(0, Math.min(block.length, size - at));
      hash.update(part);
      writeSync(fd, part);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { files: [{ local, name: 'big-000000001.bin', sha256: hash.digest('hex'), bytes: size }], bytes: size };
}

interface Login {
  port: number;
  user: string;
  key: string;
  knownHosts: string;
}

/** The client uses only what the row gives it, never the account's own keys or config. */
function sshOptions(l: Login): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${l.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-i',
    l.key,
    '-P',
    String(l.port),
  ];
}

/** Batch files: each client puts its share as NAME.part and renames it to NAME, in inbox/. */
function batches(dir: string, input: Input, clients: number, prefix = 'batch'): string[] {
  const out: string[] = [];
  const per = Math.ceil(input.files.length / clients);
  for (let c = 0; c < clients; c++) {
    const share = input.files.slice(c * per, (c + 1) * per);
    if (share.length === 0) break;
    const file = join(dir, `${prefix}-${c + 1}.txt`);
    writeFileSync(
      file,
      share.map((f) => `put ${f.local} inbox/${f.name}.part\nrename inbox/${f.name}.part inbox/${f.name}\n`).join(''),
    );
    out.push(file);
  }
  return out;
}

interface ClientExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  at: number;
}

function client(l: Login, batch: string, extra: string[] = []): { child: ChildProcess; done: Promise<ClientExit> } {
  const child = spawn('sftp', [...extra, '-b', batch, ...sshOptions(l), `${l.user}@127.0.0.1`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<ClientExit>((res) => {
    child.on('error', (err) => res({ code: null, signal: null, stderr: `${stderr}${err.message}`, at: Date.now() }));
    child.on('close', (code, signal) => res({ code, signal, stderr, at: Date.now() }));
  });
  return { child, done };
}

/** An untimed login with `sftp -v` that lists inbox/: what cipher and MAC the client and server agree on. */
async function probe(dir: string, l: Login): Promise<string> {
  const batch = join(dir, 'probe.txt');
  writeFileSync(batch, 'ls inbox\n');
  const r = await client(l, batch, ['-v']).done;
  if (r.code !== 0)
    throw new Error(
      `a probe login failed (${r.signal ?? `exit ${r.code}`}): ${r.stderr
        .split('\n')
        .filter((x) => !x.startsWith('debug'))
        .join(' ')
        .slice(0, 500)}`,
    );
  const m = /kex: client->server cipher: (\S+) MAC: (\S+)/.exec(r.stderr);
  return m ? `${m[1]}${m[2] === '<implicit>' ? '' : ` + ${m[2]}`}` : 'unknown';
}

/** Kills clients still running by PID (after a failure or the time budget). */
function killAll(children: ChildProcess[]): void {
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
}

function clientProblems(exits: ClientExit[]): string[] {
  const bad = exits.filter((e) => e.code !== 0);
  if (bad.length === 0) return [];
  return [
    `WARNING: ${bad.length} of ${exits.length} clients failed (${bad[0].signal ?? `exit ${bad[0].code}`}: ${bad[0].stderr.trim().slice(0, 300)})`,
  ];
}

/**
 * When the big file's bytes were all on the server: the first poll that sees the upload (its .part, or
 * the final name once renamed) at full size. Splits a big row into upload and what follows it.
 */
class UploadWatch {
  at = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly paths: string[],
    private readonly size: number,
  ) {
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  private poll(): void {
    if (this.at) return;
    for (const p of this.paths) {
      try {
        if (statSync(p).size >= this.size) {
          this.at = Date.now();
          clearInterval(this.timer);
          return;
        }
      } catch {
        // not there (yet, or any more)
      }
    }
  }

  /** A last look: when the upload finished within the last poll interval (sshd renames at once), it counts as whole now. */
  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }
}

/**
 * The untimed warm-up of a files row: `job.warmup` more files (other control numbers, other names)
 * from the same number of clients, put and renamed the same way. The gateway compiles its hot code
 * as it runs (V8's JIT), so its first thousand uploads are slower than its steady state, which is
 * what a gateway that runs for weeks lives in; sshd gets the same warm-up. Throws if a client failed.
 */
async function warmUp(dir: string, login: Login, job: Job, clients: number): Promise<number> {
  const warm = job.warmup ?? 0;
  if (warm <= 0) return 0;
  const input = smallFiles(join(dir, 'warm'), warm, job.fileBytes ?? 5120, (job.count ?? 1000) + 1);
  const runs = batches(dir, input, clients, 'warm').map((b) => client(login, b));
  const problems = clientProblems(await Promise.all(runs.map((r) => r.done)));
  if (problems.length) throw new Error(`the warm-up failed: ${problems.join('; ')}`);
  return warm;
}

/** Flushes dirty pages (the generated input, the last row's uploads) so that their writeback does not land in the timed part. */
function settleDisk(): void {
  spawnSync('sync');
}

// ---------------------------------------------------------------------------------------------
// the gateway

function writeGatewayConfig(dir: string, port: number, clientPub: string): string {
  return writeIntakeConfig(dir, {
    listener: `sftp: { port: ${port}, hostKey: certs/our/ssh_host_ed25519_key, root: data/sftp }`,
    partner: [
      'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
      `inbound: { sftp: { user: acme, publicKeys: [${clientPub}] } }`,
    ],
  });
}

/** The gateway's SQLite file, opened read-only: counting rows takes no write lock from it. */
class Messages {
  private readonly db: InstanceType<typeof Database>;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  }

  count(): number {
    return Number(
      (this.db.prepare(`SELECT COUNT(*) AS n FROM "message" WHERE direction = 'in'`).get() as { n: number }).n,
    );
  }

  rows(): Array<{ fileName: string; sha256: string; size: number; transport: string; receivedAt: string }> {
    return this.db
      .prepare(`SELECT fileName, sha256, size, transport, receivedAt FROM "message" WHERE direction = 'in'`)
      .all() as Array<{ fileName: string; sha256: string; size: number; transport: string; receivedAt: string }>;
  }

  processJobs(): Record<string, number> {
    const rows = this.db
      .prepare(`SELECT status AS s, COUNT(*) AS n FROM "job" WHERE kind = 'process' GROUP BY status`)
      .all() as Array<{ s: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.s, Number(r.n)]));
  }

  close(): void {
    this.db.close();
  }
}

/** A row's date column as the store writes it on SQLite (UTC, `YYYY-MM-DD HH:MM:SS.sss`). */
function rowTime(v: string): number {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`).getTime();
}

const warmNote = (warm: number, clients: number) =>
  warm ? `; after an untimed warm-up of ${warm} other files from ${clients} clients alike` : '';

/** Waits (untimed) until the warm-up's files are committed and processed, so that none of its work lands in the timed part. */
async function drained(msgs: Messages, warm: number): Promise<void> {
  const until = Date.now() + PROCESS_WAIT_MS;
  while (Date.now() < until) {
    const jobs = msgs.processJobs();
    if (msgs.count() >= warm && (jobs.done ?? 0) + (jobs.dead ?? 0) >= warm) return;
    await sleep(POLL_MS * 5);
  }
  throw new Error(
    `the warm-up's ${warm} files were not all committed and processed within ${PROCESS_WAIT_MS / 1000} s`,
  );
}

const fmtCounts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

async function gatewayRow(job: Job, big: boolean, settle: number): Promise<WorkerResult> {
  const db = await scratch('sqlite');
  const dir = db.dir;
  let gw: Gateway | undefined;
  let msgs: Messages | undefined;
  const children: ChildProcess[] = [];
  try {
    const key = join(dir, 'keys/client_key');
    mkdirSync(join(dir, 'keys'));
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'edigw-bench-client', '-f', key]);
    const input = big
      ? bigFile(join(dir, 'local'), job.fileBytes ?? 1024 * MiB)
      : smallFiles(join(dir, 'local'), job.count ?? 1000, job.fileBytes ?? 5120);
    const clients = big ? 1 : (job.clients ?? 8);
    const lists = batches(dir, input, clients);
    const port = await freePort();
    const config = writeGatewayConfig(dir, port, `${key}.pub`);
    gw = new Gateway(config, db.url, join(dir, 'gateway.log'));
    await gw.ready();
    const pid = gw.child.pid!;
    const knownHosts = join(dir, 'known_hosts');
    const [type, blob] = readFileSync(join(dir, 'certs/our/ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${blob}\n`);
    const login: Login = { port, user: 'acme', key, knownHosts };
    const cipher = await probe(dir, login);
    msgs = new Messages(db.url.slice('sqlite:'.length));
    const n = input.files.length;
    const warm = big ? 0 : await warmUp(dir, login, job, clients);
    if (warm > 0) await drained(msgs, warm);
    if (settle > 0) await sleep(settle);
    settleDisk();

    // Timed from here.
    const samples: Array<{ t: number; hwm: number }> = [];
    const home = join(dir, 'data/sftp/acme/inbox');
    const upload = big
      ? new UploadWatch([join(home, `${input.files[0].name}.part`), join(home, input.files[0].name)], input.bytes)
      : undefined;
    const sampler = big
      ? setInterval(() => {
          const h = vmHwmMb(pid);
          if (h !== undefined) samples.push({ t: Date.now(), hwm: h });
        }, POLL_MS)
      : undefined;
    const t0 = Date.now();
    const runs = lists.map((b) => client(login, b));
    children.push(...runs.map((r) => r.child));
    const exits = Promise.all(runs.map((r) => r.done));
    let exited: ClientExit[] | undefined;
    void exits.then((e) => {
      exited = e;
    });
    let committedAt = 0;
    while (Date.now() - t0 < BUDGET_MS && gw.running) {
      if (msgs.count() >= warm + n) {
        committedAt = Date.now();
        break;
      }
      // All clients gone and still not every row: nothing more is coming.
      if (exited && Date.now() - Math.max(...exited.map((e) => e.at)) > 5000) break;
      await sleep(POLL_MS);
    }
    const hwmAtCommit = vmHwmMb(pid);
    const jobsAtCommit = msgs.processJobs();
    if (sampler) clearInterval(sampler);
    upload?.stop();
    if (!committedAt) killAll(children);
    const ends = await exits;
    const clientsExited = Math.max(...ends.map((e) => e.at)) - t0;
    if (!gw.running)
      throw new Error(`the gateway exited during the run: ${readFileSync(gw.logPath, 'utf8').slice(-1500)}`);

    // Untimed: checks, and for the big file what the process job then does to memory.
    const want = new Map(input.files.map((f) => [f.name, f]));
    const all = msgs.rows();
    const rows = all.filter((r) => want.has(r.fileName));
    const notes: string[] = [];
    const warn = (w: string) => notes.push(`WARNING: ${w}`);
    let peak = hwmAtCommit;
    let rss = "the gateway's VmHWM at the last commit";
    if (big && rows.length === 1) {
      const durable = rowTime(rows[0].receivedAt);
      const before = samples.filter((s) => s.t <= durable);
      if (before.length) peak = Math.max(...before.map((s) => s.hwm));
      rss =
        `the gateway's VmHWM, the last ${POLL_MS} ms sample before the message's receivedAt (payload durable): ` +
        `the process job reads a message whole afterwards`;
      const until = Date.now() + PROCESS_WAIT_MS;
      let jobs = msgs.processJobs();
      while (Date.now() < until && gw.running && !(jobs.done || jobs.dead)) {
        await sleep(200);
        jobs = msgs.processJobs();
      }
      const after = vmHwmMb(pid);
      notes.push(
        `after the commit the process job (${fmtCounts(jobs)}) took the gateway's VmHWM to ${after?.toFixed(0) ?? '?'} MB: ` +
          `it reads the whole payload into memory (store.payload) and parses it`,
      );
    }
    const stop = await gw.stop();
    const log = readLog(gw.logPath);
    const problems = log.filter((l) => (l.level ?? 30) >= 40);
    // A file taken in writes no log line of its own (its `received` event says so): the log stays short.
    const chatty = warm + n > 100 && log.length > warm + n;

    const seconds = (committedAt ? committedAt - t0 : Date.now() - t0) / 1000;
    const committed = committedAt ? `${secs(committedAt - t0)} s` : `not all within ${BUDGET_MS / 1000} s`;
    notes.unshift(
      big
        ? `one file of ${mb(input.bytes).toFixed(0)} MB, one OpenSSH sftp -b client: put as .part, ` +
            `then rename (taken in on the rename, answered after the commit); ` +
            `timed from the client start until its message row was committed (${committed}; the client exited at ${secs(clientsExited)} s); ` +
            `the upload was whole on the server at ${upload?.at ? secs(upload.at - t0) : '?'} s ` +
            `(${upload?.at ? (mb(input.bytes) / ((upload.at - t0) / 1000)).toFixed(1) : '?'} MB/s), ` +
            `the rest is the intake on the rename (hashed as the WRITEs arrived and fsynced at the close, ` +
            `so the upload is linked into the payload store, the folder fsynced, the message committed); cipher ${cipher}`
        : `${n} files of ${job.fileBytes ?? 5120} bytes (X12 850s), ` +
            `${clients} parallel OpenSSH sftp -b clients of ${Math.ceil(n / clients)} files each, each file put as NAME.part then renamed to NAME ` +
            `(taken in on the rename, answered after the commit); ` +
            `timed from the first client start until the message table held all ${n} (polled every ${POLL_MS} ms): ${committed}; ` +
            `the clients had all exited at ${secs(clientsExited)} s; cipher ${cipher}; no routes or acks, ` +
            `but the workers parse and record each file meanwhile (process jobs at the last commit: ${fmtCounts(jobsAtCommit)}` +
            `${warm ? `, ${warm} of them the warm-up's` : ''})${warmNote(warm, clients)}`,
      `peak RSS: ${rss}`,
    );
    if (!committedAt) warn(`stopped waiting with ${rows.length} of ${n} files committed`);
    notes.push(...clientProblems(ends));
    if (hwmAtCommit === undefined) warn('could not read VmHWM of the gateway');
    if (stop.killed) warn('the gateway did not stop after SIGTERM and was killed');
    else if (stop.code !== 0)
      warn(`the gateway exited with ${stop.signal ?? `code ${stop.code}`} after SIGTERM, not 0`);
    const wrong = rows.filter((r) => want.get(r.fileName)?.sha256 !== r.sha256 || r.transport !== 'sftp').length;
    if (rows.length !== n) warn(`${rows.length} message rows for ${n} files`);
    if (all.length !== warm + n) warn(`${all.length} message rows for ${warm} warm-up and ${n} timed files`);
    if (new Set(all.map((r) => r.fileName)).size !== all.length) warn('a file name was taken in twice');
    if (wrong) warn(`${wrong} message rows do not match a file uploaded (name, sha256, transport sftp)`);
    if (chatty) warn(`${log.length} log lines for ${warm + n} files: the gateway logs a line per file`);
    const inbox = join(dir, 'data/sftp/acme/inbox');
    const left = existsSync(inbox) ? readdirSync(inbox) : [];
    if (left.length) warn(`${left.length} files left in inbox/ (${left.slice(0, 3).join(', ')})`);
    if (problems.length)
      warn(
        `${problems.length} warn/error lines in the gateway log (${[...new Set(problems.map((l) => l.msg))].slice(0, 3).join(' | ')})`,
      );
    if (committedAt && notes.every((x) => !x.startsWith('WARNING'))) {
      notes.push(
        `checked: ${rows.length === 1 ? 'one message row, the file' : `${rows.length} message rows, each a file`} uploaded ` +
          `(name and sha256), inbox/ empty, every client exit 0, gateway exit 0 after SIGTERM`,
      );
    }
    const detail: SftpDetail = { server: 'gateway', clientsExited: secs(clientsExited), cipher, rss };
    if (committedAt) detail.committed = secs(committedAt - t0);
    if (upload?.at) detail.uploaded = secs(upload.at - t0);
    return {
      ok: true,
      bytes: input.bytes,
      seconds,
      peakRssMb: peak ?? 0,
      notes,
      sftp: detail,
      ...(big ? {} : { ops: committedAt ? n : rows.length }),
    };
  } finally {
    killAll(children);
    msgs?.close();
    if (gw?.running) await gw.stop();
    if (!process.env.BENCH_KEEP) await db.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// OpenSSH's sshd (the minimal part of test/transports/peers/sshd.ts and system.ts, which the bench build does not include)

interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  remove(): void;
}

function retry(f: () => void): void {
  for (let attempt = 1; ; attempt++) {
    try {
      f();
      return;
    } catch (err) {
      if (attempt >= 20 || !/lock|try again/i.test((err as Error).message)) throw err;
      spawnSync('sleep', ['0.2']);
    }
  }
}

/** A throwaway login with a random password (sshd counts an account without one as locked). Root only. */
function createSystemUser(prefix: string): SystemUser {
  const name = `${prefix}${randomBytes(3).toString('hex')}`;
  retry(() => run('useradd', ['-M', '-d', '/', '-s', '/bin/sh', name]));
  let removed = false;
  const remove = () => {
    if (!removed) {
      removed = true;
      retry(() => run('userdel', [name]));
    }
  };
  try {
    retry(() => run('chpasswd', [], `${name}:${randomBytes(12).toString('base64url')}\n`));
    return { name, uid: Number(run('id', ['-u', name]).trim()), gid: Number(run('id', ['-g', name]).trim()), remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/** Root-owned and writable by nobody else, up to / (sshd's rule for a chroot). */
function chrootSafe(dir: string): boolean {
  for (let d = dir; ; d = resolve(d, '..')) {
    if (!existsSync(d)) return false;
    const s = statSync(d);
    if (s.uid !== 0 || (s.mode & 0o022) !== 0) return false;
    if (d === resolve(d, '..')) return true;
  }
}

/** A chroot on the same file system as os.tmpdir() (where the gateway's scratch folder is), so both servers write to the same disk. */
function chrootDir(): string {
  const dev = statSync(tmpdir()).dev;
  for (const base of ['/var/lib', '/srv', '/opt', '/run']) {
    if (!chrootSafe(base) || statSync(base).dev !== dev) continue;
    const dir = mkdtempSync(join(base, 'edigw-bench-chroot-'));
    chmodSync(dir, 0o755);
    return dir;
  }
  throw new Missing(`skipped: no root-owned folder on the file system of ${tmpdir()} to chroot sshd in`);
}

/** sshd's processes: the listener and every descendant (per connection: the privileged monitor and the user's internal-sftp child). */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const c of readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim().split(/\s+/))
        if (c) out.push(Number(c));
    } catch {
      // gone
    }
  }
  return out;
}

/** VmRSS and VmHWM of a process, and its Pss (its share of pages it shares with others), in MiB. */
function memOf(pid: number): { rss: number; hwm: number; pss: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(s);
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(s);
    const pss = /^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return rss && hwm
      ? { rss: Number(rss[1]) / 1024, hwm: Number(hwm[1]) / 1024, pss: pss ? Number(pss[1]) / 1024 : 0 }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Samples sshd's processes: the largest sum of VmRSS (and of Pss), and each process's last VmHWM. */
class TreeSampler {
  maxSum = 0;
  maxPss = 0;
  maxProcs = 0;
  private readonly hwm = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number) {}

  sample(): void {
    let sum = 0;
    let pss = 0;
    let procs = 0;
    for (const p of tree(this.pid)) {
      const m = memOf(p);
      if (!m) continue;
      sum += m.rss;
      pss += m.pss;
      procs++;
      this.hwm.set(p, Math.max(this.hwm.get(p) ?? 0, m.hwm));
    }
    this.maxSum = Math.max(this.maxSum, sum);
    this.maxPss = Math.max(this.maxPss, pss);
    this.maxProcs = Math.max(this.maxProcs, procs);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), SSHD_SAMPLE_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  get sumHwm(): number {
    return [...this.hwm.values()].reduce((a, b) => a + b, 0);
  }

  get maxHwm(): number {
    return Math.max(0, ...this.hwm.values());
  }

  get seen(): number {
    return this.hwm.size;
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}

function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(MiB);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

async function sshdRow(job: Job, big: boolean, settle: number): Promise<WorkerResult> {
  if (process.getuid?.() !== 0) throw new Missing('skipped: sshd needs root (a system user and a root-owned chroot)');
  if (!have(SSHD)) throw new Missing(`skipped: ${SSHD} is not installed`);
  if (!existsSync(SSHD_CONFIG)) throw new Missing(`skipped: no sshd config at ${SSHD_CONFIG} (BENCH_SSHD_CONFIG)`);
  const dir = mkdtempSync(join(tmpdir(), 'edigw-bench-sshd-'));
  // sshd reads authorized_keys as the user, who must be able to reach it.
  chmodSync(dir, 0o755);
  let chroot: string | undefined;
  let user: SystemUser | undefined;
  let sshd: ChildProcess | undefined;
  const children: ChildProcess[] = [];
  try {
    chroot = chrootDir();
    user = createSystemUser('edibench');
    const inbox = join(chroot, 'inbox');
    mkdirSync(inbox, { mode: 0o755 });
    chownSync(inbox, user.uid, user.gid);
    const key = join(dir, 'client_key');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'edigw-bench-client', '-f', key]);
    run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'edigw-bench-host',
      '-f',
      join(dir, 'ssh_host_ed25519_key'),
    ]);
    mkdirSync(join(dir, 'authorized_keys'), { mode: 0o755 });
    copyFileSync(`${key}.pub`, join(dir, 'authorized_keys', user.name));
    chmodSync(join(dir, 'authorized_keys', user.name), 0o644);
    const input = big
      ? bigFile(join(dir, 'local'), job.fileBytes ?? 1024 * MiB)
      : smallFiles(join(dir, 'local'), job.count ?? 1000, job.fileBytes ?? 5120);
    const clients = big ? 1 : (job.clients ?? 8);
    const lists = batches(dir, input, clients);
    const port = await freePort();
    const config = readFileSync(SSHD_CONFIG, 'utf8')
      .replaceAll('@DIR@', dir)
      .replaceAll('@CHROOT@', chroot)
      .replace(/^Port .*$/m, `Port ${port}`)
      .replace(/^AllowUsers .*$/m, `AllowUsers ${user.name}`)
      .replace(/^Match User .*$/m, `Match User ${user.name}`);
    const configFile = join(dir, 'sshd_config');
    writeFileSync(configFile, config);
    // The privilege separation folder, which a container without a running sshd lacks.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    run(SSHD, ['-t', '-f', configFile]);
    const logFile = join(dir, 'sshd.log');
    sshd = spawn(SSHD, ['-D', '-f', configFile, '-E', logFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    sshd.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const proc = sshd;
    try {
      await waitForPort(port, 10_000, () => proc.exitCode === null && proc.signalCode === null);
    } catch (err) {
      throw new Error(`sshd did not start: ${(err as Error).message} ${stderr}`, { cause: err });
    }
    const knownHosts = join(dir, 'known_hosts');
    const [type, blob] = readFileSync(join(dir, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${blob}\n`);
    const login: Login = { port, user: user.name, key, knownHosts };
    const cipher = await probe(dir, login);
    const version = (spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr || '').trim().split(/[ ,]/)[0];
    const n = input.files.length;
    const warm = big ? 0 : await warmUp(dir, login, job, clients);
    if (settle > 0) await sleep(settle);
    settleDisk();

    // Timed from here, until the last client exits: sshd has no commit.
    const sampler = new TreeSampler(proc.pid!);
    sampler.start();
    const upload = big
      ? new UploadWatch([join(inbox, `${input.files[0].name}.part`), join(inbox, input.files[0].name)], input.bytes)
      : undefined;
    const t0 = Date.now();
    const runs = lists.map((b) => client(login, b));
    children.push(...runs.map((r) => r.child));
    const timer = setTimeout(() => killAll(children), BUDGET_MS);
    const ends = await Promise.all(runs.map((r) => r.done));
    clearTimeout(timer);
    const end = Math.max(...ends.map((e) => e.at));
    sampler.stop();
    upload?.stop();

    // Untimed: what arrived.
    const notes: string[] = [];
    const warn = (w: string) => notes.push(`WARNING: ${w}`);
    const there = readdirSync(inbox);
    const parts = there.filter((x) => x.endsWith('.part'));
    if (there.length !== warm + n) warn(`${there.length} files in inbox/ for ${warm} warm-up and ${n} timed files`);
    let mismatched = 0;
    for (const f of input.files) {
      const p = join(inbox, f.name);
      if (!existsSync(p) || statSync(p).size !== f.bytes || sha256File(p) !== f.sha256) mismatched++;
    }
    notes.push(
      big
        ? `OpenSSH's sshd (${version}, internal-sftp chrooted, ` +
            `from peers/conf/sshd_config) receiving the same file from the same client and commands (put .part, rename); ` +
            `sshd has no commit: timed until the client exited (written, not fsynced); ` +
            `the upload was whole on the server at ${upload?.at ? secs(upload.at - t0) : '?'} s; cipher ${cipher}`
        : `OpenSSH's sshd (${version}, internal-sftp chrooted, ` +
            `LogLevel VERBOSE and internal-sftp -l INFO as in peers/conf/sshd_config) receiving the same ${n} files from ` +
            `the same ${clients} clients and commands (put .part, rename); ` +
            `sshd has no commit: timed until the last client exited (written, not fsynced); cipher ${cipher}${warmNote(warm, clients)}`,
      `peak RSS: the largest sum of VmRSS over sshd's listener and per-connection processes ` +
        `(${sampler.maxProcs} at most at once, ${sampler.seen} in all), sampled every ${SSHD_SAMPLE_MS} ms; ` +
        `RSS counts shared pages (libc, libcrypto, sshd itself) once per process: ` +
        `the largest sum of Pss (each shared page split among its sharers) was ${sampler.maxPss.toFixed(0)} MB; ` +
        `the sum of each process's VmHWM ${sampler.sumHwm.toFixed(0)} MB, the largest one process ${sampler.maxHwm.toFixed(1)} MB`,
    );
    notes.push(...clientProblems(ends));
    if (mismatched) warn(`${mismatched} of ${n} files missing or different on the server`);
    if (parts.length) warn(`${parts.length} .part files left`);
    if (notes.every((x) => !x.startsWith('WARNING')))
      notes.push(
        `checked: ${n === 1 ? 'the file' : `all ${n} files`} on the server with the sha256 uploaded, no .part left, every client exit 0`,
      );
    const detail: SftpDetail = {
      server: 'sshd',
      clientsExited: secs(end - t0),
      cipher,
      rss: `the largest sum of VmRSS over sshd's processes (sampled every ${SSHD_SAMPLE_MS} ms)`,
    };
    if (upload?.at) detail.uploaded = secs(upload.at - t0);
    return {
      ok: true,
      bytes: input.bytes,
      seconds: (end - t0) / 1000,
      peakRssMb: sampler.maxSum,
      notes,
      sftp: detail,
      ...(big ? {} : { ops: n - mismatched }),
    };
  } finally {
    killAll(children);
    if (sshd) await stopProcess(sshd);
    user?.remove();
    if (chroot) rmSync(chroot, { recursive: true, force: true });
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How long a files row waits, after its warm-up, before the timed part. On ext4 without a journal
 * (this project's machines), making a file skips every inode freed in the last dirty_expire interval
 * (30 s), or twice that while the inode's table block is dirty, which making files keeps it: each
 * such inode costs a lookup. Right after the previous row deleted its thousands of files, the
 * gateway took in 1,000 uploads 20-40% slower (sshd's time hardly moved). Both servers are timed
 * alike once those have aged. BENCH_SFTP_SETTLE_MS overrides it (0: no wait).
 */
function settleMs(): number {
  if (process.env.BENCH_SFTP_SETTLE_MS !== undefined) return Number(process.env.BENCH_SFTP_SETTLE_MS) || 0;
  try {
    return Number(readFileSync('/proc/sys/vm/dirty_expire_centisecs', 'utf8').trim()) * 20 + 1000;
  } catch {
    return 0;
  }
}

/** Runs one sftp row; a missing tool (or not being root, for sshd) makes it a skipped row, not a crash. */
export async function sftpRow(job: Job): Promise<WorkerResult> {
  const big = job.kind === 'sftp-big';
  try {
    const missing = ['sftp', 'ssh-keygen'].filter((p) => !have(p));
    if (missing.length) throw new Missing(`skipped: not installed: ${missing.join(', ')} (the OpenSSH client)`);
    const settle = big ? 0 : settleMs();
    const r = job.server === 'sshd' ? await sshdRow(job, big, settle) : await gatewayRow(job, big, settle);
    if (settle > 0)
      r.notes = [
        ...(r.notes ?? []),
        `timed ${Math.round(settle / 1000)} s after the warm-up and the previous row, ` +
          `so that the inodes they freed had aged (ext4 without a journal skips recently freed inodes, at a cost, when making files)`,
      ];
    return r;
  } catch (e) {
    if (e instanceof Missing) return { ok: false, skipped: true, bytes: 0, seconds: 0, peakRssMb: 0, error: e.message };
    throw e;
  }
}
