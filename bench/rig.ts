/**
 * The rig that `npm run chaos` and `npm run soak` drive: real gateway nodes (`node bin/edi-gateway.js
 * start`, child processes) on a fresh database, one partner (acme) that sends X12 850s over AS2 (signed,
 * encrypted, signed sync MDN), over the hosted SFTP server (put as `.part`, then rename) and through the
 * admin API (`POST /api/partners/acme/submit`), an HTTP sink standing in for the ERP that every 850 is
 * delivered to (mapped to `{ "po": BEG03 }`), and a `file` endpoint that takes the 997s.
 *
 * Every message is its own interchange: ISA13 and GS06 are its number `icn`, its PO number (BEG03, the
 * tracked reference) is `PO` + the 9-digit ISA13, its file name `po-<ISA13>.x12`, so each one can be
 * found again in the store, at the sink and in the 997s. Several nodes share the folder this rig
 * writes (certs, partners, SFTP root) and the database (`payloads: database` on MariaDB).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import http, { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { GatewayError } from '../src/errors';
import { ed25519KeyPair } from '../src/ssh-keygen';
import { loadCertificates, loadPrivateKey, type Certificate } from '../src/transports/as2/cms';
import { post } from '../src/transports/as2/http-client';
import { parseMdn } from '../src/transports/as2/mdn';
import { buildMessage } from '../src/transports/as2/message';
import { purchaseOrder } from './as2-load';
import { sleep } from './pipeline';

// bench/ when run from source (the jest test), dist/bench/ when built.
const ROOT = existsSync(join(__dirname, '../package.json')) ? resolve(__dirname, '..') : resolve(__dirname, '../..');
export const BIN = join(ROOT, 'bin/edi-gateway.js');
export const TOKEN = 'chaos-operator-token-0123456789';
const OUR_AS2 = 'OURCOMPANY-AS2';
const PARTNER_AS2 = 'ACME-AS2';

export type Channel = 'as2' | 'sftp' | 'admin';
export const CHANNELS: readonly Channel[] = ['as2', 'sftp', 'admin'];

export const pad9 = (n: number) => String(n).padStart(9, '0');
export const poOf = (icn: number) => `PO${pad9(icn)}`;
export const fileOf = (icn: number) => `po-${pad9(icn)}.x12`;

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

/**
 * One HTTP request on a connection of its own (no keep-alive pool, so nothing stays open after a run,
 * and a killed node leaves no pooled socket behind); the status and body, or a rejection after `ms`.
 */
export function request(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: Buffer; ms: number },
): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = http.request(
      url,
      {
        method: o.method ?? 'GET',
        headers: { ...o.headers, ...(o.body ? { 'content-length': String(o.body.length) } : {}) },
        agent: false,
        timeout: o.ms,
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', rej);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${o.method ?? 'GET'} ${url}: no answer within ${Math.round(o.ms / 1000)} s`)),
    );
    req.on('error', rej);
    req.end(o.body);
  });
}

