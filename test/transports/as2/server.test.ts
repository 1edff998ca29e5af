/**
 * The AS2 listener with its dependencies injected (an in-memory store): what it answers, when it
 * answers (only after intake resolved), what it records and refuses, and over HTTPS against the openssl
 * peer (as2-send-openssl.sh with curl, the MDN checked by as2-verify-mdn-openssl.sh).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMdn, parseMdn, type ParsedMdn } from '../../../src/transports/as2/mdn';
import { buildMessage, type SendOptions } from '../../../src/transports/as2/message';
import { formatMic, micEquals } from '../../../src/transports/as2/mic';
import { buildEntity } from '../../../src/transports/as2/mime';
import {
  startAs2Server,
  type As2IntakeInput,
  type As2Refusal,
  type As2Server,
  type As2ServerDeps,
  type As2ServerOptions,
  type AsyncMdnRequest,
  type MdnRecord,
  type ReceivedMdn,
} from '../../../src/transports/as2/server';
import { PAYLOADS, PEERS, describeWithPeer, makeParty, makePartyInProcess, sh, tempDir } from './peer';

/** Resolves once `condition` holds: what the server records after answering is waited for, not slept through. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
}

const partner = makePartyInProcess('partner');
const us = makePartyInProcess('us');
const stranger = makePartyInProcess('stranger');
const payload = PAYLOADS[0].bytes;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** An in-memory store behind the deps, recording every call. */
class FakeStore {
  readonly intakes: As2IntakeInput[] = [];
  readonly mdns = new Map<string, MdnRecord>();
  readonly refusals: As2Refusal[] = [];
  readonly received: ReceivedMdn[] = [];
  private readonly byMessageId = new Map<string, string>();
  /** When set, intake waits for this before it resolves (the commit). */
  gate?: Promise<void>;
  failIntake = false;
  forgetMdns = false;
  /** intake records the receipt it is given, as the pipeline's does (As2IntakeResult.receiptRecorded). */
  recordsReceipts = false;

  deps(over: Partial<As2ServerDeps> = {}): As2ServerDeps {
    return {
      logger: quiet,
      partner: (as2From) =>
        as2From === 'ACME CORP'
          ? { partnerId: 'acme', signed: 'optional', encrypted: 'optional', certificates: [partner.certificate] }
          : as2From === 'STRICT'
            ? { partnerId: 'strict', signed: 'required', encrypted: 'required', certificates: [partner.certificate] }
            : undefined,
      intake: async (i) => {
        if (this.gate) await this.gate;
        if (this.failIntake) throw new Error('database is down');
        const key = `${i.as2From}\u0000${i.as2MessageId}`;
        const first = this.byMessageId.get(key);
        if (first) return { messageId: first, duplicate: true };
        this.intakes.push(i);
        const id = `m${this.intakes.length}`;
        this.byMessageId.set(key, id);
        return {
          messageId: id,
          duplicate: false,
          ...(this.recordsReceipts && i.receipt ? { receiptRecorded: true } : {}),
        };
      },
      recordMdn: async (id, rec) => {
        if (!this.forgetMdns) this.mdns.set(id, rec);
      },
      storedMdn: async (id) => this.mdns.get(id)?.mdn,
      refused: (r) => {
        this.refusals.push(r);
      },
      mdnReceived: async (r) => {
        this.received.push(r);
        return { matched: true };
      },
      ...over,
    };
  }
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function postTo(
  url: string,
  headers: Record<string, string>,
  body: Buffer | Buffer[],
  opts: { chunked?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...headers };
    if (!opts.chunked) h['Content-Length'] = String(Buffer.concat([body].flat()).length);
    const req = request(url, { method: 'POST', headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    for (const b of [body].flat()) req.write(b);
    req.end();
  });
}

/**
 * Sends headers declaring `length` bytes, then streams zeros until the server answers or closes:
 * the answer as text and how many body bytes the socket took.
 */
function streamUntilAnswered(
  url: string,
  headers: Record<string, string>,
  length: number,
): Promise<{ answer: string; written: number }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(u.port), u.hostname);
    const head = [
      `POST ${u.pathname} HTTP/1.1`,
      `Host: ${u.host}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${length}`,
      '',
      '',
    ].join('\r\n');
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    let stopped = false;
    const answer: Buffer[] = [];
    const stop = () => {
      if (stopped) return;
      stopped = true;
      socket.destroy();
      resolve({ answer: Buffer.concat(answer).toString('latin1'), written });
    };
    const pump = () => {
      while (!stopped && written < length) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('data', (c: Buffer) => {
      answer.push(c);
      // The whole answer is in once its body (Content-Length) has arrived.
      const text = Buffer.concat(answer).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text)?.[1];
      if (end >= 0 && len !== undefined && text.length >= end + 4 + Number(len)) stop();
    });
    socket.on('error', stop);
    socket.on('close', stop);
    socket.write(head);
    pump();
  });
}

