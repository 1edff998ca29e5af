import { constants, createCipheriv, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeflate, deflateSync } from 'node:zlib';
import forge from 'node-forge';
import { GatewayError } from '../../../src/errors';
import {
  CIPHERS,
  DIGESTS,
  compress,
  decompress,
  decrypt,
  encrypt,
  envelopedInPlace,
  loadCertificate,
  loadCertificates,
  loadPrivateKey,
  signDetached,
  signedInPlace,
  verifyDetached,
  type Certificate,
} from '../../../src/transports/as2/cms';
import * as rsaPkcs1 from '../../../src/transports/as2/rsa-pkcs1';
import { describeWithPeer, makeParty, makePartyInProcess, sh, tempDir, type Party } from './peer';

// Wrapped, not replaced: the tests below see which key the PKCS#1 v1.5 unpadding handed to the cipher.
jest.mock('../../../src/transports/as2/rsa-pkcs1', () => {
  const actual = jest.requireActual('../../../src/transports/as2/rsa-pkcs1');
  return { ...actual, decryptPkcs1v15: jest.fn(actual.decryptPkcs1v15) };
});
const unpad = rsaPkcs1.decryptPkcs1v15 as jest.MockedFunction<typeof rsaPkcs1.decryptPkcs1v15>;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof GatewayError ? e.code : `not a GatewayError: ${String(e)}`;
  }
  return 'no error';
}

/** DER written again with every length in the two-octet long form (0x82), which BER allows and DER does not. */
function longLengths(der: Buffer): Buffer {
  const tag = der[0];
  let at = 2;
  let length = der[1];
  if (length & 0x80) {
    const n = length & 0x7f;
    length = der.readUIntBE(2, n);
    at = 2 + n;
  }
  const body = der.subarray(at, at + length);
  let content = body;
  if (tag & 0x20) {
    const parts: Buffer[] = [];
    for (let p = 0; p < body.length;) {
      const inner = body.subarray(p);
      const l = inner[1] & 0x80 ? 2 + (inner[1] & 0x7f) + inner.readUIntBE(2, inner[1] & 0x7f) : 2 + inner[1];
      parts.push(longLengths(inner.subarray(0, l)));
      p += l;
    }
    content = Buffer.concat(parts);
  }
  const header = Buffer.from([tag, 0x82, 0, 0]);
  header.writeUInt16BE(content.length, 2);
  return Buffer.concat([header, content, der.subarray(at + length)]);
}

const a = makePartyInProcess('partner-a');
const b = makePartyInProcess('partner-b');
const content = Buffer.from('Content-Type: application/edi-x12\r\n\r\nISA*00*~\n', 'latin1');

