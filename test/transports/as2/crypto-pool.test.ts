/**
 * The AS2 listener's crypto threads (crypto-pool.ts): the same answers as the work on the event loop
 * across the RFC 4130 matrix and its refusals, and a thread that throws, exits or dies of an uncaught
 * exception mid-message gives the partner a proper answer while the listener goes on.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../../src/errors';
import type { DigestAlgorithm } from '../../../src/transports/as2/cms';
import { inThreadCrypto, startAs2Crypto, type As2Crypto } from '../../../src/transports/as2/crypto-pool';
import { parseMdn } from '../../../src/transports/as2/mdn';
import { buildMessage, readAs2Headers, type SendOptions } from '../../../src/transports/as2/message';
import { parseEntity } from '../../../src/transports/as2/mime';
import { startAs2Server, type As2Refusal, type As2Server } from '../../../src/transports/as2/server';
import type { MdnSigning, Unwrapped } from '../../../src/transports/as2/unwrap-task';
import { PAYLOADS, allCombinations, makePartyInProcess } from './peer';
import { post } from '../../helpers/http';

const partner = makePartyInProcess('partner');
const us = makePartyInProcess('us');
const stranger = makePartyInProcess('stranger');
const payload = PAYLOADS[0].bytes;
const signing: MdnSigning = {
  id: 'OUR GATEWAY',
  reportingUA: 'edi-gateway test',
  signer: { key: us.key, certificate: us.certificate },
};
const keys = [{ key: us.key, certificate: us.certificate }];
const policy = { signed: 'optional', encrypted: 'optional', certificates: [partner.certificate], keys } as const;
const at = new Date('2026-12-07T01:00:00Z');

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

/** What a run gives, with the MDN read back (its boundaries and signature differ from run to run). */
async function outcome(crypto: As2Crypto, m: { headers: Record<string, string>; body: Buffer }, p = policy) {
  let u: Unwrapped;
  try {
    // A copy each: the pool takes the body over.
    u = await crypto.unwrap(m.headers, Buffer.from(m.body), p, at);
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return { error: e.code, text: e.describe() };
  }
  const { mdn, payload: bytes, mdnSha256, ...rest } = u;
  const entity = parseEntity(mdn!);
  // The MDN's bytes differ run by run (boundary, Message-ID): its hash is checked against them, not compared.
  expect(mdnSha256).toBe(createHash('sha256').update(mdn!).digest('hex'));
  expect(rest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  const read = parseMdn(entity.headers.get('content-type')!, entity.body, { certificates: [us.certificate] });
  return {
    ...rest,
    payload: bytes.toString('base64'),
    mdn: {
      verified: read.verified?.certificateIndex,
      disposition: read.disposition.known,
      mic: read.receivedContentMic,
      original: read.originalMessageId,
    },
  };
}

describe('AS2 crypto threads', () => {
  const local = inThreadCrypto(signing, keys);
  let pool: As2Crypto;
  beforeAll(() => {
    pool = startAs2Crypto({ threads: 2, signing, keys, logger: quiet(), threadBodyMax: 64 * 1024 * 1024 });
  });
  afterAll(async () => {
    await pool.close();
  });

  test('the RFC 4130 matrix: the same payload, MIC, layers and MDN on the threads as on the event loop', async () => {
    const rows = allCombinations({
      sign: ['none', 'sha1', 'sha256', 'sha512', 'sha384-pss'],
      encrypt: ['none', 'aes128-cbc', 'aes256-cbc', 'des-ede3-cbc', 'aes256-gcm'],
      compress: ['none', 'before-signing', 'after-signing'],
    });
    for (const [i, row] of rows.entries()) {
      const [digest, pss] = row.sign.split('-') as [DigestAlgorithm, string | undefined];
      const m = send({
        sign:
          row.sign === 'none'
            ? undefined
            : {
                key: partner.key,
                certificate: partner.certificate,
                digest,
                ...(pss ? { scheme: 'rsassa-pss' as const } : {}),
              },
        encrypt:
          row.encrypt === 'none'
            ? undefined
            : {
                certificates: [us.certificate],
                cipher: row.encrypt as 'aes256-cbc',
                // Every other row with OAEP key transport.
                ...(i % 2 ? { keyTransport: 'rsaes-oaep' as const } : {}),
              },
        compress: row.compress === 'none' ? undefined : (row.compress as 'before-signing'),
        transferEncoding: i % 3 ? 'binary' : 'base64',
        mdn: { to: 'as2@acme.example', signed: [i % 2 ? 'sha1' : 'sha256'] },
      });
      const here = await outcome(local, m);
      expect([row, 'error' in here ? here : 'ok']).toEqual([row, 'ok']);
      expect([row, await outcome(pool, m)]).toEqual([row, here]);
    }
  });

  test('the refusals: the same code and the same words on the threads as on the event loop', async () => {
    const tampered = send({ encrypt: undefined });
    tampered.body[tampered.body.indexOf('BEG*00')] = 'X'.charCodeAt(0);
    const badKey = send();
    badKey.body[200] ^= 0xff;
    const unsupported = send();
    unsupported.headers['Disposition-Notification-Options'] =
      'signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, whirlpool';
    const cases: [string, { headers: Record<string, string>; body: Buffer }, typeof policy | undefined, string][] = [
      ['tampered', tampered, undefined, 'EDIGW_AS2_INTEGRITY_CHECK_FAILED'],
      [
        'wrong signer',
        send({ sign: { key: stranger.key, certificate: stranger.certificate, digest: 'sha256' } }),
        undefined,
        'EDIGW_AS2_AUTHENTICATION_FAILED',
      ],
      [
        'encrypted for someone else',
        send({ encrypt: { certificates: [stranger.certificate], cipher: 'aes128-cbc' } }),
        undefined,
        'EDIGW_AS2_DECRYPTION_FAILED',
      ],
      ['a damaged envelope', badKey, undefined, 'EDIGW_AS2_DECRYPTION_FAILED'],
      [
        'unsigned where required',
        send({ sign: undefined }),
        { ...policy, signed: 'required' } as unknown as typeof policy,
        'EDIGW_AS2_INSUFFICIENT_SECURITY',
      ],
      [
        'a compressed bomb',
        send({ payload: Buffer.alloc(40 * 1024 * 1024), compress: 'before-signing', encrypt: undefined }),
        { ...policy, decompression: { maxBytes: 1024 * 1024 } } as unknown as typeof policy,
        'EDIGW_AS2_DECOMPRESSION_REFUSED',
      ],
      ['an unsupported MIC', unsupported, undefined, 'EDIGW_AS2_MIC_UNSUPPORTED'],
      ['no MIME at all', { headers: { 'Content-Type': 'multipart/signed' }, body: Buffer.from('x') }, undefined, ''],
    ];
    for (const [name, m, p, code] of cases) {
      const here = await outcome(local, m, p);
      if (code) expect([name, 'error' in here && here.error]).toEqual([name, code]);
      else expect([name, 'error' in here]).toEqual([name, true]);
      expect([name, await outcome(pool, m, p)]).toEqual([name, here]);
    }
  });

  test('an MDN for a refusal: the same disposition on the threads, signed with our key', async () => {
    const as2 = readAs2Headers(send().headers);
    for (const crypto of [local, pool]) {
      const entity = parseEntity(await crypto.mdn(as2, { kind: 'error', error: 'decryption-failed' }, undefined, at));
      const read = parseMdn(entity.headers.get('content-type')!, entity.body, { certificates: [us.certificate] });
      expect(read.verified?.certificateIndex).toBe(0);
      expect(read.disposition.known).toEqual({ kind: 'error', error: 'decryption-failed' });
    }
  });

  test('a 1 MiB body goes to the thread and its payload comes back without being copied into the message', async () => {
    const big = Buffer.alloc(1024 * 1024, 'A');
    const m = send({ payload: big });
    const body = Buffer.from(m.body);
    const u = await pool.unwrap(m.headers, body, policy, at);
    // Transferred, not cloned: the listener's body is gone, the payload is a view of the thread's buffer.
    expect(body.byteLength).toBe(0);
    expect(u.payload.equals(big)).toBe(true);
  });

  test('a body over threadBodyMax is unwrapped on the event loop, with the same result', async () => {
    const small = startAs2Crypto({ threads: 1, signing, keys, logger: quiet(), threadBodyMax: 1024 });
    try {
      const m = send();
      const body = Buffer.from(m.body);
      const u = await small.unwrap(m.headers, body, policy, at);
      // Not handed over: the listener's body is still there.
      expect(body.equals(m.body)).toBe(true);
      expect(u.payload.equals(payload)).toBe(true);
      expect(await outcome(small, m)).toEqual(await outcome(local, m));
    } finally {
      await small.close();
    }
  });

  test('each thread warms up on messages of our own, answers a partner meanwhile as the event loop does, and logs nothing', async () => {
    const logger = quiet();
    const warming = startAs2Crypto({ threads: 2, signing, keys, logger, warmup: 40 });
    try {
      const m = send();
      expect(await outcome(warming, m)).toEqual(await outcome(local, m));
      expect(await warming.warmedUp).toEqual([
        { messages: 40, ms: expect.any(Number) },
        { messages: 40, ms: expect.any(Number) },
      ]);
      expect(logger.lines).toEqual([]);
    } finally {
      await warming.close();
    }
  });

  test('a warm-up that our own key cannot decrypt stops at once and says so: partners would meet the same', async () => {
    const logger = quiet();
    const mismatched = [{ key: us.key, certificate: partner.certificate }];
    const warming = startAs2Crypto({ threads: 1, signing, keys: mismatched, logger, warmup: 40 });
    try {
      const [report] = await warming.warmedUp;
      expect(report).toEqual({ failed: expect.stringMatching(/^unwrapping a message of our own: /) });
      expect(logger.lines.map((l) => [l.level, l.message])).toEqual([['warn', 'as2 crypto thread warm-up failed']]);
    } finally {
      await warming.close();
    }
  });

  test('without a key that signs MDNs there is no message of our own to warm up on: skipped, quietly', async () => {
    const logger = quiet();
    const unsigned = { id: signing.id, reportingUA: signing.reportingUA };
    const warming = startAs2Crypto({ threads: 1, signing: unsigned, keys, logger, warmup: 40 });
    try {
      expect(await warming.warmedUp).toEqual([{ skipped: 'no key signs MDNs' }]);
      expect(logger.lines).toEqual([]);
    } finally {
      await warming.close();
    }
  });
});

function quiet() {
  const lines: { level: string; fields: object; message: string }[] = [];
  const log = (level: string) => (fields: object, message: string) => void lines.push({ level, fields, message });
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

describe('AS2 listener with crypto threads that fail', () => {
  let server: As2Server;
  const refusals: As2Refusal[] = [];
  const stored: string[] = [];
  const logger = quiet();
  beforeAll(async () => {
    server = await startAs2Server({
      port: 0,
      host: '127.0.0.1',
      path: '/as2',
      maxBytes: 1024 * 1024,
      identity: { id: 'OUR GATEWAY', keys, signer: signing.signer },
      cryptoThreads: 1,
      cryptoTestHooks: true,
      // Long enough for a thread that is still starting on a loaded machine; a stuck one waits this long.
      cryptoTaskTimeoutMs: 5_000,
      deps: {
        logger,
        partner: (f) =>
          f === 'ACME CORP'
            ? { partnerId: 'acme', signed: 'required', encrypted: 'required', certificates: [partner.certificate] }
            : undefined,
        intake: async (i) => {
          stored.push(i.as2MessageId);
          return { messageId: `m${stored.length}`, duplicate: false };
        },
        recordMdn: async () => undefined,
        storedMdn: async () => undefined,
        refused: (r) => void refusals.push(r),
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const mdnOf = (a: { headers: IncomingHttpHeaders; body: Buffer }) =>
    parseMdn(String(a.headers['content-type']), a.body, { certificates: [us.certificate] });

  async function taken(): Promise<void> {
    const m = send();
    const a = await post(server.url, m.headers, m.body);
    expect(a.status).toBe(200);
    expect(mdnOf(a).disposition.known).toEqual({ kind: 'processed' });
    expect(stored).toContain(m.messageId);
  }

  test.each(['exit', 'uncaught'])(
    'a thread that dies mid-message (%s): 500 with an unexpected-processing-error MDN, nothing stored, logged, and the next message is taken',
    async (how) => {
      await taken();
      const m = send();
      const before = stored.length;
      const a = await post(server.url, { ...m.headers, 'edigw-test-thread': how }, m.body);
      expect(a.status).toBe(500);
      const mdn = mdnOf(a);
      expect(mdn.verified?.certificateIndex).toBe(0);
      expect(mdn.disposition.known).toEqual({ kind: 'error', error: 'unexpected-processing-error' });
      expect(stored).toHaveLength(before);
      expect(refusals[refusals.length - 1]).toMatchObject({ code: 'EDIGW_AS2_WORKER_FAILED', status: 500 });
      expect(logger.lines.some((l) => l.level === 'error' && /crypto thread died/.test(l.message))).toBe(true);
      // The thread was replaced: the next messages are unwrapped and answered as usual.
      await taken();
      await taken();
    },
  );

  test('a thread stuck in a loop: ended after the task timeout, 500 with an unexpected-processing-error MDN, and the next message is taken', async () => {
    await taken();
    const m = send();
    const before = stored.length;
    const a = await post(server.url, { ...m.headers, 'edigw-test-thread': 'loop' }, m.body);
    expect(a.status).toBe(500);
    expect(mdnOf(a).disposition.known).toEqual({ kind: 'error', error: 'unexpected-processing-error' });
    expect(stored).toHaveLength(before);
    expect(refusals[refusals.length - 1]).toMatchObject({ code: 'EDIGW_AS2_WORKER_FAILED', status: 500 });
    expect(refusals[refusals.length - 1].reason).toMatch(/longer than 5000 ms/);
    expect(logger.lines.some((l) => l.level === 'error' && /crypto thread stuck/.test(l.message))).toBe(true);
    await taken();
    await taken();
  }, 30_000);

  test('a task that throws: the MDN unexpected-processing-error with 200, as on the event loop, and the thread goes on', async () => {
    const m = send();
    const a = await post(server.url, { ...m.headers, 'edigw-test-thread': 'throw' }, m.body);
    expect(a.status).toBe(200);
    expect(mdnOf(a).disposition.known).toEqual({ kind: 'error', error: 'unexpected-processing-error' });
    expect(refusals[refusals.length - 1]).toMatchObject({ code: 'EDIGW_AS2_PROCESSING_FAILED', status: 200 });
    await taken();
  });

  test('no MDN asked for and the thread dies: 500 with the reason as text', async () => {
    const m = send();
    const { 'Disposition-Notification-To': _t, 'Disposition-Notification-Options': _o, ...headers } = m.headers;
    const a = await post(server.url, { ...headers, 'edigw-test-thread': 'exit' }, m.body);
    expect(a.status).toBe(500);
    expect(a.body.toString()).toMatch(/EDIGW_AS2_WORKER_FAILED|crypto thread/);
    await taken();
  });
});
