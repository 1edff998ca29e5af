/**
 * The load process of the as2 rows (bench/as2.ts forks it): a partner sending AS2 messages to one
 * receiver, the gateway or the libas2 receiver (bench/as2-libas2.ts), from a process of its own.
 *
 *   1. untimed: `count + warmup` distinct X12 850s (one purchase order each, grown to `payloadBytes`
 *      with PO1 lines), each built into an AS2 message by our own builder (src/transports/as2/message.ts
 *      `buildMessage`): signed (RSASSA-PKCS1-v1_5, SHA-256) by the partner, encrypted (AES-256-CBC) for
 *      the receiver's certificate, asking for a signed sync MDN (`signed-receipt-micalg=sha-256`), a
 *      Message-ID of its own each. Then `warmup` of them are sent (same concurrency), to open the
 *      keep-alive connections and warm both sides' code up; `ready` goes to the parent;
 *   2. timed, on `go`: the `count` others POSTed with `concurrency` requests in flight on a keep-alive
 *      agent of as many sockets, from the first POST until the last MDN has been read;
 *   3. every answer checked: HTTP 200, a signed MDN whose signature verifies with the receiver's
 *      certificate (one RSA verify), disposition `processed`, Original-Message-ID ours, and the
 *      Received-Content-MIC the one we computed. `done` carries the counts and the seconds.
 *
 * `lenientMdn` (the libas2 rows): libas2 signs its MDN over the report without the CRLF that ends it
 * (its own verify tries both); such an MDN is verified over those bytes too, and counted.
 *
 * Not a row of its own; its CPU time is on the same two cores as the receiver's.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { GatewayError } from '../src/errors';
import {
  loadCertificates,
  loadPrivateKey,
  verifyDetached,
  type Certificate,
  type KeyTransport,
} from '../src/transports/as2/cms';
import { post } from '../src/transports/as2/http-client';
import { parseMdn } from '../src/transports/as2/mdn';
import { buildMessage, type BuiltMessage } from '../src/transports/as2/message';
import { micEquals } from '../src/transports/as2/mic';
import { buildEntity, parseEntity, splitSigned } from '../src/transports/as2/mime';
import { Rng } from './gen';

export interface LoadSpec {
  url: string;
  /** Timed messages. */
  count: number;
  /** Untimed messages sent first. */
  warmup: number;
  concurrency: number;
  payloadBytes: number;
  /** ISA control number of the first message (the rest follow). */
  firstIcn: number;
  as2From: string;
  as2To: string;
  /** The partner's (sender's) key and certificate, PEM files. */
  senderKey: string;
  senderCert: string;
  /** The receiver's certificate, PEM: encrypts to it, verifies its MDNs. */
  receiverCert: string;
  keyTransport: KeyTransport;
  transferEncoding: 'binary' | 'base64';
  lenientMdn?: boolean;
}

export interface LoadReady {
  type: 'ready';
  buildSeconds: number;
  /** HTTP bodies of the timed messages, bytes in all. */
  bodyBytes: number;
  /** Payload bytes of the timed messages. */
  payloadBytes: number;
  /** Every message built (warm-up ones first): its Message-ID, the payload's sha256 and size. */
  messages: Array<{ messageId: string; sha256: string; size: number }>;
  warmup: LoadTally;
}

export interface LoadTally {
  sent: number;
  ok: number;
  failures: number;
  /** The first few failures, each a line. */
  firstFailures: string[];
  /** MDNs that verified only without their final CRLF (lenientMdn). */
  lenient: number;
}

