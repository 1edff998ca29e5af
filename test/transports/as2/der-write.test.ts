/**
 * The DER writer (der-write.ts) that builds the SignedData of every MDN and signed message: for many
 * inputs, byte for byte what the node-forge encoding it replaced wrote (kept below as the reference),
 * and each element as X.690 DER writes it.
 */
import { constants, createHash, generateKeyPairSync, sign as rsaSign, type KeyObject } from 'node:crypto';
import * as der from '../../../src/transports/as2/der';
import * as w from '../../../src/transports/as2/der-write';
import {
  OID,
  signDetached,
  verifyDetached,
  type Certificate,
  type DigestAlgorithm,
  type SignOptions,
} from '../../../src/transports/as2/cms';
import { makePartyInProcess } from './peer';

const digestOids: Record<DigestAlgorithm, string> = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const digestLength: Record<DigestAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** signDetached as it was written with node-forge's ASN.1 objects (cms.ts before session 16). */
function forgeSignDetached(content: Buffer, options: SignOptions): Buffer {
  const { key, certificate, digest } = options;
  const scheme = options.scheme ?? 'rsassa-pkcs1-v1_5';
  const attribute = (type: string, value: der.Asn1) => der.seq([der.oid(type), der.set([value])]);
  const attrs = [
    attribute(OID.contentType, der.oid(OID.data)),
    attribute(OID.signingTime, der.time(options.signingTime ?? new Date())),
    attribute(OID.messageDigest, der.octets(createHash(digest).update(content).digest())),
  ]
    .map((e) => ({ e, b: der.encode(e) }))
    .sort((x, y) => Buffer.compare(x.b, y.b))
    .map((x) => x.e);
  const signedBytes = der.encode(der.set(attrs));
  const signature =
    scheme === 'rsassa-pss'
      ? rsaSign(digest, signedBytes, {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: digestLength[digest],
        })
      : rsaSign(digest, signedBytes, key);
  const hash = der.algorithm(digestOids[digest]);
  const pss =
    digest === 'sha1'
      ? der.seq([])
      : der.seq([
          der.explicit(0, hash),
          der.explicit(1, der.algorithm(OID.mgf1, hash)),
          der.explicit(2, der.int(digestLength[digest])),
        ]);
  const signatureAlgorithm =
    scheme === 'rsassa-pss' ? der.algorithm(OID.rsassaPss, pss) : der.algorithm(OID.rsaEncryption);
  const serial =
    certificate.serial[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), certificate.serial]) : certificate.serial;
  const signerInfo = der.seq([
    der.int(1),
    der.seq([der.raw(certificate.issuer), der.int(serial)]),
    der.algorithm(digestOids[digest], null),
    der.ctx(0, attrs),
    signatureAlgorithm,
    der.octets(signature),
  ]);
  const carried = [...(options.includeCertificate === false ? [] : [certificate]), ...(options.certificates ?? [])];
  const signedData = der.seq([
    der.int(1),
    der.set([der.algorithm(digestOids[digest], null)]),
    der.seq([der.oid(OID.data)]),
    ...(carried.length
      ? [
          der.ctx(
            0,
            carried.map((c) => der.raw(c.der)),
          ),
        ]
      : []),
    der.set([signerInfo]),
  ]);
  return der.encode(der.seq([der.oid(OID.signedData), der.explicit(0, signedData)]));
}

/** A small deterministic generator, so that a failure can be run again. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
  };
}

/** The signature's octets zeroed: RSASSA-PSS signs with a random salt, so only the rest can compare. */
function withoutSignature(signedData: Buffer): Buffer {
  const root = der.children(der.decode(signedData), 'ContentInfo');
  const sd = der.children(der.children(root[1], 'explicit')[0], 'SignedData');
  const signerInfo = der.children(der.children(sd[sd.length - 1], 'signerInfos')[0], 'SignerInfo');
  const signature = der.readOctets(signerInfo[signerInfo.length - 1], 'signature');
  const out = Buffer.from(signedData);
  const at = out.lastIndexOf(signature);
  out.fill(0, at, at + signature.length);
  return out;
}