/** Resolves with `p`, or rejects after `ms` with what was being waited for. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_r, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// The sink

/** The ERP stand-in: answers 200 to every POST and keeps, per PO number, when each copy arrived. */
export class Sink {
  readonly arrivals = new Map<string, number[]>();
  count = 0;
  bad = 0;
  port = 0;
  private server!: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const now = Date.now();
        try {
          const po = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { po?: unknown }).po;
          if (typeof po !== 'string') throw new Error('no po');
          const list = this.arrivals.get(po) ?? [];
          list.push(now);
          this.arrivals.set(po, list);
          this.count++;
        } catch {
          this.bad++;
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

// ---------------------------------------------------------------------------------------------
// Gateway nodes

export interface NodePorts {
  as2: number;
  sftp: number;
  admin: number;
}

/** One gateway node: its config file, ports and the current process (none while it is down). */
export class GatewayNode {
  child: ChildProcess | undefined;
  /** Every pid this node ran as, in order. */
  readonly pids: number[] = [];
  private readonly log: WriteStream;
  private out = '';
  private exited: Promise<void> = Promise.resolve();
  /** Lines at level error (50) or above in this node's log, over all its runs. */
  errors = 0;
  readonly errorSamples: string[] = [];

  constructor(
    readonly index: number,
    readonly config: string,
    readonly ports: NodePorts,
    private readonly env: NodeJS.ProcessEnv,
    logFile: string,
    private readonly nodeArgs: string[] = [],
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  /** Started and answering /health; false from the moment it is killed or stopped. */
  ready = false;

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  /** Starts the process and waits (at most `timeoutMs`) until it logged "gateway running" and /health answers 200. */
  async start(timeoutMs: number): Promise<void> {
    this.out = '';
    // Its folder as the working directory: heap snapshots (--heapsnapshot-signal) are written there.
    const child = spawn(process.execPath, [...this.nodeArgs, BIN, 'start', '--config', this.config], {
      cwd: dirname(this.config),
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    if (child.pid) this.pids.push(child.pid);
    const onData = (c: Buffer) => {
      this.log.write(c);
      const text = c.toString('utf8');
      if (!this.out.includes('"msg":"gateway running"')) this.out = (this.out + text).slice(-100_000);
      for (const line of text.split('\n')) {
        const m = /"level":(\d+)/.exec(line);
        if (m && Number(m[1]) >= 50) {
          this.errors++;
          if (this.errorSamples.length < 5) this.errorSamples.push(line.slice(0, 400));
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((r) => child.once('exit', () => r()));
    const end = Date.now() + timeoutMs;
    while (!this.out.includes('"msg":"gateway running"')) {
      if (!this.running)
        throw new Error(
          `node ${this.index} exited before it ran (${child.exitCode ?? child.signalCode}): ${this.out.slice(-1500)}`,
        );
      if (Date.now() > end)
        throw new Error(`node ${this.index} did not log "gateway running" within ${Math.round(timeoutMs / 1000)} s`);
      await sleep(50);
    }
    for (;;) {
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(
          `node ${this.index}: GET /health did not answer 200 within ${Math.round(timeoutMs / 1000)} s of its start`,
        );
      if (await this.healthy(Math.min(left, 5000))) {
        this.ready = true;
        return;
      }
      await sleep(100);
    }
  }

  /** GET /health answered 200 within `ms`. */
  async healthy(ms: number): Promise<boolean> {
    try {
      return (await request(`http://127.0.0.1:${this.ports.admin}/health`, { ms })).status === 200;
    } catch {
      return false;
    }
  }

  /** kill -9 of the gateway process (not its worker processes: whether they follow is what is checked). */
  async kill(): Promise<number | undefined> {
    const pid = this.pid;
    this.ready = false;
    if (!pid) return undefined;
    this.child!.kill('SIGKILL');
    await this.exited;
    return pid;
  }

  /** SIGTERM, then SIGKILL after `ms`; whether it stopped in order. */
  async stop(ms: number): Promise<{ code: number | null; signal: string | null; killed: boolean }> {
    this.ready = false;
    const child = this.child;
    if (!child || !this.running)
      return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null, killed: false };
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), ms);
      }),
    ]);
    clearTimeout(timer);
    if (late) {
      child.kill('SIGKILL');
      await this.exited;
    }
    return { code: child.exitCode, signal: child.signalCode, killed: late };
  }

  close(): void {
    this.log.end();
  }
}

/** Processes whose command line runs this repository's bin/edi-gateway.js with `config`: pid, parent pid, command. */
export function gatewayProcesses(config: string): Array<{ pid: number; ppid: number; cmd: string }> {
  const out: Array<{ pid: number; ppid: number; cmd: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => a.endsWith('edi-gateway.js')) || !argv.includes(config)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(name), ppid, cmd: argv.filter(Boolean).slice(1).join(' ') });
    } catch {
      // It ended while being read.
    }
  }
  return out;
}