describe('as2 cms: SignedData', () => {
  test.each(
    DIGESTS.flatMap(
      (d) =>
        [
          [d, 'rsassa-pkcs1-v1_5'],
          [d, 'rsassa-pss'],
        ] as const,
    ),
  )('signs and verifies with %s, %s', (digest, scheme) => {
    const time = new Date('2026-03-04T05:06:07Z');
    const sig = signDetached(content, { key: a.key, certificate: a.certificate, digest, scheme, signingTime: time });
    const v = verifyDetached(sig, content, [a.certificate]);
    expect(v).toMatchObject({ digest, scheme, certificateIndex: 0, signingTime: time });
  });

  test('a partner with two certificates (rollover): either verifies, and the result says which', () => {
    const sig = signDetached(content, { key: b.key, certificate: b.certificate, digest: 'sha256' });
    expect(verifyDetached(sig, content, [a.certificate, b.certificate]).certificateIndex).toBe(1);
  });

  test('a certificate re-issued for the same key (other serial) still verifies', () => {
    const reissued = makePartyInProcess('partner-a', { key: a.key, serial: '7f01' });
    const sig = signDetached(content, { key: a.key, certificate: a.certificate, digest: 'sha1' });
    expect(verifyDetached(sig, content, [reissued.certificate]).certificateIndex).toBe(0);
  });

  test('tampered content is an integrity failure; another signer an authentication failure', () => {
    const sig = signDetached(content, { key: a.key, certificate: a.certificate, digest: 'sha256' });
    const tampered = Buffer.from(content);
    tampered[tampered.length - 2] ^= 1;
    expect(codeOf(() => verifyDetached(sig, tampered, [a.certificate]))).toBe('EDIGW_AS2_INTEGRITY_CHECK_FAILED');
    expect(codeOf(() => verifyDetached(sig, content, [b.certificate]))).toBe('EDIGW_AS2_AUTHENTICATION_FAILED');
    expect(codeOf(() => verifyDetached(sig, content, []))).toBe('EDIGW_AS2_AUTHENTICATION_FAILED');
    expect(codeOf(() => verifyDetached(randomBytes(300), content, [a.certificate]))).toBe(
      'EDIGW_AS2_AUTHENTICATION_FAILED',
    );
    const flipped = Buffer.from(sig);
    flipped[flipped.length - 5] ^= 0x40; // inside the RSA signature value
    expect(codeOf(() => verifyDetached(flipped, content, [a.certificate]))).toBe('EDIGW_AS2_AUTHENTICATION_FAILED');
  });

  test('DER is read in place and its signed attributes verified as they came; long-form lengths take the general path', () => {
    const time = new Date('2026-03-04T05:06:07Z');
    const sig = signDetached(content, { key: a.key, certificate: a.certificate, digest: 'sha256', signingTime: time });
    expect(signedInPlace(sig)?.signers).toHaveLength(1);
    // Every length in its long form (BER allows it, DER does not): the signature was made over the DER of
    // the attributes, which the general path encodes again, so it still verifies.
    const ber = longLengths(sig);
    expect(ber.length).toBeGreaterThan(sig.length);
    expect(signedInPlace(ber)).toBeUndefined();
    expect(verifyDetached(ber, content, [a.certificate])).toMatchObject({ certificateIndex: 0, signingTime: time });
    // A signed attribute changed (the signing time's last digit) fails on either path.
    const at = sig.indexOf(Buffer.from('260304050607Z'));
    expect(at).toBeGreaterThan(0);
    const altered = Buffer.from(sig);
    altered[at + 11] ^= 1;
    expect(signedInPlace(altered)?.signers).toHaveLength(1);
    expect(codeOf(() => verifyDetached(altered, content, [a.certificate]))).toBe('EDIGW_AS2_AUTHENTICATION_FAILED');
    expect(codeOf(() => verifyDetached(longLengths(altered), content, [a.certificate]))).toBe(
      'EDIGW_AS2_AUTHENTICATION_FAILED',
    );
    // Garbage after the ContentInfo is no SignedData on either path.
    expect(signedInPlace(Buffer.concat([sig, Buffer.from([0])]))).toBeUndefined();
    expect(codeOf(() => verifyDetached(Buffer.concat([sig, Buffer.from([0])]), content, [a.certificate]))).toBe(
      'EDIGW_AS2_AUTHENTICATION_FAILED',
    );
  });

  test('certificates carried in the message are not trusted', () => {
    // Signed by b, carrying b's certificate: verifying against a must fail although b's certificate is inside.
    const sig = signDetached(content, { key: b.key, certificate: b.certificate, digest: 'sha256' });
    expect(codeOf(() => verifyDetached(sig, content, [a.certificate]))).toBe('EDIGW_AS2_AUTHENTICATION_FAILED');
  });
});

