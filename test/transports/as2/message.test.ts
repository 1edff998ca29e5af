import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../../src/errors';
import { encrypt, type ContentCipher, type DigestAlgorithm } from '../../../src/transports/as2/cms';
import { dispositionFor, formatDispositionType } from '../../../src/transports/as2/mdn';
import {
  buildMessage,
  formatAs2Name,
  parseAs2Name,
  readAs2Headers,
  receiveMessage,
  type ReceivePolicy,
  type SendOptions,
} from '../../../src/transports/as2/message';
import { buildEntity } from '../../../src/transports/as2/mime';
import {
  PAYLOADS,
  PEERS,
  describeWithPeer,
  makeParty,
  makePartyInProcess,
  readHeaderFile,
  sh,
  tempDir,
  type Party,
} from './peer';

const partner = makePartyInProcess('partner');
const us = makePartyInProcess('us');
const stranger = makePartyInProcess('stranger');
const payload = PAYLOADS[0].bytes;

/** What we receive from the partner. */
const policy = (over: Partial<ReceivePolicy> = {}): ReceivePolicy => ({
  signed: 'optional',
  encrypted: 'optional',
  certificates: [partner.certificate],
  keys: [{ key: us.key, certificate: us.certificate }],
  ...over,
});

/** What the partner sends us. */
const send = (over: Partial<SendOptions> = {}) =>
  buildMessage({
    payload,
    contentType: 'application/edi-x12',
    fileName: 'po.x12',
    as2From: 'ACME',
    as2To: 'OUR COMPANY',
    mdn: { to: 'as2@acme.example', signed: ['sha256'] },
    ...over,
  });

function failure(fn: () => unknown): { code: string; disposition: string } {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return { code: e.code, disposition: formatDispositionType(dispositionFor(e)) };
  }
  return { code: 'none', disposition: 'none' };
}

const sha = (alg: string, b: Buffer) => createHash(alg).update(b).digest('base64');
const payloadEntity = buildEntity(
  [
    ['Content-Type', 'application/edi-x12'],
    ['Content-Transfer-Encoding', 'binary'],
    ['Content-Disposition', 'attachment; filename="po.x12"'],
  ],
  payload,
);