/** VmRSS of a live process in MiB; undefined when /proc cannot say. */
export function vmRssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The setup

export interface RigOptions {
  dir: string;
  url: string;
  driver: 'sqlite' | 'mariadb';
  nodes: number;
  /** gateway.yaml `processes` of each node. */
  processes: number;
  /** Node options for the gateway processes (e.g. --heapsnapshot-signal=SIGUSR2). */
  nodeArgs?: string[];
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
}

/** Writes gateway.yaml per node, the partner, its map and keys into `dir`; returns the nodes (not started). */
export async function setUp(o: RigOptions, sink: Sink): Promise<GatewayNode[]> {
  const file = (rel: string, text: string) => {
    mkdirSync(join(o.dir, rel, '..'), { recursive: true });
    writeFileSync(join(o.dir, rel), text);
    return join(o.dir, rel);
  };
  // The partner's AS2 key and certificate (ours the first node makes on its first start, as in production).
  mkdirSync(join(o.dir, 'certs/acme'), { recursive: true });
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '30',
    '-subj',
    '/CN=acme',
    '-keyout',
    join(o.dir, 'certs/acme/as2.key'),
    '-out',
    join(o.dir, 'certs/acme/as2.pem'),
  ]);
  const ssh = ed25519KeyPair('chaos-acme');
  file('certs/acme/id_ed25519', ssh.private);
  file('certs/acme/id_ed25519.pub', ssh.public);
  file(
    'partners/acme.yaml',
    [
      'id: acme',
      `identifiers: { x12: [{ qualifier: ZZ, id: ACME }], as2: ${PARTNER_AS2} }`,
      'certificates: { as2: certs/acme/as2.pem }',
      'inbound:',
      '  as2: { signed: required, encrypted: required }',
      '  sftp: { user: acme, publicKeys: [certs/acme/id_ed25519.pub] }',
      "acks: { x12: '997', to: acks }",
      'duplicates: { interchange: reject }',
      'tracking: { po: BEG.BEG03 }',
      'routes:',
      "  - match: { standard: x12, type: '850' }",
      '    map: acme/maps/po.jsonata',
      '    to: erp',
      'endpoints:',
      `  erp: { http: { url: 'http://127.0.0.1:${sink.port}/orders' } }`,
      '  acks: { file: { dir: out/acks } }',
      '',
    ].join('\n'),
  );
  file('partners/acme/maps/po.jsonata', '{ "po": BEG.BEG03 }\n');
  const nodes: GatewayNode[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const ports = { as2: await freePort(), sftp: await freePort(), admin: await freePort() };
    // Every node reads the same certs/, partners/ and SFTP root; payloads live in the database on
    // MariaDB, so no node needs another's disk for them.
    const config = file(
      `node-${i}.yaml`,
      [
        `payloads: ${o.driver === 'mariadb' ? 'database' : 'data/payloads'}`,
        'identity:',
        '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
        `  as2: { id: ${OUR_AS2}, key: certs/our/as2.key, certificate: certs/our/as2.pem }`,
        `as2: { port: ${ports.as2}, path: /as2 }`,
        `sftp: { port: ${ports.sftp}, hostKey: certs/our/ssh_host_ed25519_key, root: data/sftp }`,
        `admin: { port: ${ports.admin}, token: ${TOKEN} }`,
        'workers: 2',
        `processes: ${o.processes}`,
        'delivery: { attempts: 30, backoff: 200ms, maxBackoff: 2s }',
        '',
      ].join('\n'),
    );
    nodes.push(
      new GatewayNode(
        i,
        config,
        ports,
        { DATABASE_URL: o.url, LOG_LEVEL: 'info' },
        join(o.dir, `node-${i}.log`),
        o.nodeArgs,
      ),
    );
  }
  return nodes;
}

// ---------------------------------------------------------------------------------------------
// The load

export interface Sent {
  icn: number;
  channel: Channel;
  node: number;
  /** The transport said yes: MDN `processed`, rename OK, admin 202. */
  receipt: boolean;
  error?: string;
  /** AS2 Message-ID, or the admin API's message id. */
  id?: string;
  at: number;
}

