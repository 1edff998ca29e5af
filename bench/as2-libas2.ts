/**
 * The baseline receiver of the as2 rows (bench/as2.ts forks it): an AS2 receiver built with the npm
 * `libas2` package (0.8.2, pkijs pinned to 2.1.91), in one Node process as the gateway is, over plain
 * HTTP on 127.0.0.1.
 *
 * Per request: the body is read whole; the AS2-From and AS2-To must be the agreement's (403
 * otherwise); `AS2Parser.parse` reads it; `AS2Disposition.outgoing` decrypts it with our key, verifies
 * the partner's signature and builds the MDN, signed with SHA-256 (the agreement says so: libas2
 * takes the MDN options from the agreement, not from Disposition-Notification-Options); a processed
 * payload is written to a file of its own in `dir` and fsynced, then the folder is fsynced (as the
 * gateway's payload store makes a payload durable); only then is the MDN answered, in the response.
 *
 * What libas2 cannot take, and how the load works around it (docs/bench.md has the detail):
 * - PKCS#1 v1.5 key transport: it decrypts that with `privateDecrypt(RSA_PKCS1_PADDING)`, which
 *   Node 20 refuses (CVE-2023-46809) without --security-revert; the load encrypts for it with
 *   RSAES-OAEP (SHA-1), which it hands to pkijs and WebCrypto.
 * - A binary HTTP body: `AS2Parser.parse` turns the body into a UTF-8 string first, which breaks the
 *   DER of an EnvelopedData; the load sends it base64 (Content-Transfer-Encoding: base64).
 *
 * Messages: `{ type: 'listening', port }` once listening; on SIGTERM it stops taking requests, waits
 * for those in flight and sends `{ type: 'stats', ... }` before exiting 0.
 */
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AS2Agreement, AS2Disposition, AS2Parser } from 'libas2';

export interface Libas2Spec {
  /** 0: any free port. */
  port: number;
  /** Where payloads are written, one file each. */
  dir: string;
  hostId: string;
  partnerId: string;
  hostKey: string;
  hostCert: string;
  partnerCert: string;
}

export interface Libas2Stats {
  type: 'stats';
  requests: number;
  processed: number;
  /** MDNs that did not say processed (decryption or verification failed), and requests that threw. */
  refused: number;
  errors: number;
  firstProblems: string[];
  /** Payload bytes written (what libas2 handed over). */
  bytesWritten: number;
}

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

const unquote = (s: string | undefined) => s?.trim().replace(/^"(.*)"$/, '$1');

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as Libas2Spec;
  const agreement = new AS2Agreement({
    host: {
      name: spec.hostId,
      id: spec.hostId,
      url: `http://127.0.0.1:${spec.port}/as2`,
      certificate: readFileSync(spec.hostCert, 'utf8'),
      privateKey: readFileSync(spec.hostKey, 'utf8'),
      decrypt: true,
      sign: 'sha-256',
    },
    partner: {
      name: spec.partnerId,
      id: spec.partnerId,
      url: 'http://127.0.0.1:1/as2',
      file: 'EDIX12',
      certificate: readFileSync(spec.partnerCert, 'utf8'),
      encrypt: false,
      verify: true,
      mdn: { signing: 'sha-256' },
    },
  });
  const stats: Libas2Stats = {
    type: 'stats',
    requests: 0,
    processed: 0,
    refused: 0,
    errors: 0,
    firstProblems: [],
    bytesWritten: 0,
  };
  const problem = (p: string) => {
    if (stats.firstProblems.length < 3) stats.firstProblems.push(p.slice(0, 400));
  };
  await fs.mkdir(spec.dir, { recursive: true });
  const folder = await fs.open(spec.dir, 'r');
  let seq = 0;

  const write = async (bytes: Buffer) => {
    const file = join(spec.dir, `payload-${String(++seq).padStart(7, '0')}.x12`);
    const fh = await fs.open(file, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await folder.sync();
    stats.bytesWritten += bytes.length;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    stats.requests++;
    if (unquote(headerOf(req, 'as2-from')) !== spec.partnerId || unquote(headerOf(req, 'as2-to')) !== spec.hostId) {
      stats.refused++;
      problem(`AS2-From ${headerOf(req, 'as2-from')}, AS2-To ${headerOf(req, 'as2-to')}`);
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('unknown AS2-From or AS2-To\n');
      return;
    }
    const node = await AS2Parser.parse({
      headers: req.headers as Record<string, string>,
      content: Buffer.concat(chunks),
    });
    const { contentNode, dispositionNode, disposition } = await AS2Disposition.outgoing({ node, agreement });
    if (disposition.notification.disposition.processed && contentNode) {
      const content = contentNode.content;
      await write(Buffer.isBuffer(content) ? content : Buffer.from(String(content)));
      stats.processed++;
    } else {
      stats.refused++;
      problem(
        `${headerOf(req, 'message-id')}: ${disposition.explanation} ${disposition.notification.disposition.description?.text ?? ''}`,
      );
    }
    const mdn = await dispositionNode.buildObject();
    const body = Buffer.from(mdn.body, 'utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(mdn.headers)) headers[k] = String(v);
    res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
    res.end(body);
  };

  const inFlight = new Set<Promise<void>>();
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const p = handle(req, res).catch((e: unknown) => {
      stats.errors++;
      problem(`${headerOf(req, 'message-id')}: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${(e as Error).message}\n`);
      else res.destroy();
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  await new Promise<void>((r) => server.listen(spec.port, '127.0.0.1', r));
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port });
  process.once('SIGTERM', () => {
    server.close();
    server.closeIdleConnections();
    void Promise.all([...inFlight]).then(async () => {
      await folder.close();
      server.closeAllConnections();
      if (process.send) process.send(stats, () => process.exit(0));
      else process.exit(0);
    });
  });
}

void main().catch((e: unknown) => {
  process.stderr.write(`as2-libas2: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(2);
});