const send = (over: Partial<SendOptions> = {}) =>
  buildMessage({
    payload,
    contentType: 'application/edi-x12',
    fileName: 'po.x12',
    as2From: 'ACME CORP',
    as2To: 'OUR GATEWAY',
    sign: { key: partner.key, certificate: partner.certificate, digest: 'sha256' },
    encrypt: { certificates: [us.certificate], cipher: 'aes256-cbc' },
    mdn: { to: 'as2@acme.example', signed: ['sha256'] },
    ...over,
  });

function mdnOf(a: Answer): ParsedMdn {
  return parseMdn(String(a.headers['content-type']), a.body, { certificates: [us.certificate] });
}

// Every scenario twice: the work on the event loop, and on two crypto threads (crypto-pool.ts).
describe.each([0, 2])('AS2 server (injected deps), cryptoThreads %i', (cryptoThreads) => {
  let store: FakeStore;
  let server: As2Server;
  const start = async (over: Partial<As2ServerOptions> = {}, deps: Partial<As2ServerDeps> = {}) => {
    store = new FakeStore();
    server = await startAs2Server({
      port: 0,
      host: '127.0.0.1',
      path: '/as2',
      maxBytes: 256 * 1024,
      identity: {
        id: 'OUR GATEWAY',
        keys: [{ key: us.key, certificate: us.certificate }],
        signer: { key: us.key, certificate: us.certificate },
      },
      deps: store.deps(deps),
      cryptoThreads,
      ...over,
    });
  };
  afterEach(async () => {
    await server?.close();
  });

  test('a signed and encrypted message: stored, then a signed sync MDN with its MIC; the MDN is recorded', async () => {
    await start();
    const m = send();
    const a = await postTo(server.url, m.headers, m.body);
    expect(a.status).toBe(200);
    expect(a.headers['as2-from']).toBe('"OUR GATEWAY"');
    expect(a.headers['as2-to']).toBe('"ACME CORP"');
    const mdn = mdnOf(a);
    expect(mdn.verified?.certificateIndex).toBe(0);
    expect(mdn.disposition.known).toEqual({ kind: 'processed' });
    expect(mdn.originalMessageId).toBe(m.messageId);
    expect(micEquals(mdn.receivedContentMic, m.mic)).toBe(true);
    expect(store.intakes).toHaveLength(1);
    expect(store.intakes[0]).toMatchObject({
      partnerId: 'acme',
      fileName: 'po.x12',
      as2MessageId: m.messageId,
      as2From: 'ACME CORP',
      mic: formatMic(m.mic),
    });
    expect(store.intakes[0].bytes.equals(payload)).toBe(true);
    const rec = store.mdns.get('m1')!;
    expect(rec).toMatchObject({ disposition: 'processed', mic: formatMic(m.mic) });
    expect(rec.mdn!.equals(buildEntity([['Content-Type', String(a.headers['content-type'])]], a.body))).toBe(true);
  });

  test('a sync MDN goes to intake with the message; once intake recorded it, recordMdn is not called', async () => {
    await start();
    store.recordsReceipts = true;
    const m = send();
    const a = await postTo(server.url, m.headers, m.body);
    expect(mdnOf(a).disposition.known).toEqual({ kind: 'processed' });
    const receipt = store.intakes[0].receipt!;
    expect(receipt).toMatchObject({ disposition: 'processed', mic: formatMic(m.mic) });
    // The MDN recorded in the commit is the one the partner gets, byte for byte.
    expect(receipt.mdn!.equals(buildEntity([['Content-Type', String(a.headers['content-type'])]], a.body))).toBe(true);
    // No MDN asked for: the disposition and the MIC still go with the message.
    const none = send({ mdn: undefined });
    expect((await postTo(server.url, none.headers, none.body)).status).toBe(200);
    expect(store.intakes[1].receipt).toEqual({ disposition: 'processed', mic: formatMic(none.mic) });
    expect(store.mdns.size).toBe(0);
  });

  test('compression before and after signing, and unsigned: the payload and the MIC survive', async () => {
    await start();
    for (const over of [
      { compress: 'before-signing' as const },
      { compress: 'after-signing' as const },
      { compress: 'before-signing' as const, sign: undefined },
    ]) {
      const m = send(over);
      const a = await postTo(server.url, m.headers, m.body);
      const mdn = mdnOf(a);
      expect(mdn.disposition.known).toEqual({ kind: 'processed' });
      expect(micEquals(mdn.receivedContentMic, m.mic)).toBe(true);
      expect(store.intakes[store.intakes.length - 1].bytes.equals(payload)).toBe(true);
    }
  });

  test('the MDN goes out only once intake has resolved (the commit)', async () => {
    await start();
    let commit!: () => void;
    store.gate = new Promise((r) => {
      commit = r;
    });
    const m = send();
    let answered = false;
    const pending = postTo(server.url, m.headers, m.body).then((a) => {
      answered = true;
      return a;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    commit();
    expect(mdnOf(await pending).disposition.ok).toBe(true);
  });

  test('over the body budget, a message is read once the body before it is unwrapped; one whose sender left frees its share', async () => {
    // Every body is over one byte: each is read alone.
    await start({ bodyBudgetBytes: 1, bodyBudgetWaitMs: 60_000 });
    const port = Number(new URL(server.url).port);
    const head = (h: Record<string, string>, length: number) =>
      `POST /as2 HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n` +
      `${Object.entries(h)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;
    const begin = (m: ReturnType<typeof send>) =>
      new Promise<import('node:net').Socket>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.write(head(m.headers, m.body.length));
          s.write(m.body.subarray(0, 100), () => resolve(s));
        });
      });
    const first = send();
    const slow = await begin(first);
    let firstAnswer = '';
    slow.on('data', (c: Buffer) => (firstAnswer += c.toString('latin1')));
    const second = send();
    let answered = false;
    const pending = postTo(server.url, second.headers, second.body).then((a) => {
      answered = true;
      return a;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    expect(store.intakes).toHaveLength(0);
    slow.write(first.body.subarray(100));
    expect(mdnOf(await pending).disposition.known).toEqual({ kind: 'processed' });
    await until(() => firstAnswer.includes('processed'));
    expect(firstAnswer).toMatch(/^HTTP\/1\.1 200/);
    expect(store.intakes.map((i) => i.as2MessageId)).toEqual([first.messageId, second.messageId]);
    slow.destroy();

    const gone = await begin(send());
    const third = send();
    const afterGone = postTo(server.url, third.headers, third.body);
    gone.destroy();
    expect(mdnOf(await afterGone).disposition.known).toEqual({ kind: 'processed' });
    expect(store.intakes.map((i) => i.as2MessageId)).toEqual([first.messageId, second.messageId, third.messageId]);
  });

  test('a repeated Message-ID: not stored again, and the first MDN comes back byte for byte', async () => {
    await start();
    const m = send();
    const first = await postTo(server.url, m.headers, m.body);
    const second = await postTo(server.url, m.headers, m.body);
    expect(store.intakes).toHaveLength(1);
    expect(second.status).toBe(200);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
  });

  test('a repeated Message-ID whose first MDN was not kept: processed/warning: duplicate-document', async () => {
    await start();
    store.forgetMdns = true;
    const m = send();
    await postTo(server.url, m.headers, m.body);
    const mdn = mdnOf(await postTo(server.url, m.headers, m.body));
    expect(mdn.disposition.known).toEqual({ kind: 'warning', warning: 'duplicate-document' });
    expect(micEquals(mdn.receivedContentMic, m.mic)).toBe(true);
  });

  test('unknown AS2-From, a foreign AS2-To, another case, missing headers: refused with 4xx text and recorded', async () => {
    await start();
    const cases: [Partial<SendOptions>, number, string][] = [
      [{ as2From: 'NOBODY' }, 403, 'EDIGW_AS2_PARTNER_UNKNOWN'],
      [{ as2From: 'acme corp' }, 403, 'EDIGW_AS2_PARTNER_UNKNOWN'],
      [{ as2To: 'SOMEONE ELSE' }, 403, 'EDIGW_AS2_RECIPIENT_UNKNOWN'],
    ];
    for (const [over, status, code] of cases) {
      const m = send(over);
      const a = await postTo(server.url, m.headers, m.body);
      expect(a.status).toBe(status);
      expect(a.body.toString()).toContain(code);
      expect(a.headers['content-type']).toMatch(/^text\/plain/);
    }
    const m = send();
    const { 'AS2-From': _drop, ...noFrom } = m.headers;
    const a = await postTo(server.url, noFrom, m.body);
    expect(a.status).toBe(400);
    expect(a.body.toString()).toMatch(/missing or invalid: AS2-From.*EDIGW_AS2_HEADERS_INVALID/);
    expect(store.intakes).toHaveLength(0);
    await until(() => store.refusals.length >= 4);
    expect(store.refusals.map((r) => [r.code, r.status, r.as2From])).toEqual([
      ['EDIGW_AS2_PARTNER_UNKNOWN', 403, 'NOBODY'],
      ['EDIGW_AS2_PARTNER_UNKNOWN', 403, 'acme corp'],
      ['EDIGW_AS2_RECIPIENT_UNKNOWN', 403, 'ACME CORP'],
      ['EDIGW_AS2_HEADERS_INVALID', 400, undefined],
    ]);
  });

  test('a stranger or an oversize declared length: answered from the headers, the body not read', async () => {
    await start({ maxBytes: 128 * 1024 * 1024 });
    const stranger = send({ as2From: 'NOBODY', sign: undefined, encrypt: undefined });
    const declared = 96 * 1024 * 1024;
    const a = await streamUntilAnswered(server.url, stranger.headers, declared);
    expect(a.answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(a.answer).toMatch(/connection: close/i);
    expect(a.answer).toContain('EDIGW_AS2_PARTNER_UNKNOWN');
    // Before the fix the whole body was read (and buffered) before the 403; now the answer comes at
    // once and the socket is closed: what got out is what the kernel buffers held, far from 96 MB.
    expect(a.written).toBeLessThan(declared / 4);
    const big = await streamUntilAnswered(
      server.url,
      send({ sign: undefined, encrypt: undefined }).headers,
      200 * 1024 * 1024,
    );
    expect(big.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(big.written).toBeLessThan(declared / 4);
    expect(store.intakes).toHaveLength(0);
    await until(() => store.refusals.length >= 2);
    expect(store.refusals.map((r) => [r.code, r.status])).toEqual([
      ['EDIGW_AS2_PARTNER_UNKNOWN', 403],
      ['EDIGW_AS2_TOO_LARGE', 413],
    ]);
  });

  test('larger than maxBytes: 413, declared or chunked, nothing stored', async () => {
    await start({ maxBytes: 64 * 1024 });
    const big = send({ payload: Buffer.alloc(100 * 1024, 0x41), sign: undefined });
    const declared = await postTo(server.url, big.headers, big.body);
    expect(declared.status).toBe(413);
    expect(declared.body.toString()).toContain('EDIGW_AS2_TOO_LARGE');
    const chunks = Array.from({ length: 10 }, (_, i) => big.body.subarray(i * 16 * 1024, (i + 1) * 16 * 1024));
    const chunked = await postTo(server.url, big.headers, chunks, { chunked: true });
    expect(chunked.status).toBe(413);
    expect(store.intakes).toHaveLength(0);
  });

  test('intake fails: HTTP 500 with the MDN processed/error: unexpected-processing-error', async () => {
    await start();
    store.failIntake = true;
    const m = send();
    const a = await postTo(server.url, m.headers, m.body);
    expect(a.status).toBe(500);
    expect(mdnOf(a).disposition.known).toEqual({ kind: 'error', error: 'unexpected-processing-error' });
    await until(() => store.refusals.length >= 1);
    expect(store.refusals[0]).toMatchObject({ code: 'EDIGW_AS2_INTAKE_FAILED', status: 500 });
  });

  test('refusals answered with the MDN disposition: tampered, wrong signer, unsigned where required, a bomb, unsupported MIC or receipt format', async () => {
    await start({ maxBytes: 1024 * 1024 });
    const tampered = send({ encrypt: undefined });
    const i = tampered.body.indexOf('BEG*00');
    tampered.body[i] = 'X'.charCodeAt(0);
    const bomb = send({ payload: Buffer.alloc(40 * 1024 * 1024), compress: 'before-signing', encrypt: undefined });
    const cases: [string, { headers: Record<string, string>; body: Buffer }, string][] = [
      ['tampered', tampered, 'processed/error: integrity-check-failed'],
      [
        'wrong signer',
        send({ sign: { key: stranger.key, certificate: stranger.certificate, digest: 'sha256' } }),
        'processed/error: authentication-failed',
      ],
      [
        'encrypted for someone else',
        send({ encrypt: { certificates: [stranger.certificate], cipher: 'aes128-cbc' } }),
        'processed/error: decryption-failed',
      ],
      [
        'unsigned where required',
        send({ as2From: 'STRICT', sign: undefined }),
        'processed/error: insufficient-message-security',
      ],
      ['a compressed bomb', bomb, 'processed/error: decompression-failed'],
    ];
    expect(bomb.body.length).toBeLessThan(1024 * 1024);
    for (const [name, m, disposition] of cases) {
      const a = await postTo(server.url, m.headers, m.body);
      expect([name, a.status]).toEqual([name, 200]);
      const mdn = mdnOf(a);
      expect([
        name,
        mdn.signed,
        `${mdn.disposition.type}/${mdn.disposition.modifier}: ${mdn.disposition.description}`,
      ]).toEqual([name, true, disposition]);
    }
    const unsupported = send();
    unsupported.headers['Disposition-Notification-Options'] =
      'signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, whirlpool';
    const mdn = mdnOf(await postTo(server.url, unsupported.headers, unsupported.body));
    expect(mdn.disposition.known).toEqual({ kind: 'failure', failure: 'unsupported MIC-algorithms' });
    // A receipt format we cannot sign in, required: failed, and unsigned (we cannot sign it that way).
    const pgp = send();
    pgp.headers['Disposition-Notification-Options'] =
      'signed-receipt-protocol=required, pgp-signature; signed-receipt-micalg=required, sha-256';
    const pgpMdn = mdnOf(await postTo(server.url, pgp.headers, pgp.body));
    expect([pgpMdn.signed, pgpMdn.disposition.known]).toEqual([
      false,
      { kind: 'failure', failure: 'unsupported format' },
    ]);
    expect(store.intakes).toHaveLength(0);
    // Optional, the message is taken and answered with an unsigned receipt.
    const optionalPgp = send();
    optionalPgp.headers['Disposition-Notification-Options'] = 'signed-receipt-protocol=optional, pgp-signature';
    const optionalMdn = mdnOf(await postTo(server.url, optionalPgp.headers, optionalPgp.body));
    expect([optionalMdn.signed, optionalMdn.disposition.known]).toEqual([false, { kind: 'processed' }]);
    expect(store.intakes).toHaveLength(1);
    // Without an MDN asked for, the HTTP status is the only answer.
    const { 'Disposition-Notification-To': _n, 'Disposition-Notification-Options': _o, ...noMdn } = tampered.headers;
    const a = await postTo(server.url, noMdn, tampered.body);
    expect(a.status).toBe(400);
    expect(a.body.toString()).toMatch(/^processed\/error: integrity-check-failed: /);
  });

  test('no MDN asked for: 200 and stored, unsigned MDN when an unsigned one is asked for', async () => {
    await start();
    const none = send({ mdn: undefined });
    const a = await postTo(server.url, none.headers, none.body);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toMatch(/^text\/plain/);
    expect(store.mdns.get('m1')).toMatchObject({ disposition: 'processed', mdn: undefined, mic: formatMic(none.mic) });
    const unsigned = send({ mdn: { to: 'x' } });
    const mdn = mdnOf(await postTo(server.url, unsigned.headers, unsigned.body));
    expect(mdn.signed).toBe(false);
    expect(micEquals(mdn.receivedContentMic, unsigned.mic)).toBe(true);
  });

  test('async MDN: an empty 200 at once, then the signed MDN POSTed to Receipt-Delivery-Option with AS2 headers', async () => {
    const got: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
    const sink: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.end('thanks');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    try {
      await start();
      const m = send({
        mdn: { to: 'x', signed: ['sha384'], asyncUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/mdn` },
      });
      const a = await postTo(server.url, m.headers, m.body);
      expect(a.status).toBe(200);
      expect(a.body.length).toBe(0);
      // Not recorded with the message: recordMdn queues its delivery.
      expect(store.intakes[0].receipt).toBeUndefined();
      await new Promise((r) => {
        const t = setInterval(() => {
          if (got.length) {
            clearInterval(t);
            r(undefined);
          }
        }, 20);
      });
      expect(got[0].headers).toMatchObject({
        'as2-from': '"OUR GATEWAY"',
        'as2-to': '"ACME CORP"',
        'as2-version': '1.2',
      });
      const mdn = parseMdn(String(got[0].headers['content-type']), got[0].body, { certificates: [us.certificate] });
      expect(mdn.verified).toBeDefined();
      expect(mdn.receivedContentMic?.algorithm).toBe('sha384');
      expect(micEquals(mdn.receivedContentMic, m.mic)).toBe(true);
    } finally {
      await new Promise<void>((r) => sink.close(() => r()));
    }
  });

  test("async MDN: recordMdn that queues it gets the request to queue, and the listener POSTs nothing; a duplicate's goes to deliverMdn", async () => {
    const records: MdnRecord[] = [];
    const handedOver: AsyncMdnRequest[] = [];
    let posted = 0;
    const sink: Server = createServer((req, res) => {
      posted++;
      req.resume();
      res.end();
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    try {
      await start(
        {},
        {
          recordMdn: async (id, rec) => {
            records.push(rec);
            store.mdns.set(id, rec);
            return { mdnQueued: true };
          },
          deliverMdn: async (req) => {
            handedOver.push(req);
          },
        },
      );
      const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/mdn`;
      const m = send({ mdn: { to: 'x', signed: ['sha256'], asyncUrl: url } });
      const a = await postTo(server.url, m.headers, m.body);
      expect(a.status).toBe(200);
      expect(a.body.length).toBe(0);
      expect(records).toHaveLength(1);
      const queued = records[0].async!;
      expect(queued).toMatchObject({ url, partnerId: 'acme', originalMessageId: m.messageId, messageId: 'm1' });
      expect(queued.entity.equals(records[0].mdn!)).toBe(true);
      expect(queued.headers).toMatchObject({
        'AS2-From': '"OUR GATEWAY"',
        'AS2-To': '"ACME CORP"',
        'Content-Type': expect.stringMatching(/^multipart\/signed/),
      });
      const mdn = parseMdn(queued.headers['Content-Type'], queued.body, { certificates: [us.certificate] });
      expect(micEquals(mdn.receivedContentMic, m.mic)).toBe(true);

      // The resend: its MDN is the stored one, handed over (deliverMdn queues it or not), never POSTed here.
      await postTo(server.url, m.headers, m.body);
      await until(() => handedOver.length >= 1);
      expect(handedOver).toHaveLength(1);
      expect(handedOver[0]).toMatchObject({ url, messageId: 'm1' });
      expect(handedOver[0].entity.equals(records[0].mdn!)).toBe(true);
      expect(posted).toBe(0);
    } finally {
      await new Promise<void>((r) => sink.close(() => r()));
    }
  });

  test("an async MDN POSTed to us is verified with the partner certificate and handed on; a stranger's is refused", async () => {
    await start();
    const mdn = buildMdn({
      reportingUA: 'acme',
      finalRecipient: 'ACME CORP',
      originalMessageId: '<ours@gw>',
      disposition: { kind: 'processed' },
      receivedContentMic: { digest: 'abc=', algorithm: 'sha256' },
      sign: { key: partner.key, certificate: partner.certificate, digest: 'sha256' },
    });
    const headers = {
      'AS2-From': '"ACME CORP"',
      'AS2-To': '"OUR GATEWAY"',
      'Message-ID': '<mdn-1@acme>',
      'Content-Type': mdn.contentType,
    };
    const a = await postTo(server.url, headers, mdn.body);
    expect(a.status).toBe(200);
    expect(store.received).toHaveLength(1);
    expect(store.received[0]).toMatchObject({ partnerId: 'acme', as2From: 'ACME CORP' });
    expect(store.received[0].mdn.originalMessageId).toBe('<ours@gw>');
    expect(store.received[0].mdn.verified).toBeDefined();
    const forged = buildMdn({
      reportingUA: 'x',
      finalRecipient: 'x',
      originalMessageId: '<ours@gw>',
      disposition: { kind: 'processed' },
      sign: { key: stranger.key, certificate: stranger.certificate, digest: 'sha256' },
    });
    const b = await postTo(server.url, { ...headers, 'Content-Type': forged.contentType }, forged.body);
    expect(b.status).toBe(400);
    expect(b.body.toString()).toContain('EDIGW_AS2_MDN_SIGNATURE_INVALID');
    expect(store.intakes).toHaveLength(0);
    expect(store.received).toHaveLength(1);
  });

  test('a request that stalls is cut off at the request timeout', async () => {
    await start({ requestTimeoutMs: 400 });
    const answer = await new Promise<string>((resolve) => {
      const s = connect(new URL(server.url).port as unknown as number, '127.0.0.1', () => {
        s.write(
          'POST /as2 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nAS2-From: "ACME CORP"\r\nAS2-To: "OUR GATEWAY"\r\n\r\npartial',
        );
      });
      let text = '';
      s.on('data', (c) => {
        text += c.toString();
      });
      s.on('close', () => resolve(text));
      s.on('error', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  // Apart from the stall: on a loaded machine these requests may take longer than its 400 ms bound.
  test('other paths and methods are refused', async () => {
    await start();
    const get = await fetch(server.url);
    expect(get.status).toBe(405);
    const elsewhere = await fetch(server.url.replace('/as2', '/other'), { method: 'POST', body: 'x' });
    expect(elsewhere.status).toBe(404);
  });
});

describeWithPeer('AS2 server over HTTPS against the openssl peer (as2-send-openssl.sh, curl)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: As2Server;
  let store: FakeStore;
  let ca = '';
  let ours: Awaited<ReturnType<typeof makeParty>>;
  let theirs: Awaited<ReturnType<typeof makeParty>>;

  beforeAll(async () => {
    tmp = tempDir('as2-server-');
    [ours, theirs] = await Promise.all([makeParty(tmp.dir, 'us'), makeParty(tmp.dir, 'partner')]);
    const key = join(tmp.dir, 'tls.key');
    ca = join(tmp.dir, 'tls.pem');
    const r = await sh('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      ca,
      '-days',
      '2',
      '-sha256',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    expect(r.code).toBe(0);
    store = new FakeStore();
    const deps = store.deps({
      partner: (f) =>
        f === 'ACME CORP'
          ? { partnerId: 'acme', signed: 'required', encrypted: 'required', certificates: [theirs.certificate] }
          : undefined,
    });
    server = await startAs2Server({
      port: 0,
      host: '127.0.0.1',
      path: '/as2',
      maxBytes: 64 * 1024,
      tls: { key: readFileSync(key), cert: readFileSync(ca) },
      // Through the crypto threads: the openssl peer's messages unwrapped and its MDN signed there.
      cryptoThreads: 2,
      identity: {
        id: 'OUR GATEWAY',
        keys: [{ key: ours.key, certificate: ours.certificate }],
        signer: { key: ours.key, certificate: ours.certificate },
      },
      deps,
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    tmp?.cleanup();
  });

  test('curl over TLS: taken, and the signed MDN passes as2-verify-mdn-openssl.sh', async () => {
    expect(server.url).toMatch(/^https:/);
    const file = join(tmp.dir, 'po.x12');
    writeFileSync(file, payload);
    const out = join(tmp.dir, 'tls-1');
    const r = await sh(
      join(PEERS, 'as2-send-openssl.sh'),
      [file, theirs.keyFile, theirs.certFile, ours.certFile, server.url, 'ACME CORP', 'OUR GATEWAY'],
      { OUTDIR: out, MESSAGE_ID: '<tls-1@acme>', CIPHER: 'aes128', MD: 'sha384', CURL_CA_BUNDLE: ca },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = await sh(join(PEERS, 'as2-verify-mdn-openssl.sh'), [
      join(out, 'response.http'),
      ours.certFile,
      readFileSync(join(out, 'mic.txt'), 'latin1').trim(),
      '<tls-1@acme>',
    ]);
    expect(v.stdout).toContain('MIC check     : MATCH');
    expect(v.code).toBe(0);
    expect(store.intakes[0].bytes.equals(payload)).toBe(true);
  });

  test('curl sending more than maxBytes reads the 413, not a reset', async () => {
    const file = join(tmp.dir, 'big.x12');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 0x41));
    const out = join(tmp.dir, 'tls-big');
    const r = await sh(
      join(PEERS, 'as2-send-openssl.sh'),
      [file, theirs.keyFile, theirs.certFile, ours.certFile, server.url, 'ACME CORP', 'OUR GATEWAY'],
      { OUTDIR: out, CURL_CA_BUNDLE: ca },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('http status: 413');
    expect(readFileSync(join(out, 'response.body'), 'utf8')).toContain('EDIGW_AS2_TOO_LARGE');
  });
});