describe('as2 message: our sender to our receiver', () => {
  const signs = [undefined, 'sha256', 'sha1'] as const;
  const ciphers = [undefined, 'aes128-cbc', 'des-ede3-cbc', 'aes256-gcm'] as const;
  const compressions = [undefined, 'before-signing', 'after-signing'] as const;
  const encodings = ['binary', 'base64'] as const;
  const cases = signs.flatMap((s) =>
    ciphers.flatMap((c) => compressions.flatMap((z) => encodings.map((e) => [s, c, z, e] as const))),
  );

  test.each(cases)(
    'sign=%s encrypt=%s compress=%s transfer=%s: the payload, its file name and the MIC come through',
    (digest, cipher, compression, te) => {
      const sent = send({
        sign: digest
          ? { key: partner.key, certificate: partner.certificate, digest: digest as DigestAlgorithm }
          : undefined,
        encrypt: cipher ? { certificates: [us.certificate], cipher: cipher as ContentCipher } : undefined,
        compress: compression,
        transferEncoding: te,
        mdn: { to: 'x', signed: digest ? [digest as DigestAlgorithm] : undefined },
      });
      const got = receiveMessage(sent.headers, sent.body, policy());
      expect(got.payload).toEqual(payload);
      expect(got.fileName).toBe('po.x12');
      expect(got.contentType).toBe('application/edi-x12');
      expect(got.mic).toEqual(sent.mic);
      expect(got.signed?.digest).toBe(digest);
      expect(got.encrypted?.cipher).toBe(cipher);
      const order = !compression ? undefined : !digest ? 'unsigned' : compression;
      expect(got.compressed?.order).toBe(order);
    },
  );

  test('the MIC digests what RFC 4130 §7.3.1 and RFC 5402 §4.1 say', () => {
    const sign = { key: partner.key, certificate: partner.certificate, digest: 'sha256' as const };
    const enc = { certificates: [us.certificate], cipher: 'aes256-cbc' as const };
    // unsigned, unencrypted, uncompressed: the content alone
    expect(send().mic.digest).toBe(sha('sha256', payload));
    // encrypted, unsigned: the decrypted entity, headers included
    expect(send({ encrypt: enc }).mic.digest).toBe(sha('sha256', payloadEntity));
    // compressed, unsigned: the entity after decompression, headers included
    expect(send({ compress: 'before-signing' }).mic.digest).toBe(sha('sha256', payloadEntity));
    // signed: the signed entity; compressed after signing, that is still the payload entity
    expect(send({ sign }).mic.digest).toBe(sha('sha256', payloadEntity));
    // signed with SHA-256, the MIC asked for in SHA-1: the same bytes, digested apart
    expect(send({ sign, mdn: { to: 'as2@acme.example', signed: ['sha1'] } }).mic).toEqual({
      digest: sha('sha1', payloadEntity),
      algorithm: 'sha1',
    });
    expect(send({ sign, compress: 'after-signing', encrypt: enc }).mic.digest).toBe(sha('sha256', payloadEntity));
    // compressed before signing: the signed (compressed) entity, not the payload
    expect(send({ sign, compress: 'before-signing' }).mic.digest).not.toBe(sha('sha256', payloadEntity));
  });

  test('the MIC algorithm: the first supported signed-receipt-micalg, else the signature digest, else SHA-256', () => {
    const sent = send({
      sign: { key: partner.key, certificate: partner.certificate, digest: 'sha384' },
      mdn: { to: 'x' },
    });
    expect(receiveMessage(sent.headers, sent.body, policy()).mic.algorithm).toBe('sha384');
    const asked = {
      ...sent.headers,
      'Disposition-Notification-Options':
        'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, md2, SHA1, sha-256',
    };
    expect(receiveMessage(asked, sent.body, policy()).mic.algorithm).toBe('sha1');
    const unknownOptional = {
      ...sent.headers,
      'Disposition-Notification-Options': 'signed-receipt-micalg=optional, md2',
    };
    expect(receiveMessage(unknownOptional, sent.body, policy()).mic.algorithm).toBe('sha384');
    const plain = send({ mdn: { to: 'x' } });
    expect(receiveMessage(plain.headers, plain.body, policy()).mic.algorithm).toBe('sha256');
  });

  test('a required MIC algorithm we do not support: failed/failure: unsupported MIC-algorithms', () => {
    const sent = send();
    const headers = {
      ...sent.headers,
      'Disposition-Notification-Options':
        'signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, md2, gost',
    };
    expect(failure(() => receiveMessage(headers, sent.body, policy()))).toEqual({
      code: 'EDIGW_AS2_MIC_UNSUPPORTED',
      disposition: 'failed/failure: unsupported MIC-algorithms',
    });
  });

  test('a required receipt format other than pkcs7-signature: failed/failure: unsupported format', () => {
    const sent = send();
    const required = (protocol: string) => ({ ...sent.headers, 'Disposition-Notification-Options': protocol });
    expect(
      failure(() => receiveMessage(required('signed-receipt-protocol=required, pgp-signature'), sent.body, policy())),
    ).toEqual({
      code: 'EDIGW_AS2_RECEIPT_FORMAT_UNSUPPORTED',
      disposition: 'failed/failure: unsupported format',
    });
    // pkcs7-signature among those asked for, or the format optional: received.
    for (const ok of [
      'signed-receipt-protocol=required, pgp-signature, PKCS7-Signature',
      'signed-receipt-protocol=optional, pgp-signature',
    ]) {
      expect(receiveMessage(required(ok), sent.body, policy()).payload.length).toBeGreaterThan(0);
    }
  });

  test('an unencrypted, unsigned entity written with bare LF: received, and its MIC over CRLF headers once encrypted', () => {
    const lf = Buffer.from(
      'Content-Type: application/edi-x12\nContent-Disposition: attachment; filename=lf.x12\n\nISA*~\n',
      'latin1',
    );
    const body = encrypt(lf, { certificates: [us.certificate], cipher: 'aes128-cbc' });
    const got = receiveMessage({ 'content-type': 'application/pkcs7-mime; smime-type=enveloped-data' }, body, policy());
    expect(got.payload.toString()).toBe('ISA*~\n');
    expect(got.fileName).toBe('lf.x12');
    expect(got.mic.digest).toBe(
      sha(
        'sha256',
        Buffer.from(
          'Content-Type: application/edi-x12\r\nContent-Disposition: attachment; filename=lf.x12\r\n\r\nISA*~\n',
          'latin1',
        ),
      ),
    );
  });

  test('canonicalizeText turns the payload into CRLF text before it is signed; by default the bytes stay', () => {
    const sign = { key: partner.key, certificate: partner.certificate, digest: 'sha256' as const };
    const lf = Buffer.from('line1\nline2\n');
    const canonical = send({ payload: lf, contentType: 'text/plain', sign, canonicalizeText: true });
    expect(receiveMessage(canonical.headers, canonical.body, policy()).payload.toString()).toBe('line1\r\nline2\r\n');
    const binary = send({ payload: lf, contentType: 'text/plain', sign });
    expect(receiveMessage(binary.headers, binary.body, policy()).payload).toEqual(lf);
  });

  test('a pkcs7-mime body without smime-type is recognised by its ContentInfo', () => {
    const sent = send({ encrypt: { certificates: [us.certificate], cipher: 'aes192-cbc' } });
    const got = receiveMessage(
      { ...sent.headers, 'Content-Type': 'application/x-pkcs7-mime; name=smime.p7m' },
      sent.body,
      policy(),
    );
    expect(got.payload).toEqual(payload);
  });

  test("a message signed by the partner's next certificate (rollover) verifies, and says which one", () => {
    const next = makePartyInProcess('partner-2026');
    const sent = send({ sign: { key: next.key, certificate: next.certificate, digest: 'sha256' } });
    expect(
      receiveMessage(sent.headers, sent.body, policy({ certificates: [partner.certificate, next.certificate] })).signed
        ?.certificateIndex,
    ).toBe(1);
  });
});