export interface LoadDone extends LoadTally {
  type: 'done';
  /** From the first timed POST to the last MDN read. */
  seconds: number;
  /** Epoch ms of the first POST and of the last MDN. */
  startedAt: number;
  endedAt: number;
  /** CPU seconds (user + system) this load process used in the timed part. */
  cpuSeconds: number;
  /** Per-message latency (POST to whole MDN), ms. */
  p50: number;
  p99: number;
  max: number;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** PO1 lines by payload size: every message of a size carries the same lines, under its own envelope and PO number. */
const linesBySize = new Map<number, string[]>();

/**
 * One X12 interchange from ACME (ZZ) to OURCOMPANY (ZZ) holding one 850 purchase order whose PO1 lines
 * grow it to `bytes`, then padded with line feeds to exactly `bytes`. The envelope's control numbers
 * and the PO number (BEG03) come from `icn`, so every message is distinct; the lines depend only on
 * `bytes` (generated once). Valid against the shipped 004010 850 profile.
 */
export function purchaseOrder(icn: number, bytes: number): string {
  const envelope = (n: number) => {
    const ctrl = pad(n, 9);
    return {
      head: [
        `ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     *240102*1230*U*00401*${ctrl}*0*P*>`,
        `GS*PO*ACME*OURCOMPANY*20240102*1230*${n}*X*004010`,
        'ST*850*0001',
        `BEG*00*SA*PO${ctrl}**20240102`,
      ],
      tail: (lines: number) => [`CTT*${lines}`, `SE*${lines + 4}*0001`, `GE*1*${n}`, `IEA*1*${ctrl}`],
    };
  };
  const size = (segs: string[]) => segs.reduce((n, s) => n + s.length + 2, 0);
  let lines = linesBySize.get(bytes);
  if (!lines) {
    // Sized for the longest envelope (a 9-digit control number), so that every message fits.
    const widest = envelope(999_999_999);
    const r = new Rng(0xa52 + bytes);
    lines = [];
    let used = size(widest.head);
    for (let l = 1; ; l++) {
      const line = `PO1*${l}*${r.int(1, 500)}*${r.pick(['EA', 'CA', 'BX'])}*${r.int(0, 999)}.${pad(r.int(0, 99), 2)}**VP*SKU${pad(r.int(0, 999999), 6)}`;
      if (l > 1 && used + line.length + 2 + size(widest.tail(l)) > bytes) break;
      lines.push(line);
      used += line.length + 2;
    }
    linesBySize.set(bytes, lines);
  }
  const e = envelope(icn);
  const text = [...e.head, ...lines, ...e.tail(lines.length)].join('~\n') + '~\n';
  return text + '\n'.repeat(Math.max(0, bytes - Buffer.byteLength(text)));
}

interface Prepared {
  built: BuiltMessage;
  sha256: string;
  size: number;
}

function prepare(spec: LoadSpec, n: number): Prepared[] {
  const key = loadPrivateKey(readFileSync(spec.senderKey));
  const [certificate] = loadCertificates(readFileSync(spec.senderCert));
  const receiver = loadCertificates(readFileSync(spec.receiverCert));
  const out: Prepared[] = [];
  for (let i = 0; i < n; i++) {
    const icn = spec.firstIcn + i;
    const payload = Buffer.from(purchaseOrder(icn, spec.payloadBytes), 'utf8');
    const built = buildMessage({
      payload,
      contentType: 'application/edi-x12',
      fileName: `po-${pad(icn, 9)}.x12`,
      as2From: spec.as2From,
      as2To: spec.as2To,
      subject: `PO ${icn}`,
      sign: { key, certificate, digest: 'sha256' },
      encrypt: { certificates: receiver, cipher: 'aes256-cbc', keyTransport: spec.keyTransport },
      transferEncoding: spec.transferEncoding,
      mdn: { to: spec.as2From, signed: ['sha256'] },
      userAgent: 'edi-gateway-bench',
    });
    out.push({ built, sha256: createHash('sha256').update(payload).digest('hex'), size: payload.length });
  }
  return out;
}

const CRLF = Buffer.from('\r\n');

/** The MDN's signature with the receiver's certificate: strict (RFC 1847 part bytes), or, lenient, also without the final CRLF. */
function verifyMdnSignature(
  contentType: string,
  body: Buffer,
  certs: Certificate[],
  lenient: boolean,
): 'strict' | 'lenient' {
  const s = splitSigned(parseEntity(buildEntity([['Content-Type', contentType]], body)));
  try {
    verifyDetached(s.signature, s.signedBytes, certs);
    return 'strict';
  } catch (e) {
    const bytes = s.signedBytes;
    if (!lenient || !bytes.subarray(-2).equals(CRLF)) throw e;
    verifyDetached(s.signature, bytes.subarray(0, -2), certs);
    return 'lenient';
  }
}

class Sender {
  private readonly agent: http.Agent;
  private readonly certs: Certificate[];