describe('as2 cms: EnvelopedData and AuthEnvelopedData', () => {
  const cases = CIPHERS.flatMap(
    (cipher) =>
      [
        [cipher, 'rsaes-pkcs1-v1_5', 'sha1'],
        [cipher, 'rsaes-oaep', 'sha1'],
        [cipher, 'rsaes-oaep', 'sha256'],
      ] as const,
  );
  test.each(cases)('encrypts and decrypts with %s, %s (OAEP hash %s)', (cipher, keyTransport, oaepHash) => {
    const der = encrypt(content, { certificates: [a.certificate], cipher, keyTransport, oaepHash });
    expect(decrypt(der, [{ key: a.key, certificate: a.certificate }])).toEqual({ content, cipher, keyTransport });
  });

  test('several recipients; several keys of ours (rollover); a key without its certificate', () => {
    const der = encrypt(content, { certificates: [a.certificate, b.certificate], cipher: 'aes256-cbc' });
    expect(decrypt(der, [{ key: b.key, certificate: b.certificate }]).content).toEqual(content);
    const onlyB = encrypt(content, { certificates: [b.certificate], cipher: 'aes128-cbc', keyTransport: 'rsaes-oaep' });
    expect(
      decrypt(onlyB, [
        { key: a.key, certificate: a.certificate },
        { key: b.key, certificate: b.certificate },
      ]).content,
    ).toEqual(content);
    expect(decrypt(onlyB, [{ key: b.key }]).content).toEqual(content);
  });

  test('a DER message is opened in place: its ciphertext is a view of the body, not a copy; BER takes the general path', () => {
    const big = Buffer.alloc(300 * 1024, 'ISA*00*~');
    const message = encrypt(big, { certificates: [a.certificate], cipher: 'aes256-cbc' });
    const opened = envelopedInPlace(message)!;
    expect(opened.ciphertext.buffer).toBe(message.buffer);
    // The ciphertext ends the DER: a view of its last bytes, one to three AES blocks longer than the content.
    expect(opened.ciphertext.byteOffset + opened.ciphertext.length).toBe(message.byteOffset + message.length);
    expect(opened.ciphertext.length - big.length).toBeGreaterThan(0);
    expect(opened.ciphertext.length - big.length).toBeLessThanOrEqual(16);
    const opened2 = decrypt(message, [{ key: a.key, certificate: a.certificate }]).content;
    expect(opened2.equals(big)).toBe(true);
    // The plaintext is the cipher's own output, its padding cut off by a view rather than copied away.
    expect(opened2.buffer.byteLength).toBeGreaterThan(opened2.byteOffset + opened2.length);
    // The same message with BER's indefinite length on its outer SEQUENCE, as streaming senders write it.
    const lengthOctets = message[1] & 0x7f;
    const ber = Buffer.concat([Buffer.from([0x30, 0x80]), message.subarray(2 + lengthOctets), Buffer.from([0, 0])]);
    expect(envelopedInPlace(ber)).toBeUndefined();
    expect(decrypt(ber, [{ key: a.key, certificate: a.certificate }]).content.equals(big)).toBe(true);
    // Signed data is no EnvelopedData, whatever its form.
    expect(envelopedInPlace(signDetached(content, { key: a.key, certificate: a.certificate, digest: 'sha256' }))).toBe(
      undefined,
    );
  });

  test('the wrong key, garbage and truncation all end in the same decryption-failed error', () => {
    const messages = new Set<string>();
    const attempt = (der: Buffer) => {
      try {
        decrypt(der, [{ key: b.key, certificate: b.certificate }]);
        return 'no error';
      } catch (e) {
        messages.add((e as GatewayError).message);
        return (e as GatewayError).code;
      }
    };
    for (const keyTransport of ['rsaes-pkcs1-v1_5', 'rsaes-oaep'] as const) {
      expect(attempt(encrypt(content, { certificates: [a.certificate], cipher: 'aes128-cbc', keyTransport }))).toBe(
        'EDIGW_AS2_DECRYPTION_FAILED',
      );
    }
    const good = encrypt(content, { certificates: [b.certificate], cipher: 'des-ede3-cbc' });
    expect(attempt(randomBytes(500))).toBe('EDIGW_AS2_DECRYPTION_FAILED');
    expect(attempt(good.subarray(0, good.length - 10))).toBe('EDIGW_AS2_DECRYPTION_FAILED');
    const flipped = Buffer.from(good);
    // The ciphertext ends the DER. Flipping the last byte of the block before the last flips the last
    // plaintext byte (CBC): a padding length of 1-8 becomes 0xf7-0xfe, invalid every time. (Flipping
    // a byte of the last block itself gave a random block, whose padding was valid one time in ~256.)
    flipped[flipped.length - 1 - 8] ^= 0xff;
    expect(attempt(flipped)).toBe('EDIGW_AS2_DECRYPTION_FAILED');
    expect(messages).toEqual(
      new Set([
        'decrypting the message: the message cannot be decrypted with our key (processed/error: decryption-failed)',
      ]),
    );
  });

  test('the CBC padding is checked by hand: every length around a block decrypts, a padding whose bytes disagree does not', () => {
    for (const cipher of ['aes128-cbc', 'des-ede3-cbc'] as const) {
      for (let n = 0; n <= 33; n++) {
        const plain = randomBytes(n);
        const der = encrypt(plain, { certificates: [a.certificate], cipher });
        expect(decrypt(der, [{ key: a.key, certificate: a.certificate }]).content.equals(plain)).toBe(true);
      }
    }
    // Padded by hand, encrypted without the cipher's own padding, wrapped independently of cms.ts.
    const cek = randomBytes(16);
    const iv = randomBytes(16);
    const encryptedKey = publicEncrypt({ key: a.certificate.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
    const sealed = (padded: Buffer) => {
      const c = createCipheriv('aes-128-cbc', cek, iv).setAutoPadding(false);
      const ciphertext = Buffer.concat([c.update(padded), c.final()]);
      return envelopedDataByHand(
        a.certificate,
        '1.2.840.113549.1.1.1',
        encryptedKey,
        '2.16.840.1.101.3.4.1.2',
        iv,
        ciphertext,
      );
    };
    const keys = [{ key: a.key, certificate: a.certificate }];
    const text = Buffer.from('ISA*00*0123456789', 'latin1'); // 17 bytes: 15 of padding make two blocks
    expect(decrypt(sealed(Buffer.concat([text, Buffer.alloc(15, 15)])), keys).content).toEqual(text);
    // A pad length that reaches into the text (16 over 15 bytes of padding) is no padding either.
    expect(codeOf(() => decrypt(sealed(Buffer.concat([text, Buffer.alloc(15, 16)])), keys))).toBe(
      'EDIGW_AS2_DECRYPTION_FAILED',
    );
    const disagreeing = Buffer.concat([text, Buffer.alloc(14, 15), Buffer.from([15])]);
    disagreeing[text.length + 3] = 14;
    expect(codeOf(() => decrypt(sealed(disagreeing), keys))).toBe('EDIGW_AS2_DECRYPTION_FAILED');
    expect(codeOf(() => decrypt(sealed(Buffer.concat([text, Buffer.alloc(15, 0)])), keys))).toBe(
      'EDIGW_AS2_DECRYPTION_FAILED',
    );
    // A whole block of padding (content a multiple of 16), and a pad length past the block size.
    const block = Buffer.from('ISA*00*012345678', 'latin1');
    expect(decrypt(sealed(Buffer.concat([block, Buffer.alloc(16, 16)])), keys).content).toEqual(block);
    expect(codeOf(() => decrypt(sealed(Buffer.concat([block, Buffer.alloc(16, 17)])), keys))).toBe(
      'EDIGW_AS2_DECRYPTION_FAILED',
    );
  });

  test('a bad PKCS#1 v1.5 padding goes through implicit rejection: a synthetic key reaches the cipher, which fails', () => {
    // EnvelopedData built here with forge's ASN.1, independently of cms.ts, around a key block whose
    // padding is broken (a signature-type block, 0x00 0x01 …).
    const cek = randomBytes(16);
    const iv = randomBytes(16);
    const kBytes = 256;
    const blockBytes = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(kBytes - 3 - 16, 0xff), Buffer.from([0]), cek]);
    const encryptedKey = publicEncrypt({ key: a.certificate.publicKey, padding: constants.RSA_NO_PADDING }, blockBytes);
    const cipher = createCipheriv('aes-128-cbc', cek, iv);
    const ciphertext = Buffer.concat([cipher.update(content), cipher.final()]);
    const der = envelopedDataByHand(
      a.certificate,
      '1.2.840.113549.1.1.1',
      encryptedKey,
      '2.16.840.1.101.3.4.1.2',
      iv,
      ciphertext,
    );

    unpad.mockClear();
    expect(codeOf(() => decrypt(der, [{ key: a.key, certificate: a.certificate }]))).toBe(
      'EDIGW_AS2_DECRYPTION_FAILED',
    );
    expect(unpad).toHaveBeenCalledTimes(1);
    expect(unpad.mock.calls[0][2]).toBe(16);
    expect(unpad.mock.results[0]).toEqual({ type: 'return', value: rsaPkcs1.syntheticKey(a.key, encryptedKey, 16) });

    // The same structure with a valid padding decrypts: the hand-built envelope is right.
    const goodKey = publicEncrypt({ key: a.certificate.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
    const good = envelopedDataByHand(
      a.certificate,
      '1.2.840.113549.1.1.1',
      goodKey,
      '2.16.840.1.101.3.4.1.2',
      iv,
      ciphertext,
    );
    expect(decrypt(good, [{ key: a.key, certificate: a.certificate }]).content).toEqual(content);
  });
});

describe('as2 cms: CompressedData', () => {
  test('compresses and decompresses', () => {
    const big = Buffer.from('ISA*00*          *00*~GS*PO~ST*850*0001~BEG*00*SA*1~'.repeat(2000));
    const der = compress(big);
    expect(der.length).toBeLessThan(big.length / 10);
    expect(decompress(der)).toEqual(big);
  });

  test('golden CompressedData built independently (forge ASN.1 + zlib), definite and indefinite lengths', () => {
    const payload = Buffer.from("Content-Type: application/edifact\r\n\r\nUNB+UNOC:3+X+Y'", 'latin1');
    const z = deflateSync(payload);
    const A = forge.asn1;
    const oid = (o: string) => A.create(A.Class.UNIVERSAL, A.Type.OID, false, A.oidToDer(o).getBytes());
    const ci = A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
      oid('1.2.840.113549.1.9.16.1.9'),
      A.create(A.Class.CONTEXT_SPECIFIC, 0, true, [
        A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
          A.create(A.Class.UNIVERSAL, A.Type.INTEGER, false, String.fromCharCode(0)),
          A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [oid('1.2.840.113549.1.9.16.3.8')]),
          A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
            oid('1.2.840.113549.1.7.1'),
            A.create(A.Class.CONTEXT_SPECIFIC, 0, true, [
              A.create(A.Class.UNIVERSAL, A.Type.OCTETSTRING, false, z.toString('latin1')),
            ]),
          ]),
        ]),
      ]),
    ]);
    const golden = Buffer.from(A.toDer(ci).getBytes(), 'latin1');
    expect(decompress(golden)).toEqual(payload);

    // The same in BER as streaming encoders write it: indefinite lengths, the data in two OCTET STRING segments.
    const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
    const octets = (bytes: Buffer) => Buffer.concat([Buffer.from([0x04, bytes.length]), bytes]);
    const half = Math.floor(z.length / 2);
    const ber = Buffer.concat([
      hex('30 80 06 0b 2a864886f70d0109100109 a0 80 30 80 02 01 00 30 0d 06 0b 2a864886f70d0109100308'),
      hex('30 80 06 09 2a864886f70d010701 a0 80 24 80'),
      octets(z.subarray(0, half)),
      octets(z.subarray(half)),
      hex('0000 0000 0000 0000 0000 0000'),
    ]);
    expect(decompress(ber)).toEqual(payload);
  });

  test('corrupt zlib data is decompression-failed', () => {
    const der = compress(Buffer.alloc(1000, 65));
    const broken = Buffer.from(der);
    broken[broken.length - 8] ^= 0xff;
    expect(codeOf(() => decompress(broken))).toBe('EDIGW_AS2_DECOMPRESSION_FAILED');
    expect(codeOf(() => decompress(randomBytes(100)))).toBe('EDIGW_AS2_DECOMPRESSION_FAILED');
  });

  test('the ratio guard refuses 10 MB of zeros, while the same ratio below the floor passes', () => {
    expect(codeOf(() => decompress(compress(Buffer.alloc(10 * 1024 * 1024))))).toBe('EDIGW_AS2_DECOMPRESSION_REFUSED');
    expect(decompress(compress(Buffer.alloc(512 * 1024))).length).toBe(512 * 1024);
    expect(codeOf(() => decompress(compress(Buffer.alloc(5000)), { maxBytes: 4000 }))).toBe(
      'EDIGW_AS2_DECOMPRESSION_REFUSED',
    );
  });

  test('a zip bomb (1 GB of zeros) is refused with bounded memory', async () => {
    const z = await deflateZeros(1024 * 1024 * 1024);
    const ci = compressedDataAround(z);
    if (global.gc) global.gc();
    const before = process.memoryUsage().rss;
    expect(codeOf(() => decompress(ci))).toBe('EDIGW_AS2_DECOMPRESSION_REFUSED');
    const grown = process.memoryUsage().rss - before;
    // At most the 100 MiB size limit, plus slack for the allocator.
    expect(grown).toBeLessThan(200 * 1024 * 1024);
  }, 60_000);
});