describe('as2 message: refusals carry their MDN disposition', () => {
  const sign = { key: partner.key, certificate: partner.certificate, digest: 'sha256' as const };
  const enc = { certificates: [us.certificate], cipher: 'aes256-cbc' as const };

  test('tampered content of a signed message: integrity-check-failed', () => {
    const sent = send({ sign });
    const body = Buffer.from(sent.body);
    const at = body.indexOf('BEG*00');
    body[at + 4] = 0x31;
    expect(failure(() => receiveMessage(sent.headers, body, policy()))).toEqual({
      code: 'EDIGW_AS2_INTEGRITY_CHECK_FAILED',
      disposition: 'processed/error: integrity-check-failed',
    });
  });

  test('a tampered signature, or the wrong certificate: authentication-failed', () => {
    const sent = send({ sign });
    const body = Buffer.from(sent.body);
    // The RSA signature value ends the DER, so the base64 just before the close delimiter.
    const at = body.lastIndexOf('\r\n--') - 40;
    body[at] = body[at] === 0x41 ? 0x42 : 0x41;
    expect(failure(() => receiveMessage(sent.headers, body, policy())).disposition).toBe(
      'processed/error: authentication-failed',
    );
    expect(
      failure(() => receiveMessage(sent.headers, sent.body, policy({ certificates: [stranger.certificate] }))),
    ).toEqual({
      code: 'EDIGW_AS2_AUTHENTICATION_FAILED',
      disposition: 'processed/error: authentication-failed',
    });
    expect(failure(() => receiveMessage(sent.headers, sent.body, policy({ certificates: [] }))).code).toBe(
      'EDIGW_AS2_AUTHENTICATION_FAILED',
    );
  });

  test('unsigned where a signature is required, unencrypted where encryption is: insufficient-message-security', () => {
    const plain = send({ encrypt: enc });
    expect(failure(() => receiveMessage(plain.headers, plain.body, policy({ signed: 'required' })))).toEqual({
      code: 'EDIGW_AS2_INSUFFICIENT_SECURITY',
      disposition: 'processed/error: insufficient-message-security',
    });
    const signedOnly = send({ sign });
    expect(
      failure(() => receiveMessage(signedOnly.headers, signedOnly.body, policy({ encrypted: 'required' }))).code,
    ).toBe('EDIGW_AS2_INSUFFICIENT_SECURITY');
    expect(receiveMessage(signedOnly.headers, signedOnly.body, policy({ signed: 'required' })).payload).toEqual(
      payload,
    );
  });

  test('garbage ciphertext, a message for someone else, a tampered ciphertext: decryption-failed', () => {
    const sent = send({ sign, encrypt: enc });
    const garbage = Buffer.from(sent.body.map((_, i) => (i * 31) & 0xff));
    const forOthers = send({ encrypt: { certificates: [stranger.certificate], cipher: 'aes128-cbc' } });
    const tampered = Buffer.from(sent.body);
    tampered[tampered.length - 20] ^= 0x55;
    for (const [headers, body] of [
      [sent.headers, garbage],
      [forOthers.headers, forOthers.body],
      [sent.headers, tampered],
    ] as const) {
      expect(failure(() => receiveMessage(headers, body, policy()))).toEqual({
        code: 'EDIGW_AS2_DECRYPTION_FAILED',
        disposition: 'processed/error: decryption-failed',
      });
    }
  });

  test('a compression bomb: decompression-failed, refused at the limit', () => {
    const sent = send({ payload: Buffer.alloc(8 * 1024 * 1024), compress: 'before-signing', sign });
    expect(
      failure(() => receiveMessage(sent.headers, sent.body, policy({ decompression: { maxBytes: 1024 * 1024 } }))),
    ).toEqual({
      code: 'EDIGW_AS2_DECOMPRESSION_REFUSED',
      disposition: 'processed/error: decompression-failed',
    });
  });

  test('no Content-Type, or a broken multipart/signed: unexpected-processing-error / authentication-failed', () => {
    expect(failure(() => receiveMessage({}, payload, policy())).disposition).toBe(
      'processed/error: unexpected-processing-error',
    );
    const broken = { 'content-type': 'multipart/signed; protocol="application/pkcs7-signature"; boundary=nope' };
    expect(failure(() => receiveMessage(broken, payload, policy())).code).toBe('EDIGW_AS2_AUTHENTICATION_FAILED');
    expect(formatDispositionType(dispositionFor(new Error('anything else')))).toBe(
      'processed/error: unexpected-processing-error',
    );
  });
});

