/**
 * What the AS2 end-to-end tests need around the real gateway process: the process itself
 * (`edi-gateway start` from the built dist/, which starts the AS2 listener of gateway.yaml `as2`), the
 * openssl and curl peers, a local HTTP server that takes async MDNs, and a read-only look into the
 * store (SQLite or MariaDB).
 */
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Store } from '../../../src/store/store';
import { GatewayProcess } from '../gateway';
import { describeOn, type DatabaseKind } from '../../helpers/databases';
import { describeFailing, describeNeeding } from '../../helpers/requirements';
import { sharedMissing } from '../../helpers/shared';
import { PEERS, sh } from '../../transports/as2/peer';

export { PEERS, sh };

/** Why the peers (openssl, curl, bash, the scripts) cannot run here, or undefined. */
export function peersUnavailable(): string | undefined {
  for (const [cmd, args, pkg] of [
    ['openssl', ['version'], 'openssl'],
    ['curl', ['--version'], 'curl'],
    ['bash', ['--version'], 'bash'],
  ] as const) {
    if (spawnSync(cmd, [...args], { encoding: 'utf8' }).status !== 0)
      return `${cmd} is not installed (apt-get install ${pkg})`;
  }
  for (const built of ['cli/main.js', 'pipeline/as2.js']) {
    if (!existsSync(resolve(__dirname, '../../../dist/src', built))) return 'dist/ is not built (npm run -s build)';
  }
  return undefined;
}

/**
 * `describe` on a database kind when the peers are there. Without ../shared/peers it fails; without
 * a tool or the database it is skipped with the reason, and fails under CI (helpers/requirements.ts).
 */
export function describeWithPeers(name: string, body: () => void, kind: DatabaseKind = 'sqlite'): void {
  const noScripts = sharedMissing('peers/as2-send-openssl.sh');
  if (noScripts) return describeFailing(name, '../shared/peers', noScripts);
  const tools = peersUnavailable();
  if (tools) return describeNeeding(name, 'openssl, curl and the built gateway', tools, body);
  describeOn(kind, name, body);
}

/**
 * The gateway as an operator runs it, `edi-gateway start --config FILE` (bin/edi-gateway.js over dist/),
 * as a child process; its pino lines are collected (with those of the worker processes of gateway.yaml
 * `processes`, which share its stdout). start() resolves once the gateway is running with its AS2
 * listener; stop() sends SIGTERM and resolves to the exit code.
 */
export class As2GatewayProcess extends GatewayProcess {
  protected override startTimeoutMs = 30_000;

  override async start(): Promise<void> {
    // startGateway logs "AS2 listening" from startAs2, and "gateway running" once everything has started.
    await super.start();
    if (!this.logged('AS2 listening'))
      throw new Error(
        `the gateway runs without its AS2 listener (gateway.yaml as2?); its log: ${JSON.stringify(this.lines)}`,
      );
  }
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A local HTTP server standing in for a partner's async MDN URL: keeps every request. */
export class MdnSink {
  readonly requests: ReceivedRequest[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'Content-Length': '0' }).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/mdn`;
  }

  /** The MDN whose report names this Original-Message-ID (looked for in the raw bytes; signed MDNs keep the report readable). */
  find(originalMessageId: string): ReceivedRequest | undefined {
    return this.requests.find((r) => r.body.includes(`Original-Message-ID: ${originalMessageId}`));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export interface MessageRow {
  id: string;
  direction: string;
  transport: string;
  partnerId: string | null;
  as2MessageId: string | null;
  as2From: string | null;
  fileName: string | null;
  sha256: string;
  status: string;
  mdnDisposition: string | null;
  mic: string | null;
  mdnSha256: string | null;
}

/**
 * Reads the gateway's store beside the running gateway, through its own connection to the same
 * DATABASE_URL (SQLite allows readers alongside the writer; on MariaDB it is one more client) and the
 * gateway's payload folder. Nothing here writes.
 */
export class StoreReader {
  private constructor(readonly store: Store) {}

  static async open(url: string, payloadDir: string): Promise<StoreReader> {
    return new StoreReader(await Store.open(url, { payloadDir }));
  }

  messages(where: string, ...params: unknown[]): Promise<MessageRow[]> {
    return this.store.query<MessageRow[]>(`SELECT * FROM message WHERE ${where}`, params);
  }

  events(
    where: string,
    ...params: unknown[]
  ): Promise<
    Array<{
      stage: string;
      status: string;
      code: string | null;
      detail: string | null;
      partnerId: string | null;
      messageId: string | null;
    }>
  > {
    return this.store.query(`SELECT * FROM event WHERE ${where} ORDER BY id`, params);
  }

  payload(sha256: string): Promise<Buffer> {
    return this.store.payload(sha256);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** The files of one as2-send-openssl.sh run. */
export interface SentByOpenssl {
  code: number;
  stdout: string;
  stderr: string;
  outdir: string;
  /** The expected MIC as the script computed it (mic.txt). */
  mic: string;
  response?: Buffer;
}

export async function sendWithOpenssl(
  args: { payload: string; key: string; cert: string; receiverCert: string; url: string; from: string; to: string },
  env: Record<string, string>,
): Promise<SentByOpenssl> {
  const r = await sh(
    join(PEERS, 'as2-send-openssl.sh'),
    [args.payload, args.key, args.cert, args.receiverCert, args.url, args.from, args.to],
    env,
  );
  const outdir = env.OUTDIR;
  const micFile = join(outdir, 'mic.txt');
  const responseFile = join(outdir, 'response.http');
  return {
    ...r,
    outdir,
    mic: existsSync(micFile) ? readFileSync(micFile, 'latin1').trim() : '',
    response: existsSync(responseFile) ? readFileSync(responseFile) : undefined,
  };
}