describe('as2 cms: keys and certificates', () => {
  test('a certificate: issuer, serial and subject key identifier are read', () => {
    const p = makePartyInProcess('ski', { subjectKeyId: true, serial: '00ff01' });
    expect(p.certificate.serial.toString('hex')).toBe('ff01');
    expect(p.certificate.subjectKeyId?.length).toBe(20);
    expect(p.certificate.subject).toContain('CN=ski');
  });

  test('a PEM bundle holds several certificates (a partner during a rollover)', () => {
    const both = loadCertificates(`${a.pem}\n${b.pem}`);
    expect(both.map((c) => c.subject)).toEqual(['CN=partner-a', 'CN=partner-b']);
  });

  test('what is not a certificate or an RSA key is EDIGW_AS2_KEY_INVALID', () => {
    expect(codeOf(() => loadCertificate('not a certificate'))).toBe('EDIGW_AS2_KEY_INVALID');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(codeOf(() => loadPrivateKey(ec))).toBe('EDIGW_AS2_KEY_INVALID');
  });
});

describeWithPeer('as2 cms: against openssl cms', () => {
  let tmp: ReturnType<typeof tempDir>;
  let p: Party;
  const file = (name: string) => join(tmp.dir, name);

  beforeAll(async () => {
    tmp = tempDir('as2-cms-');
    p = await makeParty(tmp.dir, 'peer');
    writeFileSync(file('content.mime'), content);
  }, 60_000);
  afterAll(() => tmp?.cleanup());

  test.each(['sha256', 'sha512'])(
    'verifies openssl RSASSA-PSS signatures (%s) and identified by subject key id (-keyid)',
    async (md) => {
      const r = await sh('openssl', [
        'cms',
        '-sign',
        '-binary',
        '-md',
        md,
        '-keyid',
        '-nocerts',
        '-in',
        file('content.mime'),
        '-signer',
        p.certFile,
        '-inkey',
        p.keyFile,
        '-keyopt',
        'rsa_padding_mode:pss',
        '-outform',
        'DER',
        '-out',
        file(`pss-${md}.der`),
      ]);
      expect(r.stderr).toBe('');
      const v = verifyDetached(readFileSync(file(`pss-${md}.der`)), content, [a.certificate, p.certificate]);
      expect(v).toMatchObject({ scheme: 'rsassa-pss', digest: md, certificateIndex: 1 });
    },
  );

  test.each(DIGESTS)('openssl verifies our RSASSA-PSS signature (%s)', async (digest) => {
    writeFileSync(
      file(`our-pss-${digest}.der`),
      signDetached(content, { key: p.key, certificate: p.certificate, digest, scheme: 'rsassa-pss' }),
    );
    const r = await sh('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      file(`our-pss-${digest}.der`),
      '-content',
      file('content.mime'),
      '-CAfile',
      p.certFile,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 0, stderr: 'CMS Verification successful' });
  });

  test('decrypts openssl AES-GCM (AuthEnvelopedData), OAEP with SHA-256, and streamed BER (-stream)', async () => {
    // -keyopt applies to the -recip before it.
    const runs: [string, string[], string][] = [
      ['gcm.der', ['-aes-256-gcm'], 'aes256-gcm'],
      [
        'oaep256.der',
        ['-aes128', '-recip', p.certFile, '-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'],
        'aes128-cbc',
      ],
      ['stream.der', ['-des3', '-stream'], 'des-ede3-cbc'],
    ];
    for (const [name, opts, cipher] of runs) {
      const recip = opts.includes('-recip') ? [] : ['-recip', p.certFile];
      const r = await sh('openssl', [
        'cms',
        '-encrypt',
        '-binary',
        ...opts,
        '-in',
        file('content.mime'),
        '-outform',
        'DER',
        '-out',
        file(name),
        ...recip,
      ]);
      expect(r.stderr).toBe('');
      const got = decrypt(readFileSync(file(name)), [{ key: p.key, certificate: p.certificate }]);
      expect({ cipher: got.cipher, same: got.content.equals(content) }).toEqual({ cipher, same: true });
    }
  });

  test('openssl decrypts our OAEP with SHA-256', async () => {
    writeFileSync(
      file('our-oaep256.der'),
      encrypt(content, {
        certificates: [p.certificate],
        cipher: 'aes192-cbc',
        keyTransport: 'rsaes-oaep',
        oaepHash: 'sha256',
      }),
    );
    const r = await sh('openssl', [
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      file('our-oaep256.der'),
      '-recip',
      p.certFile,
      '-inkey',
      p.keyFile,
      '-out',
      file('out.mime'),
    ]);
    expect(r.stderr).toBe('');
    expect(readFileSync(file('out.mime'))).toEqual(content);
  });
});