describe('DER writer', () => {
  let key: KeyObject;
  let certificates: Certificate[];
  beforeAll(() => {
    key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    // Serials with and without the high bit, with leading zero octets, long ones; names long enough
    // that their lengths take two octets.
    certificates = [
      ['01', 'us'],
      ['7f', 'ACME'],
      ['80', 'OUR GATEWAY'],
      ['00ff', 'x'.repeat(140)],
      ['ff00ee11dd22cc33bb44aa5599660077', 'a partner with a long name'],
    ].map(([serial, name]) => makePartyInProcess(name, { key, serial }).certificate);
  });

  test('signDetached: the same bytes as the node-forge encoding over 400 inputs, and each verifies', () => {
    const r = rng(17);
    const times = [
      new Date('1950-01-01T00:00:00Z'),
      new Date('1999-12-31T23:59:59Z'),
      new Date('2049-12-31T23:59:59Z'),
      new Date('2050-01-01T00:00:00Z'),
      new Date('2107-03-04T05:06:07Z'),
      new Date('1949-12-31T23:59:59Z'),
    ];
    for (let i = 0; i < 400; i++) {
      const content = Buffer.alloc(r.int(3000), i & 0xff);
      const certificate = r.pick(certificates);
      const options: SignOptions = {
        key,
        certificate,
        digest: r.pick(['sha1', 'sha256', 'sha384', 'sha512'] as const),
        scheme: r.pick(['rsassa-pkcs1-v1_5', 'rsassa-pss', undefined] as const),
        signingTime:
          i < times.length
            ? times[i]
            : new Date(Date.UTC(1950, 0, 1) + r.int(100 * 365) * 86_400_000 + r.int(86_400_000)),
        ...(r.int(4) === 0 ? { includeCertificate: false } : {}),
        ...(r.int(4) === 0 ? { certificates: certificates.slice(0, 1 + r.int(3)) } : {}),
      };
      const ours = signDetached(content, options);
      const forge = forgeSignDetached(content, options);
      if (options.scheme === 'rsassa-pss') expect(withoutSignature(ours).equals(withoutSignature(forge))).toBe(true);
      else expect(ours.toString('hex')).toBe(forge.toString('hex'));
      expect(verifyDetached(ours, content, [certificate]).certificate).toBe(certificate);
    }
  });

  test('lengths take the fewest octets: short form below 128, then one, two and three octets', () => {
    for (const [n, head] of [
      [0, '0400'],
      [127, '047f'],
      [128, '048180'],
      [255, '0481ff'],
      [256, '04820100'],
      [65535, '0482ffff'],
      [65536, '0483010000'],
    ] as const) {
      const b = w.octets(Buffer.alloc(n));
      expect(b.subarray(0, head.length / 2).toString('hex')).toBe(head);
      expect(b.length).toBe(head.length / 2 + n);
    }
  });

  test('integers, object identifiers and times as node-forge encodes them', () => {
    for (const n of [0, 1, 20, 127, 128, 255, 256, 32767, 32768, 65536, 2 ** 31 - 1])
      expect(w.int(n).toString('hex')).toBe(der.encode(der.int(n)).toString('hex'));
    // Past forge's 32 bits: still the fewest octets.
    expect(w.int(2 ** 40 + 3).toString('hex')).toBe('0206010000000003');
    for (const o of [...Object.values(OID), ...Object.values(digestOids), '2.5.4.3', '1.3.6.1.4.1.311.60.2.1.3'])
      expect(w.oid(o).toString('hex')).toBe(der.encode(der.oid(o)).toString('hex'));
    const r = rng(5);
    for (let i = 0; i < 500; i++) {
      const d = new Date(Date.UTC(1900, 0, 1) + r.int(250 * 365) * 86_400_000 + r.int(86_400_000));
      expect(w.time(d).toString('hex')).toBe(der.encode(der.time(d)).toString('hex'));
    }
  });

  test("a SET OF is ordered by its elements' encodings compared octet by octet, length octets included", () => {
    const elements = [w.octets(Buffer.from('b')), w.int(5), w.octets(Buffer.from('ab')), w.octets(Buffer.from('a'))];
    expect(w.sortSetOf(elements).map((e) => e.toString('hex'))).toEqual(['020105', '040161', '040162', '04026162']);
  });
});
