/**
 * Sending to a real, independent AS2 receiver: our buildMessage output, as the raw HTTP request
 * as2-listener.js would save, goes through as2-receive-openssl.sh (openssl cms -decrypt, then
 * -verify over mime-split.js's byte-exact parts). openssl must decrypt it, verify it, find the exact
 * payload and the MIC we expect; the signed MDN it answers must parse and verify with our mdn.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContentCipher, DigestAlgorithm, KeyTransport } from '../../../src/transports/as2/cms';
import { parseMdn } from '../../../src/transports/as2/mdn';
import { buildMessage } from '../../../src/transports/as2/message';
import { micEquals, parseMic } from '../../../src/transports/as2/mic';
import {
  FULL_MATRIX,
  PAYLOADS,
  PEERS,
  allCombinations,
  describeWithPeer,
  inParallel,
  makeParty,
  pairwise,
  parseRawHttp,
  sh,
  tempDir,
  writeRawRequest,
  type Party,
} from './peer';

const factors = {
  sign: ['yes', 'no'],
  encrypt: ['yes', 'no'],
  cipher: ['aes128-cbc', 'aes192-cbc', 'aes256-cbc', 'des-ede3-cbc', 'aes256-gcm'] as ContentCipher[],
  digest: ['sha1', 'sha256', 'sha384', 'sha512'] as DigestAlgorithm[],
  keyTransport: ['rsaes-pkcs1-v1_5', 'rsaes-oaep'] as KeyTransport[],
  transferEncoding: ['binary', 'base64'] as ('binary' | 'base64')[],
} as const;
const encryptionOnly = new Set(['cipher', 'keyTransport', 'transferEncoding']);
const rows = FULL_MATRIX
  ? allCombinations(factors)
  : pairwise(
      factors,
      (row, a, b) => row.encrypt === 'yes' || (!encryptionOnly.has(a as string) && !encryptionOnly.has(b as string)),
    );
const cases = rows.map((r, index) => ({ ...r, index, payload: PAYLOADS[index % PAYLOADS.length] }));
type Case = (typeof cases)[number];
const title = (c: Case) =>
  `sign=${c.sign}(${c.digest}) encrypt=${c.encrypt}${c.encrypt === 'yes' ? `(${c.cipher}, ${c.keyTransport}, ${c.transferEncoding})` : ''} ${c.payload.name}`;

describeWithPeer(
  `as2 sending: as2-receive-openssl.sh accepts our messages (${FULL_MATRIX ? 'full matrix' : 'pairwise'}, ${cases.length} cases)`,
  () => {
    let tmp: ReturnType<typeof tempDir>;
    let partner: Party;
    let us: Party;

    beforeAll(async () => {
      tmp = tempDir('as2-send-');
      [partner, us] = await Promise.all([makeParty(tmp.dir, 'partner'), makeParty(tmp.dir, 'us')]);
    }, 60_000);
    afterAll(() => tmp?.cleanup());

    test(`openssl decrypts, verifies and acknowledges each message with the MIC we expect`, async () => {
      const failures = await inParallel(cases, 3, async (c) => {
        const built = buildMessage({
          payload: c.payload.bytes,
          contentType: c.payload.name.endsWith('.edi') ? 'application/edifact' : 'application/edi-x12',
          fileName: c.payload.name,
          as2From: 'OUR COMPANY AS2',
          as2To: 'ACME-AS2',
          sign: c.sign === 'yes' ? { key: us.key, certificate: us.certificate, digest: c.digest } : undefined,
          encrypt:
            c.encrypt === 'yes'
              ? { certificates: [partner.certificate], cipher: c.cipher, keyTransport: c.keyTransport }
              : undefined,
          transferEncoding: c.transferEncoding,
          mdn: { to: 'as2@our.example', signed: [c.digest] },
        });
        const work = join(tmp.dir, `case-${c.index}`);
        const request = `${work}.raw`;
        writeRawRequest(request, built.headers, built.body);
        const r = await sh(join(PEERS, 'as2-receive-openssl.sh'), [
          partner.keyFile,
          partner.certFile,
          us.certFile,
          request,
          work,
        ]);
        const problems: string[] = [];
        if (r.code !== 0) return [`${title(c)}: exit ${r.code}: ${r.stderr}`];
        const log = readFileSync(join(work, 'receive.log'), 'latin1');
        if (c.encrypt === 'yes' && !log.includes('decrypted OK')) problems.push('openssl did not decrypt');
        if (c.sign === 'yes' && !log.includes('signature OK')) problems.push('openssl did not verify the signature');
        if (!readFileSync(join(work, 'payload.bin')).equals(c.payload.bytes))
          problems.push('openssl found another payload');
        const opensslMic = parseMic(readFileSync(join(work, 'mic.txt'), 'latin1').trim());
        // Unsigned and unencrypted, the script digests a Content-Type header it rebuilt; RFC 4130
        // §7.3.1 says the content alone, which is what we expect (see receive-openssl.test.ts).
        const micComparable = c.sign === 'yes' || c.encrypt === 'yes';
        if (micComparable && !micEquals(opensslMic, built.mic))
          problems.push(`MIC: openssl ${JSON.stringify(opensslMic)}, we expect ${JSON.stringify(built.mic)}`);

        const response = parseRawHttp(readFileSync(join(work, 'mdn-response.http')));
        try {
          const mdn = parseMdn(response.headers['content-type'], response.body, {
            certificates: [partner.certificate],
          });
          if (!mdn.signed || !mdn.verified) problems.push('the MDN is not signed and verified');
          if (mdn.verified && mdn.verified.digest !== c.digest)
            problems.push(`the MDN is signed with ${mdn.verified.digest}`);
          if (mdn.originalMessageId !== built.messageId) problems.push(`Original-Message-ID ${mdn.originalMessageId}`);
          if (!mdn.disposition.ok || mdn.disposition.known?.kind !== 'processed')
            problems.push(`disposition ${JSON.stringify(mdn.disposition)}`);
          if (micComparable && !micEquals(mdn.receivedContentMic, built.mic))
            problems.push(`MDN MIC ${JSON.stringify(mdn.receivedContentMic)}`);
        } catch (e) {
          problems.push(`the MDN does not parse: ${(e as Error).message}`);
        }
        return problems.map((p) => `${title(c)}: ${p}\n${log}`);
      });
      expect(failures.flat()).toEqual([]);
    }, 600_000);
  },
);
