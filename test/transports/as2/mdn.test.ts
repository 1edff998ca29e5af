import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../../src/errors';
import {
  buildMdn,
  formatDisposition,
  parseDisposition,
  parseMdn,
  type Disposition,
} from '../../../src/transports/as2/mdn';
import { buildMessage } from '../../../src/transports/as2/message';
import { computeMic, formatMic, micEquals, parseMic } from '../../../src/transports/as2/mic';
import {
  PEERS,
  describeWithPeer,
  makeParty,
  makePartyInProcess,
  parseRawHttp,
  sh,
  tempDir,
  writeRawRequest,
  type Party,
} from './peer';

const us = makePartyInProcess('us');
const partner = makePartyInProcess('partner');
const mic = computeMic(Buffer.from('payload'), 'sha256');

const dispositions: Disposition[] = [
  { kind: 'processed' },
  { kind: 'error', error: 'decryption-failed' },
  { kind: 'error', error: 'authentication-failed' },
  { kind: 'error', error: 'integrity-check-failed' },
  { kind: 'error', error: 'insufficient-message-security' },
  { kind: 'error', error: 'decompression-failed' },
  { kind: 'error', error: 'unexpected-processing-error' },
  { kind: 'warning', warning: 'duplicate-document' },
  { kind: 'failure', failure: 'unsupported MIC-algorithms' },
];

const input = (disposition: Disposition = { kind: 'processed' }) => ({
  reportingUA: 'edi-gateway',
  originalRecipient: 'OUR COMPANY',
  finalRecipient: 'OUR COMPANY',
  originalMessageId: '<abc.123@acme>',
  disposition,
  receivedContentMic: mic,
});