export interface LoadOptions {
  /** Messages per second over all channels. */
  rate: number;
  channels: readonly Channel[];
  /** In flight per channel at most; a tick that finds its channel full sends nothing. */
  inFlight: number;
  /** ISA13 of the first message of each channel: channel i starts at base + i × 100,000,000. */
  base: number;
  payloadBytes: number;
  requestTimeoutMs: number;
}

/**
 * A partner sending at a fixed rate, round-robin over the channels and over the nodes that are up (as
 * a load balancer with health checks would). A send that fails gives no receipt and is not retried:
 * such a message may or may not have been stored, and the report counts both.
 */
export class Load {
  readonly sent: Sent[] = [];
  private readonly next = new Map<Channel, number>();
  private readonly busy = new Map<Channel, number>();
  private readonly agents = new Map<number, http.Agent>();
  private readonly sftpIdle = new Map<number, SftpClient[]>();
  private readonly key;
  private readonly certificate: Certificate;
  private readonly ours: Certificate[];
  private readonly hostKey: Buffer;
  private readonly privateSsh: string;
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  private nodeTick = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly nodes: GatewayNode[],
    private readonly o: LoadOptions,
  ) {
    this.key = loadPrivateKey(readFileSync(join(dir, 'certs/acme/as2.key')));
    [this.certificate] = loadCertificates(readFileSync(join(dir, 'certs/acme/as2.pem')));
    this.ours = loadCertificates(readFileSync(join(dir, 'certs/our/as2.pem')));
    this.hostKey = Buffer.from(
      readFileSync(join(dir, 'certs/our/ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/)[1],
      'base64',
    );
    this.privateSsh = readFileSync(join(dir, 'certs/acme/id_ed25519'), 'utf8');
    for (const c of o.channels) {
      this.next.set(c, o.base + CHANNELS.indexOf(c) * 100_000_000);
      this.busy.set(c, 0);
    }
  }

  start(): void {
    this.timer = setInterval(() => this.fire(), Math.max(1, Math.round(1000 / this.o.rate)));
  }

  /** Stops sending and waits for what is in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    for (const a of this.agents.values()) a.destroy();
    for (const list of this.sftpIdle.values()) for (const c of list) await c.end().catch(() => undefined);
    this.sftpIdle.clear();
  }

  /** Forgets pooled connections to a node (after it was killed). */
  dropConnections(node: number): void {
    this.agents.get(node)?.destroy();
    this.agents.delete(node);
    for (const c of this.sftpIdle.get(node) ?? []) void c.end().catch(() => undefined);
    this.sftpIdle.delete(node);
  }

  private fire(): void {
    const channel = this.o.channels[this.tick++ % this.o.channels.length];
    if ((this.busy.get(channel) ?? 0) >= this.o.inFlight) return;
    const up = this.nodes.filter((n) => n.ready);
    if (!up.length) return;
    const node = up[this.nodeTick++ % up.length];
    const icn = this.next.get(channel)!;
    this.next.set(channel, icn + 1);
    const record: Sent = { icn, channel, node: node.index, receipt: false, at: Date.now() };
    this.sent.push(record);
    this.busy.set(channel, (this.busy.get(channel) ?? 0) + 1);
    const payload = Buffer.from(purchaseOrder(icn, this.o.payloadBytes), 'utf8');
    const p = this.send(channel, node, icn, payload, record)
      .then(() => {
        record.receipt = true;
      })
      .catch((e: unknown) => {
        record.error = (e instanceof GatewayError ? e.describe() : (e as Error).message).slice(0, 300);
      })
      .finally(() => {
        this.busy.set(channel, (this.busy.get(channel) ?? 1) - 1);
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  private send(channel: Channel, node: GatewayNode, icn: number, payload: Buffer, record: Sent): Promise<void> {
    if (channel === 'as2') return this.as2(node, icn, payload, record);
    if (channel === 'sftp') return this.sftp(node, icn, payload);
    return this.admin(node, icn, payload, record);
  }

  private async as2(node: GatewayNode, icn: number, payload: Buffer, record: Sent): Promise<void> {
    const m = buildMessage({
      payload,
      contentType: 'application/edi-x12',
      fileName: fileOf(icn),
      as2From: PARTNER_AS2,
      as2To: OUR_AS2,
      subject: poOf(icn),
      sign: { key: this.key, certificate: this.certificate, digest: 'sha256' },
      encrypt: { certificates: this.ours, cipher: 'aes256-cbc' },
      mdn: { to: PARTNER_AS2, signed: ['sha256'] },
      userAgent: 'edi-gateway-chaos',
    });
    record.id = m.messageId;
    let agent = this.agents.get(node.index);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, maxSockets: this.o.inFlight, timeout: 4000 });
      this.agents.set(node.index, agent);
    }
    const a = await post({
      url: `http://127.0.0.1:${node.ports.as2}/as2`,
      headers: m.headers,
      body: m.body,
      timeoutMs: this.o.requestTimeoutMs,
      agent,
      context: `AS2 ${fileOf(icn)}`,
    });
    if (a.status !== 200) throw new Error(`HTTP ${a.status}`);
    const ct = a.headers['content-type'];
    if (!ct) throw new Error('an answer without Content-Type');
    const mdn = parseMdn(ct, a.body, { certificates: this.ours });
    if (!mdn.signed) throw new Error('an unsigned MDN');
    if (mdn.disposition.known?.kind !== 'processed')
      throw new Error(`disposition ${mdn.fields.get('disposition') ?? '?'}`);
    if (mdn.originalMessageId !== m.messageId)
      throw new Error(`Original-Message-ID ${mdn.originalMessageId ?? 'none'}`);
  }

  private async sftp(node: GatewayNode, icn: number, payload: Buffer): Promise<void> {
    let client = this.sftpIdle.get(node.index)?.pop();
    if (!client) {
      // Quiet global listeners: a connection cut by a kill is expected here, and its send fails on its own.
      client = new SftpClient('chaos', { error: () => undefined, end: () => undefined, close: () => undefined });
      await client.connect({
        host: '127.0.0.1',
        port: node.ports.sftp,
        username: 'acme',
        privateKey: this.privateSsh,
        readyTimeout: this.o.requestTimeoutMs,
        hostVerifier: (key: Buffer) => key.equals(this.hostKey),
        retries: 0,
      } as SftpClient.ConnectOptions);
    }
    const c = client;
    try {
      const name = `inbox/${fileOf(icn)}`;
      await within(c.put(payload, `${name}.part`), this.o.requestTimeoutMs, `SFTP put ${name}.part`);
      // The rename is the receipt: the gateway answers it only after the commit.
      await within(c.rename(`${name}.part`, name), this.o.requestTimeoutMs, `SFTP rename ${name}`);
    } catch (e) {
      await c.end().catch(() => undefined);
      throw e;
    }
    if (node.ready) {
      const idle = this.sftpIdle.get(node.index) ?? [];
      idle.push(c);
      this.sftpIdle.set(node.index, idle);
    } else {
      await c.end().catch(() => undefined);
    }
  }

  private async admin(node: GatewayNode, icn: number, payload: Buffer, record: Sent): Promise<void> {
    const r = await request(`http://127.0.0.1:${node.ports.admin}/api/partners/acme/submit?fileName=${fileOf(icn)}`, {
      method: 'POST',
      body: payload,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
      ms: this.o.requestTimeoutMs,
    });
    if (r.status !== 202) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
    record.id = (JSON.parse(r.body) as { messageId: string }).messageId;
  }
}

/** Whether the tools this rig needs are here (openssl makes the partner's AS2 certificate). */
export function missingPeers(): string | undefined {
  return spawnSync('openssl', ['version']).status === 0 ? undefined : 'openssl is not installed';
}