describe('as2 message: headers', () => {
  test('AS2 names: quoted or not, case kept, 1-128 printable characters', () => {
    expect(parseAs2Name('"OUR \\"COMPANY\\""')).toBe('OUR "COMPANY"');
    expect(parseAs2Name(' AcMe ')).toBe('AcMe');
    expect(parseAs2Name('')).toBeUndefined();
    expect(parseAs2Name('x'.repeat(129))).toBeUndefined();
    expect(parseAs2Name('caf\u00e9')).toBeUndefined();
    expect(formatAs2Name('OUR COMPANY')).toBe('"OUR COMPANY"');
    expect(formatAs2Name('ACME')).toBe('ACME');
    const h = readAs2Headers({
      'as2-from': '"A B"',
      'AS2-TO': 'C',
      'message-id': ' <1@x> ',
      'receipt-delivery-option': 'https://x/mdn',
    });
    expect(h).toMatchObject({ as2From: 'A B', as2To: 'C', messageId: '<1@x>', receiptDeliveryOption: 'https://x/mdn' });
  });

  test('the request headers of a built message', () => {
    const sent = send({
      sign: { key: partner.key, certificate: partner.certificate, digest: 'sha512' },
      encrypt: { certificates: [us.certificate], cipher: 'aes128-cbc' },
      messageId: '<retry-1@acme>',
      mdn: { to: 'as2@acme.example', signed: ['sha512', 'sha256'], asyncUrl: 'https://acme.example/mdn' },
      date: new Date('2026-01-02T03:04:05Z'),
    });
    expect(sent.messageId).toBe('<retry-1@acme>');
    expect(sent.headers).toMatchObject({
      'AS2-Version': '1.2',
      'AS2-From': 'ACME',
      'AS2-To': '"OUR COMPANY"',
      'Message-ID': '<retry-1@acme>',
      Date: 'Fri, 02 Jan 2026 03:04:05 +0000',
      'Content-Type': 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
      'Content-Transfer-Encoding': 'binary',
      'Disposition-Notification-To': 'as2@acme.example',
      'Disposition-Notification-Options':
        'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-512, sha-256',
      'Receipt-Delivery-Option': 'https://acme.example/mdn',
    });
    expect(sent.mic.algorithm).toBe('sha512');
    expect(send().messageId).toMatch(/^<[0-9a-z]+\.[0-9a-f]{24}@ACME>$/);
  });
});