describe('as2 mdn: build and parse', () => {
  test.each(dispositions.map((d) => [formatDisposition(d), d] as const))(
    '%s: round-trips, signed and unsigned',
    (_t, d) => {
      const unsigned = buildMdn(input(d));
      expect(unsigned.contentType).toMatch(/^multipart\/report; report-type=disposition-notification; boundary="/);
      const p = parseMdn(unsigned.contentType, unsigned.body);
      expect(p).toMatchObject({
        signed: false,
        originalMessageId: '<abc.123@acme>',
        finalRecipient: 'OUR COMPANY',
        originalRecipient: 'OUR COMPANY',
        reportingUA: 'edi-gateway',
      });
      expect(p.disposition.known).toEqual(d);
      expect(p.disposition.ok).toBe(d.kind === 'processed' || d.kind === 'warning');
      expect(micEquals(p.receivedContentMic, mic)).toBe(true);
      expect(p.text).toContain('<abc.123@acme>');

      const signed = buildMdn({ ...input(d), sign: { key: us.key, certificate: us.certificate, digest: 'sha256' } });
      expect(signed.contentType).toMatch(
        /^multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256; boundary="/,
      );
      const s = parseMdn(signed.contentType, signed.body, { certificates: [partner.certificate, us.certificate] });
      expect(s.signed).toBe(true);
      expect(s.verified?.certificateIndex).toBe(1);
      expect(s.disposition.known).toEqual(d);
    },
  );

  test('a signed MDN that was altered, or signed by someone else, is refused', () => {
    const signed = buildMdn({ ...input(), sign: { key: us.key, certificate: us.certificate, digest: 'sha1' } });
    const altered = Buffer.from(signed.body.toString('latin1').replace('processed', 'processeD'), 'latin1');
    const code = (fn: () => unknown) => {
      try {
        fn();
        return 'none';
      } catch (e) {
        return (e as GatewayError).code;
      }
    };
    expect(code(() => parseMdn(signed.contentType, altered, { certificates: [us.certificate] }))).toBe(
      'EDIGW_AS2_MDN_SIGNATURE_INVALID',
    );
    expect(code(() => parseMdn(signed.contentType, signed.body, { certificates: [partner.certificate] }))).toBe(
      'EDIGW_AS2_MDN_SIGNATURE_INVALID',
    );
    // A response body sent base64 with a Content-Transfer-Encoding header.
    const b64 = Buffer.from(signed.body.toString('base64'));
    expect(
      parseMdn(signed.contentType, b64, { certificates: [us.certificate], transferEncoding: 'base64' }).verified
        ?.digest,
    ).toBe('sha1');
    // Without certificates the signature is reported, not checked.
    expect(parseMdn(signed.contentType, signed.body)).toMatchObject({ signed: true, verified: undefined });
    expect(code(() => parseMdn('text/plain', Buffer.from('hello')))).toBe('EDIGW_AS2_MDN_INVALID');
    expect(
      code(() =>
        parseMdn('multipart/report; boundary=x', Buffer.from('--x\r\nContent-Type: text/plain\r\n\r\nno\r\n--x--\r\n')),
      ),
    ).toBe('EDIGW_AS2_MDN_INVALID');
  });

  test('Disposition fields as other products write them', () => {
    expect(
      parseDisposition('Automatic-Action/MDN-Sent-Automatically; Processed/Error: Authentication-Failed')?.known,
    ).toEqual({ kind: 'error', error: 'authentication-failed' });
    expect(parseDisposition('automatic-action/MDN-sent-automatically;processed')?.ok).toBe(true);
    expect(
      parseDisposition('automatic-action/MDN-sent-automatically; failed/Failure: sender-equals-receiver'),
    ).toMatchObject({
      type: 'failed',
      modifier: 'failure',
      description: 'sender-equals-receiver',
      known: undefined,
      ok: false,
    });
    expect(
      parseDisposition('automatic-action/MDN-sent-automatically; processed/warning: something-else'),
    ).toMatchObject({ ok: true, known: undefined });
    expect(parseDisposition('garbage')).toBeUndefined();
  });

  test('Received-Content-MIC: algorithm spellings and comparison', () => {
    expect(parseMic('abc=, SHA1')).toEqual({ digest: 'abc=', algorithm: 'sha1' });
    expect(parseMic(' ab c=,sha-256 ')).toEqual({ digest: 'abc=', algorithm: 'sha256' });
    expect(parseMic('abc=, rsa-sha512')?.algorithm).toBe('sha512');
    expect(parseMic('abc=, gost')).toBeUndefined();
    expect(formatMic({ digest: 'x=', algorithm: 'sha1' })).toBe('x=, sha1');
    expect(formatMic({ digest: 'x=', algorithm: 'sha384' })).toBe('x=, sha-384');
    expect(micEquals(parseMic('x=, sha256'), parseMic('x=, SHA-256'))).toBe(true);
    expect(micEquals(parseMic('x=, sha256'), parseMic('X=, sha256'))).toBe(false);
  });
});

describeWithPeer('as2 mdn: against the openssl scripts', () => {
  let tmp: ReturnType<typeof tempDir>;
  let me: Party;
  let them: Party;

  beforeAll(async () => {
    tmp = tempDir('as2-mdn-');
    [me, them] = await Promise.all([makeParty(tmp.dir, 'me'), makeParty(tmp.dir, 'them')]);
  }, 60_000);
  afterAll(() => tmp?.cleanup());

  async function verifyWithOpenssl(name: string, mdn: { entity: Buffer }, expectedMic?: string, messageId?: string) {
    const file = join(tmp.dir, `${name}.mime`);
    writeFileSync(file, mdn.entity);
    return sh(join(PEERS, 'as2-verify-mdn-openssl.sh'), [
      file,
      me.certFile,
      ...(expectedMic ? [expectedMic] : []),
      ...(messageId ? [messageId] : []),
    ]);
  }

  test('as2-verify-mdn-openssl.sh: exit 0 for our signed MDN, 2 for a wrong MIC, 3 unsigned, 4 an error disposition', async () => {
    const sign = { key: me.key, certificate: me.certificate, digest: 'sha384' as const };
    const ok = buildMdn({ ...input(), sign });
    expect((await verifyWithOpenssl('ok', ok, formatMic(mic), '<abc.123@acme>')).code).toBe(0);
    expect((await verifyWithOpenssl('wrong-mic', ok, formatMic(computeMic(Buffer.from('other'), 'sha256')))).code).toBe(
      2,
    );
    expect((await verifyWithOpenssl('wrong-id', ok, formatMic(mic), '<other@acme>')).code).toBe(2);
    expect((await verifyWithOpenssl('unsigned', buildMdn(input()))).code).toBe(3);
    const error = buildMdn({ ...input({ kind: 'error', error: 'decryption-failed' }), sign });
    const r = await verifyWithOpenssl('error', error);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('processed/error: decryption-failed');
  });

  test('as2-receive-openssl.sh MDNs parse and verify with mdn.ts: signed, unsigned, and decryption-failed', async () => {
    const message = (encryptFor: Pick<Party, 'certificate'>) =>
      buildMessage({
        payload: Buffer.from('ISA*00~\n'),
        contentType: 'application/edi-x12',
        as2From: 'ME',
        as2To: 'THEM',
        sign: { key: me.key, certificate: me.certificate, digest: 'sha256' },
        encrypt: { certificates: [encryptFor.certificate], cipher: 'aes128-cbc' },
        mdn: { to: 'me', signed: ['sha256'] },
      });
    const receive = async (name: string, built: ReturnType<typeof message>, env: Record<string, string> = {}) => {
      writeRawRequest(join(tmp.dir, `${name}.raw`), built.headers, built.body);
      const r = await sh(
        join(PEERS, 'as2-receive-openssl.sh'),
        [them.keyFile, them.certFile, me.certFile, join(tmp.dir, `${name}.raw`), join(tmp.dir, name)],
        env,
      );
      expect(r.code).toBe(0);
      const http = parseRawHttp(readFileSync(join(tmp.dir, name, 'mdn-response.http')));
      return parseMdn(http.headers['content-type'], http.body, { certificates: [them.certificate] });
    };

    const good = message(them);
    const signed = await receive('signed', good);
    expect(signed).toMatchObject({
      signed: true,
      originalMessageId: good.messageId,
      finalRecipient: 'THEM',
      reportingUA: 'as2-receive-openssl',
    });
    expect(signed.verified?.digest).toBe('sha256');
    expect(signed.disposition.known).toEqual({ kind: 'processed' });
    expect(micEquals(signed.receivedContentMic, good.mic)).toBe(true);

    const unsigned = await receive('unsigned', good, { MDN_SIGN: '0' });
    expect(unsigned.signed).toBe(false);
    expect(micEquals(unsigned.receivedContentMic, good.mic)).toBe(true);

    const stranger = makePartyInProcess('stranger');
    const failed = await receive('failed', message(stranger));
    expect(failed.verified).toBeDefined();
    expect(failed.disposition).toMatchObject({ ok: false, known: { kind: 'error', error: 'decryption-failed' } });
  });
});