  constructor(private readonly spec: LoadSpec) {
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: spec.concurrency,
      maxFreeSockets: spec.concurrency,
      scheduling: 'fifo',
    });
    this.certs = loadCertificates(readFileSync(spec.receiverCert));
  }

  /** Sends the messages, `concurrency` at a time; resolves with the tally and each message's latency. */
  async run(list: Prepared[]): Promise<{ tally: LoadTally; latencies: number[]; end: number }> {
    const tally: LoadTally = { sent: 0, ok: 0, failures: 0, firstFailures: [], lenient: 0 };
    const latencies: number[] = [];
    let next = 0;
    let end = 0;
    const lane = async () => {
      for (;;) {
        const i = next++;
        if (i >= list.length) return;
        const m = list[i].built;
        const t = performance.now();
        tally.sent++;
        try {
          const answer = await post({
            url: this.spec.url,
            headers: m.headers,
            body: m.body,
            timeoutMs: 300_000,
            agent: this.agent,
            context: `POST ${m.messageId}`,
          });
          const now = Date.now();
          end = Math.max(end, now);
          latencies.push(performance.now() - t);
          if (answer.status !== 200)
            throw new Error(`HTTP ${answer.status}: ${answer.body.subarray(0, 300).toString('utf8').trim()}`);
          const ct = answer.headers['content-type'];
          if (!ct) throw new Error('an answer without Content-Type');
          const mdn = parseMdn(ct, answer.body);
          if (!mdn.signed) throw new Error('the MDN is not signed');
          if (verifyMdnSignature(ct, answer.body, this.certs, !!this.spec.lenientMdn) === 'lenient') tally.lenient++;
          if (mdn.disposition.known?.kind !== 'processed')
            throw new Error(`disposition ${mdn.fields.get('disposition') ?? '?'}`);
          if (mdn.originalMessageId !== m.messageId)
            throw new Error(`Original-Message-ID ${mdn.originalMessageId ?? 'none'}, not ${m.messageId}`);
          if (!micEquals(m.mic, mdn.receivedContentMic))
            throw new Error(
              `Received-Content-MIC ${mdn.fields.get('received-content-mic') ?? 'none'}, expected ${m.mic.digest}`,
            );
          tally.ok++;
        } catch (e) {
          tally.failures++;
          const text = e instanceof GatewayError ? e.describe() : (e as Error).message;
          if (tally.firstFailures.length < 3) tally.firstFailures.push(`${m.messageId}: ${text.slice(0, 400)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.spec.concurrency, list.length) }, lane));
    return { tally, latencies, end };
  }

  close(): void {
    this.agent.destroy();
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  const send = (m: LoadReady | LoadDone | { type: 'error'; error: string }) =>
    new Promise<void>((r) => process.send!(m, () => r()));
  try {
    const t = performance.now();
    const all = prepare(spec, spec.warmup + spec.count);
    const buildSeconds = (performance.now() - t) / 1000;
    const warm = all.slice(0, spec.warmup);
    const timed = all.slice(spec.warmup);
    const sender = new Sender(spec);
    const w = await sender.run(warm);
    const go = new Promise<void>((r) => process.once('message', () => r()));
    await send({
      type: 'ready',
      buildSeconds,
      bodyBytes: timed.reduce((n, p) => n + p.built.body.length, 0),
      payloadBytes: timed.reduce((n, p) => n + p.size, 0),
      messages: all.map((p) => ({ messageId: p.built.messageId, sha256: p.sha256, size: p.size })),
      warmup: w.tally,
    });
    await go;

    // Timed from here.
    const startedAt = Date.now();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await sender.run(timed);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    sender.close();
    const sorted = r.latencies.sort((a, b) => a - b);
    await send({
      type: 'done',
      ...r.tally,
      seconds,
      startedAt,
      endedAt: r.end || Date.now(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? 0,
    });
  } catch (e) {
    await send({ type: 'error', error: (e as Error).stack ?? String(e) });
  }
  process.exit(0);
}

if (require.main === module) void main();
