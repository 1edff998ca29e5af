/** Runs the real gateway process (bin/edi-gateway.js from the built dist/) in a scratch folder, for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  existsSync,
  renameSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const BIN = join(ROOT, 'bin/edi-gateway.js');

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface SinkRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  status: number;
}

/**
 * A local HTTP server standing in for the ERP: records every request, and answers each with the status
 * `respond` returns (200 unless told otherwise).
 */
export class HttpSink {
  readonly requests: SinkRequest[] = [];
  respond: (body: string, path: string) => number = () => 200;
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const status = this.respond(body.toString('utf8'), req.url ?? '/');
        this.requests.push({ path: req.url ?? '/', headers: req.headers, body, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  ok(): SinkRequest[] {
    return this.requests.filter((r) => r.status < 300);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Waits until `check` returns a value that is not undefined/false, or fails with `what`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Scratch {
  dir: string;
  file(rel: string, text: string): string;
  /** Drops a file into a folder the way a system would: written elsewhere, then renamed in. */
  drop(rel: string, text: string | Buffer): void;
  files(rel: string): string[];
  read(rel: string): string;
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'edigw-e2e-'));
  const at = (rel: string) => join(dir, rel);
  return {
    dir,
    file(rel, text) {
      mkdirSync(dirname(at(rel)), { recursive: true });
      writeFileSync(at(rel), text);
      return at(rel);
    },
    drop(rel, text) {
      mkdirSync(dirname(at(rel)), { recursive: true });
      const tmp = join(dir, `.drop-${Math.random().toString(36).slice(2)}`);
      writeFileSync(tmp, text);
      renameSync(tmp, at(rel));
    },
    files(rel) {
      return existsSync(at(rel))
        ? readdirSync(at(rel))
            .filter((n) => !n.startsWith('.'))
            .sort()
        : [];
    },
    read(rel) {
      return readFileSync(at(rel), 'utf8');
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The gateway as a child process, with its log lines (pino JSON) collected. */
export class GatewayProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  private child!: ChildProcess;
  exit: Promise<number | null> = Promise.resolve(null);

  /** How long start() waits for "gateway running" (a loaded machine starting MariaDB worker processes needs longer). */
  protected startTimeoutMs = 20_000;

  constructor(
    private readonly config: string,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [BIN, 'start', '--config', this.config], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    this.child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.lines.push({ msg: line });
        }
      }
    });
    let err = '';
    this.child.stderr!.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    this.exit = new Promise((r) => this.child.on('exit', (code) => r(code)));
    const early = this.exit.then((code) => {
      throw new Error(`edi-gateway start exited with ${code} before it ran: ${err}`);
    });
    await Promise.race([
      eventually('the gateway to run', () => this.logged('gateway running'), this.startTimeoutMs),
      early,
    ]);
  }

  /** The gateway's process id (once started). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends a signal to the gateway process (SIGKILL: a crash as the machine sees one). */
  kill(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  logged(msg: string): Record<string, unknown> | undefined {
    return this.lines.find((l) => l.msg === msg);
  }

  /** SIGTERM, and the exit code (0: it stopped in order). */
  async stop(): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exit;
  }
}

/** Runs a CLI command to completion (asynchronously: the test process may be serving the HTTP sink it talks to). */
export function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** An X12 850 with correct counts: sender and receiver ids (ZZ), control number, PO number, and the line items. */
export function x12Order(o: {
  sender: string;
  receiver?: string;
  control: number;
  po: string;
  test?: boolean;
  lines?: number;
}): string {
  const ctrl = String(o.control).padStart(9, '0');
  const lines = Array.from({ length: o.lines ?? 1 }, (_, i) => `PO1*${i + 1}*${10 + i}*EA*9.5**VP*SKU-${i + 1}~`);
  const body = [`BEG*00*SA*${o.po}**20240102~`, ...lines, `CTT*${lines.length}~`];
  return [
    `ISA*00*          *00*          ` +
      `*ZZ*${o.sender.padEnd(15)}*ZZ*${(o.receiver ?? 'OURCOMPANY').padEnd(15)}*240102*1230*U*00401*${ctrl}*0*${o.test ? 'T' : 'P'}*>~`,
    `GS*PO*${o.sender}*${o.receiver ?? 'OURCOMPANY'}*20240102*1230*${o.control}*X*004010~`,
    'ST*850*0001~',
    ...body,
    `SE*${body.length + 2}*0001~`,
    `GE*1*${o.control}~`,
    `IEA*1*${ctrl}~`,
    '',
  ].join('\n');
}