// ---------------------------------------------------------------------------------------------

function u32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
}

/** DER tag + length + value, for structures the test builds by hand. */
function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const len = n < 0x80 ? Buffer.from([n]) : Buffer.concat([Buffer.from([0x84]), u32(n)]);
  return Buffer.concat([Buffer.from([tag]), len, value]);
}

function compressedDataAround(z: Buffer): Buffer {
  const oid = (hex: string) => Buffer.from(hex, 'hex');
  return tlv(
    0x30,
    Buffer.concat([
      oid('060b2a864886f70d0109100109'),
      tlv(
        0xa0,
        tlv(
          0x30,
          Buffer.concat([
            Buffer.from('020100', 'hex'),
            tlv(0x30, oid('060b2a864886f70d0109100308')),
            tlv(0x30, Buffer.concat([oid('06092a864886f70d010701'), tlv(0xa0, tlv(0x04, z))])),
          ]),
        ),
      ),
    ]),
  );
}

/** zlib of `size` zero bytes, streamed so the zeros never exist at once. */
async function deflateZeros(size: number): Promise<Buffer> {
  const d = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  d.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => d.on('end', resolve));
  const zeros = Buffer.alloc(16 * 1024 * 1024);
  for (let sent = 0; sent < size; sent += zeros.length) {
    if (!d.write(zeros)) await new Promise((resolve) => d.once('drain', resolve));
  }
  d.end();
  await done;
  return Buffer.concat(chunks);
}