describeWithPeer('as2 message: refusals of messages openssl built', () => {
  let tmp: ReturnType<typeof tempDir>;
  let them: Party;
  let me: Party;
  let other: Party;

  beforeAll(async () => {
    tmp = tempDir('as2-neg-');
    [them, me, other] = await Promise.all([
      makeParty(tmp.dir, 'them'),
      makeParty(tmp.dir, 'me'),
      makeParty(tmp.dir, 'other'),
    ]);
    writeFileSync(join(tmp.dir, 'po.x12'), payload);
  }, 60_000);
  afterAll(() => tmp?.cleanup());

  async function opensslMessage(name: string, env: Record<string, string>, recipient = me) {
    const outdir = join(tmp.dir, name);
    const r = await sh(
      join(PEERS, 'as2-send-openssl.sh'),
      [join(tmp.dir, 'po.x12'), them.keyFile, them.certFile, recipient.certFile, 'http://127.0.0.1:9/', 'THEM', 'ME'],
      {
        DRY_RUN: '1',
        OUTDIR: outdir,
        ...env,
      },
    );
    expect(r.code).toBe(0);
    return {
      headers: readHeaderFile(join(outdir, 'http-request-headers.txt')),
      body: readFileSync(join(outdir, 'http-body.bin')),
    };
  }
  const mine = (over: Partial<ReceivePolicy> = {}): ReceivePolicy => ({
    signed: 'required',
    encrypted: 'optional',
    certificates: [them.certificate],
    keys: [{ key: me.key, certificate: me.certificate }],
    ...over,
  });

  test('tampered payload: integrity-check-failed; tampered signature: authentication-failed', async () => {
    const m = await opensslMessage('tamper', { SIGN: '1', ENCRYPT: '0' });
    const body = Buffer.from(m.body);
    body[body.indexOf('BEG*00') + 4] = 0x39;
    expect(failure(() => receiveMessage(m.headers, body, mine())).code).toBe('EDIGW_AS2_INTEGRITY_CHECK_FAILED');
    const sig = Buffer.from(m.body);
    const at = sig.lastIndexOf('\r\n\r\n') - 60;
    sig[at] = sig[at] === 0x41 ? 0x42 : 0x41;
    expect(failure(() => receiveMessage(m.headers, sig, mine())).code).toBe('EDIGW_AS2_AUTHENTICATION_FAILED');
    expect(receiveMessage(m.headers, m.body, mine()).payload).toEqual(payload);
  });

  test('the wrong certificate: authentication-failed; encrypted for another: decryption-failed', async () => {
    const m = await opensslMessage('wrongcert', { SIGN: '1', ENCRYPT: '1', KEYTRANS: 'pkcs1' });
    expect(failure(() => receiveMessage(m.headers, m.body, mine({ certificates: [other.certificate] }))).code).toBe(
      'EDIGW_AS2_AUTHENTICATION_FAILED',
    );
    const forOther = await opensslMessage('forother', { SIGN: '1', ENCRYPT: '1', KEYTRANS: 'pkcs1' }, other);
    expect(failure(() => receiveMessage(forOther.headers, forOther.body, mine())).code).toBe(
      'EDIGW_AS2_DECRYPTION_FAILED',
    );
  });

  test('unsigned where a signature is required: insufficient-message-security', async () => {
    const m = await opensslMessage('unsigned', { SIGN: '0', ENCRYPT: '1' });
    expect(failure(() => receiveMessage(m.headers, m.body, mine()))).toEqual({
      code: 'EDIGW_AS2_INSUFFICIENT_SECURITY',
      disposition: 'processed/error: insufficient-message-security',
    });
  });

  test('LF-only: an entity openssl signs without -crlfeol (LF multipart structure) verifies', async () => {
    const entity = join(tmp.dir, 'lf.mime');
    writeFileSync(
      entity,
      Buffer.concat([
        Buffer.from('Content-Type: application/edi-x12\nContent-Disposition: attachment; filename="lf.x12"\n\n'),
        payload,
      ]),
    );
    const r = await sh('openssl', [
      'cms',
      '-sign',
      '-binary',
      '-md',
      'sha256',
      '-in',
      entity,
      '-signer',
      them.certFile,
      '-inkey',
      them.keyFile,
      '-outform',
      'SMIME',
      '-out',
      join(tmp.dir, 'lf-signed.mime'),
    ]);
    expect(r.code).toBe(0);
    const signed = readFileSync(join(tmp.dir, 'lf-signed.mime'));
    expect(signed.includes('\r\n')).toBe(false);
    const split = signed.indexOf('\n\n');
    const ct = /Content-Type: (.*)/.exec(signed.subarray(0, split).toString())![1];
    const got = receiveMessage({ 'Content-Type': ct }, signed.subarray(split + 2), mine());
    expect(got.payload).toEqual(payload);
    expect(got.fileName).toBe('lf.x12');
    expect(got.mic.digest).toBe(sha('sha256', readFileSync(entity)));
  });
});