function envelopedDataByHand(
  cert: Certificate,
  keyAlg: string,
  encryptedKey: Buffer,
  cipherOid: string,
  iv: Buffer,
  ciphertext: Buffer,
): Buffer {
  const A = forge.asn1;
  const oid = (o: string) => A.create(A.Class.UNIVERSAL, A.Type.OID, false, A.oidToDer(o).getBytes());
  const bytes = (t: number, v: Buffer, cls = A.Class.UNIVERSAL) => A.create(cls, t, false, v.toString('latin1'));
  const seq = (...c: forge.asn1.Asn1[]) => A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, c);
  const serial = cert.serial[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), cert.serial]) : cert.serial;
  const issuer = A.fromDer(cert.issuer.toString('latin1'));
  const ktri = seq(
    bytes(A.Type.INTEGER, Buffer.from([0])),
    seq(issuer, bytes(A.Type.INTEGER, serial)),
    seq(oid(keyAlg), A.create(A.Class.UNIVERSAL, A.Type.NULL, false, '')),
    bytes(A.Type.OCTETSTRING, encryptedKey),
  );
  const env = seq(
    bytes(A.Type.INTEGER, Buffer.from([0])),
    A.create(A.Class.UNIVERSAL, A.Type.SET, true, [ktri]),
    seq(
      oid('1.2.840.113549.1.7.1'),
      seq(oid(cipherOid), bytes(A.Type.OCTETSTRING, iv)),
      bytes(0, ciphertext, A.Class.CONTEXT_SPECIFIC),
    ),
  );
  const ci = seq(oid('1.2.840.113549.1.7.3'), A.create(A.Class.CONTEXT_SPECIFIC, 0, true, [env]));
  return Buffer.from(A.toDer(ci).getBytes(), 'latin1');
}
