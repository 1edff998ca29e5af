/**
 * CMS (RFC 5652) as AS2 uses it: detached SignedData, EnvelopedData (and AuthEnvelopedData for
 * AES-GCM, RFC 5083/5084), CompressedData (RFC 3274). node-forge reads and writes the ASN.1; Node's
 * crypto does every RSA, digest and cipher operation (forge's RSA signs ~70× slower, see
 * docs/adr/0006-as2-cms-on-node-crypto.md). Failures are GatewayErrors whose codes carry the MDN
 * disposition, so a receiver can answer with one catch.
 */
import {
  X509Certificate,
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as rsaSign,
  timingSafeEqual,
  verify as rsaVerify,
  type KeyObject,
} from 'node:crypto';
import { deflateSync, inflateRawSync, inflateSync } from 'node:zlib';
import { GatewayError, type ErrorCode } from '../../errors';
import * as der from './der';
import * as w from './der-write';
import { decryptPkcs1v15 } from './rsa-pkcs1';

const { Class, Tag } = der;

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  compressedData: '1.2.840.113549.1.9.16.1.9',
  zlib: '1.2.840.113549.1.9.16.3.8',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  pSpecified: '1.2.840.113549.1.1.9',
  rsassaPss: '1.2.840.113549.1.1.10',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

export type DigestAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type SignatureScheme = 'rsassa-pkcs1-v1_5' | 'rsassa-pss';
export type ContentCipher =
  'aes128-cbc' | 'aes192-cbc' | 'aes256-cbc' | 'des-ede3-cbc' | 'aes128-gcm' | 'aes192-gcm' | 'aes256-gcm';
export type KeyTransport = 'rsaes-pkcs1-v1_5' | 'rsaes-oaep';

export const DIGESTS: readonly DigestAlgorithm[] = ['sha1', 'sha256', 'sha384', 'sha512'];
export const CIPHERS: readonly ContentCipher[] = [
  'aes128-cbc',
  'aes192-cbc',
  'aes256-cbc',
  'des-ede3-cbc',
  'aes128-gcm',
  'aes192-gcm',
  'aes256-gcm',
];

const digestOids: Record<DigestAlgorithm, string> = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const digestByOid = new Map(Object.entries(digestOids).map(([k, v]) => [v, k as DigestAlgorithm]));
const digestLength: Record<DigestAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** sha*WithRSAEncryption: PKCS#1 v1.5 signatures that name their hash in the OID. */
const rsaWithDigest = new Map<string, DigestAlgorithm>([
  ['1.2.840.113549.1.1.5', 'sha1'],
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
]);

interface CipherSpec {
  oid: string;
  node: string;
  keyLength: number;
  ivLength: number;
  gcm: boolean;
}
const cipherSpecs: Record<ContentCipher, CipherSpec> = {
  'aes128-cbc': { oid: '2.16.840.1.101.3.4.1.2', node: 'aes-128-cbc', keyLength: 16, ivLength: 16, gcm: false },
  'aes192-cbc': { oid: '2.16.840.1.101.3.4.1.22', node: 'aes-192-cbc', keyLength: 24, ivLength: 16, gcm: false },
  'aes256-cbc': { oid: '2.16.840.1.101.3.4.1.42', node: 'aes-256-cbc', keyLength: 32, ivLength: 16, gcm: false },
  'des-ede3-cbc': { oid: '1.2.840.113549.3.7', node: 'des-ede3-cbc', keyLength: 24, ivLength: 8, gcm: false },
  'aes128-gcm': { oid: '2.16.840.1.101.3.4.1.6', node: 'aes-128-gcm', keyLength: 16, ivLength: 12, gcm: true },
  'aes192-gcm': { oid: '2.16.840.1.101.3.4.1.26', node: 'aes-192-gcm', keyLength: 24, ivLength: 12, gcm: true },
  'aes256-gcm': { oid: '2.16.840.1.101.3.4.1.46', node: 'aes-256-gcm', keyLength: 32, ivLength: 12, gcm: true },
};
const cipherByOid = new Map(Object.entries(cipherSpecs).map(([k, v]) => [v.oid, k as ContentCipher]));

function fail(code: ErrorCode, context: string, cause?: unknown): never {
  throw new GatewayError(code, context, cause === undefined ? undefined : { cause });
}

// ---------------------------------------------------------------------------------------------
// Keys and certificates

export interface Certificate {
  readonly der: Buffer;
  readonly x509: X509Certificate;
  readonly publicKey: KeyObject;
  /** DER of the issuer Name and the serial's magnitude: what IssuerAndSerialNumber names. */
  readonly issuer: Buffer;
  readonly serial: Buffer;
  readonly subjectKeyId?: Buffer;
  readonly subject: string;
  readonly notAfter: Date;
}

/** A PEM or DER certificate. Throws EDIGW_AS2_KEY_INVALID. */
export function loadCertificate(input: string | Buffer): Certificate {
  try {
    const x509 = new X509Certificate(input);
    const [tbs] = der.children(der.decode(x509.raw), 'certificate');
    const fields = der.children(tbs, 'tbsCertificate');
    const at = der.is(fields[0], Class.CONTEXT, 0) ? 1 : 0;
    const serial = der.integerMagnitude(
      der.readBytes(der.expect(fields[at], Class.UNIVERSAL, Tag.INTEGER, 'serial'), 'serial'),
    );
    const issuer = der.encode(der.expect(fields[at + 2], Class.UNIVERSAL, Tag.SEQUENCE, 'issuer'));
    let subjectKeyId: Buffer | undefined;
    const extensions = fields.find((f) => der.is(f, Class.CONTEXT, 3));
    if (extensions) {
      for (const ext of der.children(der.children(extensions, 'extensions')[0], 'extensions')) {
        const [id, ...rest] = der.children(ext, 'extension');
        if (der.readOid(id) !== OID.subjectKeyIdentifier) continue;
        const value = der.readOctets(rest[rest.length - 1], 'subjectKeyIdentifier');
        subjectKeyId = der.readOctets(der.decode(value), 'subjectKeyIdentifier');
      }
    }
    return {
      der: x509.raw,
      x509,
      publicKey: x509.publicKey,
      issuer,
      serial,
      subjectKeyId,
      subject: x509.subject,
      notAfter: new Date(x509.validTo),
    };
  } catch (e) {
    fail('EDIGW_AS2_KEY_INVALID', 'reading a certificate', e);
  }
}

/** Every certificate of a PEM bundle (a partner's current and next certificate, or a chain). */
export function loadCertificates(pem: string | Buffer): Certificate[] {
  const text = typeof pem === 'string' ? pem : pem.toString('latin1');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return [loadCertificate(pem)];
  return blocks.map((b) => loadCertificate(b));
}

export function loadPrivateKey(input: string | Buffer, passphrase?: string): KeyObject {
  try {
    const key = createPrivateKey(passphrase === undefined ? input : { key: input, passphrase });
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`an ${key.asymmetricKeyType} key; AS2 here needs RSA`);
    return key;
  } catch (e) {
    fail('EDIGW_AS2_KEY_INVALID', 'reading a private key', e);
  }
}

function issuerAndSerial(cert: Certificate): der.Asn1 {
  return der.seq([
    der.raw(cert.issuer),
    der.int(cert.serial[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), cert.serial]) : cert.serial),
  ]);
}

/** SignerIdentifier / RecipientIdentifier: IssuerAndSerialNumber or [0] SubjectKeyIdentifier. */
function identifies(id: der.Asn1 | undefined, cert: Certificate): boolean {
  if (!id) return false;
  if (der.is(id, Class.CONTEXT, 0))
    return !!cert.subjectKeyId && der.readBytes(id, 'subjectKeyIdentifier').equals(cert.subjectKeyId);
  if (!der.is(id, Class.UNIVERSAL, Tag.SEQUENCE)) return false;
  const [name, serial] = der.children(id, 'issuerAndSerialNumber');
  return (
    der.encode(name).equals(cert.issuer) && der.integerMagnitude(der.readBytes(serial, 'serial')).equals(cert.serial)
  );
}

// ---------------------------------------------------------------------------------------------
// ContentInfo

export type CmsKind = 'data' | 'signed-data' | 'enveloped-data' | 'auth-enveloped-data' | 'compressed-data';
const kindByOid = new Map<string, CmsKind>([
  [OID.data, 'data'],
  [OID.signedData, 'signed-data'],
  [OID.envelopedData, 'enveloped-data'],
  [OID.authEnvelopedData, 'auth-enveloped-data'],
  [OID.compressedData, 'compressed-data'],
]);

function contentInfo(type: string, content: der.Asn1): Buffer {
  return der.encode(der.seq([der.oid(type), der.explicit(0, content)]));
}

function openContentInfo(bytes: Buffer, what: string): { type: string; content: der.Asn1 } {
  const [type, content] = der.children(der.decode(bytes), what);
  const inner = der.children(der.expect(content, Class.CONTEXT, 0, what), what)[0];
  return { type: der.readOid(type, what), content: inner };
}

const ENVELOPED_DATA_OID = Buffer.from('06092a864886f70d010703', 'hex');
const SEQUENCE = 0x30;
const SET = 0x31;
const CONTEXT_0 = 0xa0;
const CONTEXT_0_PRIMITIVE = 0x80;

/**
 * An EnvelopedData opened with its ciphertext left where it lies, for the form most senders make: DER
 * with the encrypted content as one primitive string. forge parses binary strings, so through
 * openContentInfo a 1 MiB message became a 1 MiB string and its ciphertext a Buffer again: two copies
 * of the body and their garbage, for every large message. Only the small parts (version, recipients,
 * algorithm) go through forge here; the EncryptedContentInfo handed on lacks its third element, which
 * comes back as `ciphertext`, a view of `bytes`. Anything else (BER indefinite lengths, a constructed
 * string, AuthEnvelopedData, a malformed message) gives undefined and takes the general path.
 */
export function envelopedInPlace(bytes: Buffer): { type: string; content: der.Asn1; ciphertext: Buffer } | undefined {
  try {
    const info = der.spanAt(bytes, 0, bytes.length);
    if (!info || info.tag !== SEQUENCE || info.end !== bytes.length) return undefined;
    const [oid, explicit, ...rest] = der.childSpans(bytes, info) ?? [];
    if (!explicit || rest.length || explicit.tag !== CONTEXT_0) return undefined;
    if (!bytes.subarray(oid.start, oid.end).equals(ENVELOPED_DATA_OID)) return undefined;
    const [enveloped, ...more] = der.childSpans(bytes, explicit) ?? [];
    if (!enveloped || more.length || enveloped.tag !== SEQUENCE) return undefined;
    const fields = der.childSpans(bytes, enveloped);
    const e = fields?.findIndex((s) => s.tag === SET) ?? -1;
    const eciSpan = fields?.[e + 1];
    if (!fields || e < 0 || eciSpan?.tag !== SEQUENCE) return undefined;
    const eci = der.childSpans(bytes, eciSpan);
    if (!eci || eci.length < 2 || eci.length > 3) return undefined;
    const encrypted = eci[2];
    if (encrypted && encrypted.tag !== CONTEXT_0_PRIMITIVE) return undefined;
    const children = fields.map((s, i) =>
      i === e + 1 ? der.seq([der.decodeSpan(bytes, eci[0]), der.decodeSpan(bytes, eci[1])]) : der.decodeSpan(bytes, s),
    );
    return {
      type: OID.envelopedData,
      content: der.seq(children),
      ciphertext: encrypted ? bytes.subarray(encrypted.contentStart, encrypted.end) : Buffer.alloc(0),
    };
  } catch {
    return undefined;
  }
}

/** What a DER ContentInfo holds, for bodies whose Content-Type lacks or misstates smime-type. */
export function cmsKind(bytes: Buffer): CmsKind | undefined {
  try {
    const [type] = der.children(der.decode(bytes), 'ContentInfo');
    return kindByOid.get(der.readOid(type));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// SignedData (detached)

export interface SignOptions {
  key: KeyObject;
  certificate: Certificate;
  digest: DigestAlgorithm;
  scheme?: SignatureScheme;
  /** Certificates to carry besides the signer's (a chain). The signer's is carried unless includeCertificate is false. */
  certificates?: Certificate[];
  includeCertificate?: boolean;
  signingTime?: Date;
  /**
   * The `digest` of the content when the caller has it already: a sender's MIC is the digest of the
   * very bytes it signs, so one pass over them serves both.
   */
  contentDigest?: Buffer;
}

function pssParams(digest: DigestAlgorithm): Buffer {
  // RFC 4055: SHA-1, MGF1-SHA-1 and salt 20 are the defaults, which DER leaves out.
  if (digest === 'sha1') return w.seq();
  const hash = w.algorithm(digestOids[digest]);
  return w.seq(w.ctx(0, hash), w.ctx(1, w.algorithm(OID.mgf1, hash)), w.ctx(2, w.int(digestLength[digest])));
}

function attribute(type: string, value: Buffer): Buffer {
  return w.seq(w.oid(type), w.set(value));
}

function signerIdentifier(cert: Certificate): Buffer {
  // IssuerAndSerialNumber; the serial's magnitude takes a sign octet when its high bit is set.
  const serial = cert.serial[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), cert.serial]) : cert.serial;
  return w.seq(cert.issuer, w.int(serial));
}

/**
 * The signed attributes (contentType, signingTime, messageDigest) in DER SET OF order: their
 * concatenation is both the content of the SET whose DER is signed and of the SignerInfo's [0].
 */
function signedAttributes(digest: Buffer, signingTime: Date): Buffer {
  return Buffer.concat(
    w.sortSetOf([
      attribute(OID.contentType, w.oid(OID.data)),
      attribute(OID.signingTime, w.time(signingTime)),
      attribute(OID.messageDigest, w.octets(digest)),
    ]),
  );
}

/** A detached CMS SignedData over `content`, with contentType, signingTime and messageDigest signed. */
export function signDetached(content: Buffer, options: SignOptions): Buffer {
  const { key, certificate, digest } = options;
  const scheme = options.scheme ?? 'rsassa-pkcs1-v1_5';
  if (!digestOids[digest]) fail('EDIGW_AS2_ALGORITHM_UNSUPPORTED', `signing with ${String(digest)}`);
  const contentDigest = options.contentDigest ?? createHash(digest).update(content).digest();
  const attrs = signedAttributes(contentDigest, options.signingTime ?? new Date());
  const signedBytes = w.set(attrs);
  const signature =
    scheme === 'rsassa-pss'
      ? rsaSign(digest, signedBytes, {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: digestLength[digest],
        })
      : rsaSign(digest, signedBytes, key);
  const signatureAlgorithm =
    scheme === 'rsassa-pss' ? w.algorithm(OID.rsassaPss, pssParams(digest)) : w.algorithm(OID.rsaEncryption);
  const digestAlgorithm = w.algorithm(digestOids[digest], null);

  const signerInfo = w.seq(
    w.int(1),
    signerIdentifier(certificate),
    digestAlgorithm,
    w.ctx(0, attrs),
    signatureAlgorithm,
    w.octets(signature),
  );
  const carried = [...(options.includeCertificate === false ? [] : [certificate]), ...(options.certificates ?? [])];
  const signedData = w.seq(
    w.int(1),
    w.set(digestAlgorithm),
    w.seq(w.oid(OID.data)),
    ...(carried.length ? [w.ctx(0, ...carried.map((c) => c.der))] : []),
    w.set(signerInfo),
  );
  return w.seq(w.oid(OID.signedData), w.ctx(0, signedData));
}

export interface VerifyResult {
  digest: DigestAlgorithm;
  scheme: SignatureScheme;
  certificate: Certificate;
  /** Which of the candidate certificates verified: during a rollover a partner has two. */
  certificateIndex: number;
  signingTime?: Date;
  /** The `digest` of the content as verified: the MIC of a signed message, when its algorithm is the same. */
  contentDigest: Buffer;
}

interface SignatureCheck {
  hash: DigestAlgorithm;
  scheme: SignatureScheme;
  saltLength?: number;
}

function signatureCheck(alg: der.AlgorithmIdentifier, digest: DigestAlgorithm): SignatureCheck {
  if (alg.oid === OID.rsaEncryption) return { hash: digest, scheme: 'rsassa-pkcs1-v1_5' };
  const named = rsaWithDigest.get(alg.oid);
  if (named) return { hash: named, scheme: 'rsassa-pkcs1-v1_5' };
  if (alg.oid === OID.rsassaPss) {
    let hash: DigestAlgorithm = 'sha1';
    let mgfHash: DigestAlgorithm = 'sha1';
    let saltLength = 20;
    for (const p of alg.params ? der.children(alg.params, 'RSASSA-PSS-params') : []) {
      const inner = der.children(p, 'RSASSA-PSS-params')[0];
      if (der.is(p, Class.CONTEXT, 0)) hash = digestNamed(der.readAlgorithm(inner, 'hashAlgorithm').oid);
      else if (der.is(p, Class.CONTEXT, 1)) {
        const mgf = der.readAlgorithm(inner, 'maskGenAlgorithm');
        if (mgf.oid !== OID.mgf1 || !mgf.params) throw new Error(`mask generation ${mgf.oid} is not MGF1`);
        mgfHash = digestNamed(der.readAlgorithm(mgf.params, 'MGF1 hash').oid);
      } else if (der.is(p, Class.CONTEXT, 2)) saltLength = der.readSmallInt(inner, 'saltLength');
    }
    // Node (OpenSSL underneath) uses the signature hash for MGF1 too.
    if (mgfHash !== hash) throw new Error('RSASSA-PSS with an MGF1 hash unlike the message hash');
    return { hash, scheme: 'rsassa-pss', saltLength };
  }
  throw new Error(`signature algorithm ${alg.oid} is not supported`);
}

function digestNamed(oid: string): DigestAlgorithm {
  const d = digestByOid.get(oid);
  if (!d) throw new Error(`digest algorithm ${oid} is not supported`);
  return d;
}

function checkSignature(check: SignatureCheck, data: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    return check.scheme === 'rsassa-pss'
      ? rsaVerify(
          check.hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: check.saltLength },
          signature,
        )
      : rsaVerify(check.hash, data, key, signature);
  } catch {
    return false;
  }
}

interface ParsedSignerInfo {
  sid: der.Asn1;
  digest: DigestAlgorithm;
  signedAttrs?: der.Asn1;
  /** The signed attributes' DER as a SET, when taken from the bytes as they came (signedInPlace). */
  signedAttrsDer?: Buffer;
  check: SignatureCheck;
  signature: Buffer;
}

function parseSignerInfo(node: der.Asn1, signedAttrsDer?: Buffer): ParsedSignerInfo {
  const f = der.children(node, 'SignerInfo');
  let i = 1;
  const sid = f[i++];
  const digest = digestNamed(der.readAlgorithm(f[i++], 'digestAlgorithm').oid);
  const signedAttrs = der.is(f[i], Class.CONTEXT, 0) ? f[i++] : undefined;
  const check = signatureCheck(der.readAlgorithm(f[i++], 'signatureAlgorithm'), digest);
  const signature = der.readOctets(f[i], 'signature');
  return { sid, digest, signedAttrs, ...(signedAttrs && signedAttrsDer ? { signedAttrsDer } : {}), check, signature };
}

const SIGNED_DATA_OID = Buffer.from('06092a864886f70d010702', 'hex');

/**
 * A detached SignedData read in place, for the form most senders make (DER, definite lengths): only
 * the EncapsulatedContentInfo and each SignerInfo go through forge, not the certificates the message
 * carries (most of its bytes, never used: only the partner's own certificates verify), and the signed
 * attributes are verified over their bytes as they came, their [0] tag made a SET's, instead of being
 * encoded again. That is the same DER when every length in them is minimal, which is checked; anything
 * else gives undefined and takes the general path, which also gives its errors.
 */
export function signedInPlace(bytes: Buffer): { signers: ParsedSignerInfo[]; eContentType: string } | undefined {
  try {
    const info = der.spanAt(bytes, 0, bytes.length);
    if (!info || info.tag !== SEQUENCE || info.end !== bytes.length) return undefined;
    const [oid, explicit, ...rest] = der.childSpans(bytes, info) ?? [];
    if (!explicit || rest.length || explicit.tag !== CONTEXT_0) return undefined;
    if (!bytes.subarray(oid.start, oid.end).equals(SIGNED_DATA_OID)) return undefined;
    const [signedData, ...more] = der.childSpans(bytes, explicit) ?? [];
    if (!signedData || more.length || signedData.tag !== SEQUENCE) return undefined;
    const fields = der.childSpans(bytes, signedData);
    const signerSet = fields?.[fields.length - 1];
    if (!fields || fields.length < 4 || fields[2].tag !== SEQUENCE || signerSet?.tag !== SET) return undefined;
    const spans = der.childSpans(bytes, signerSet);
    if (!spans) return undefined;
    const signers: ParsedSignerInfo[] = [];
    for (const span of spans) {
      const attrs = span.tag === SEQUENCE ? der.childSpans(bytes, span)?.find((c) => c.tag === CONTEXT_0) : undefined;
      if (attrs && !minimalDer(bytes, attrs)) return undefined;
      const attrsDer = attrs && Buffer.from(bytes.subarray(attrs.start, attrs.end));
      if (attrsDer) attrsDer[0] = SET;
      signers.push(parseSignerInfo(der.decodeSpan(bytes, span), attrsDer));
    }
    const encap = der.children(der.decodeSpan(bytes, fields[2]), 'EncapsulatedContentInfo');
    return { signers, eContentType: der.readOid(encap[0]) };
  } catch {
    return undefined;
  }
}

/** Every length in the element (and, when constructed, in its elements) in its shortest form, as DER has it. */
function minimalDer(b: Buffer, s: der.Span): boolean {
  const length = s.end - s.contentStart;
  let minimal = 2;
  if (length >= 0x80) for (let l = length; l > 0; l = Math.floor(l / 256)) minimal++;
  if (s.contentStart - s.start !== minimal) return false;
  if (!(b[s.start] & 0x20)) return true;
  const children = der.childSpans(b, s);
  return !!children && children.every((c) => minimalDer(b, c));
}

function attributeValue(attrs: der.Asn1, type: string): der.Asn1 | undefined {
  const found = der.children(attrs, 'signedAttrs').filter((a) => der.readOid(der.children(a, 'Attribute')[0]) === type);
  if (found.length > 1) throw new Error(`attribute ${type} appears twice`);
  if (!found.length) return undefined;
  const values = der.children(der.children(found[0], 'Attribute')[1], 'AttributeValues');
  if (values.length !== 1) throw new Error(`attribute ${type} must have one value`);
  return values[0];
}

/**
 * Verifies a detached SignedData over `content` against the partner's candidate certificates (never
 * against certificates the message carries: those prove nothing). Throws
 * EDIGW_AS2_AUTHENTICATION_FAILED when no candidate's key verifies the signature (or it cannot be
 * read), EDIGW_AS2_INTEGRITY_CHECK_FAILED when the signature is the partner's but the content is not
 * what it signed.
 */
export function verifyDetached(signature: Buffer, content: Buffer, candidates: readonly Certificate[]): VerifyResult {
  if (!candidates.length)
    fail('EDIGW_AS2_AUTHENTICATION_FAILED', 'verifying the signature: the partner has no certificate to verify with');
  let signers: ParsedSignerInfo[];
  let eContentType: string;
  try {
    const inPlace = signedInPlace(signature);
    if (inPlace) ({ signers, eContentType } = inPlace);
    else {
      const { type, content: sd } = openContentInfo(signature, 'ContentInfo');
      if (type !== OID.signedData) throw new Error(`a ${kindByOid.get(type) ?? type}, not signed-data`);
      const f = der.children(sd, 'SignedData');
      const encap = der.children(f[2], 'EncapsulatedContentInfo');
      eContentType = der.readOid(encap[0]);
      const signerSet = f[f.length - 1];
      signers = der
        .children(der.expect(signerSet, Class.UNIVERSAL, Tag.SET, 'signerInfos'), 'signerInfos')
        .map((si) => parseSignerInfo(si));
    }
    if (!signers.length) throw new Error('no SignerInfo');
  } catch (e) {
    fail('EDIGW_AS2_AUTHENTICATION_FAILED', 'reading the signature', e);
  }

  let integrityFailure: string | undefined;
  for (const si of signers) {
    // Certificates the SignerInfo names are tried first; the others still get a chance, as a
    // re-issued certificate keeps its key but changes its serial.
    const order = candidates
      .map((c, i) => ({ c, i }))
      .sort((a, b) => Number(identifies(si.sid, b.c)) - Number(identifies(si.sid, a.c)));
    const contentDigest = createHash(si.digest).update(content).digest();
    let data: Buffer;
    let attrsOk = true;
    let signingTime: Date | undefined;
    try {
      if (si.signedAttrs) {
        // The signature covers the DER of the attributes as a SET (RFC 5652 §5.4), in the order sent.
        data = si.signedAttrsDer ?? der.encode(der.set(der.children(si.signedAttrs, 'signedAttrs')));
        const md = attributeValue(si.signedAttrs, OID.messageDigest);
        const ct = attributeValue(si.signedAttrs, OID.contentType);
        const st = attributeValue(si.signedAttrs, OID.signingTime);
        if (!md || !ct) throw new Error('signed attributes lack messageDigest or contentType');
        if (der.readOid(ct) !== eContentType)
          throw new Error('the contentType attribute differs from the content type');
        const claimed = der.readOctets(md, 'messageDigest');
        attrsOk = claimed.length === contentDigest.length && timingSafeEqual(claimed, contentDigest);
        if (st) signingTime = der.readTime(st);
      } else {
        data = content;
      }
    } catch (e) {
      fail('EDIGW_AS2_AUTHENTICATION_FAILED', 'reading the signed attributes', e);
    }
    for (const { c, i } of order) {
      if (!checkSignature(si.check, data, si.signature, c.publicKey)) continue;
      if (!attrsOk) {
        integrityFailure = `the ${si.digest} digest of the content differs from the one ${c.subject} signed`;
        continue;
      }
      return {
        digest: si.digest,
        scheme: si.check.scheme,
        certificate: c,
        certificateIndex: i,
        signingTime,
        contentDigest,
      };
    }
  }
  if (integrityFailure) fail('EDIGW_AS2_INTEGRITY_CHECK_FAILED', `verifying the signature: ${integrityFailure}`);
  fail(
    'EDIGW_AS2_AUTHENTICATION_FAILED',
    `verifying the signature with ${candidates.length} candidate certificate(s) (${candidates.map((c) => c.subject.replace(/\n/g, ', ')).join('; ')})`,
  );
}

// ---------------------------------------------------------------------------------------------
// EnvelopedData / AuthEnvelopedData

export interface EncryptOptions {
  /** The recipients' certificates; AS2 has one, a rollover may want two. */
  certificates: Certificate[];
  cipher: ContentCipher;
  keyTransport?: KeyTransport;
  /** RSAES-OAEP hash (and MGF1 hash); sha1 is what `openssl cms -keyopt rsa_padding_mode:oaep` uses. */
  oaepHash?: 'sha1' | 'sha256';
}

function keyTransportAlgorithm(kt: KeyTransport, oaepHash: 'sha1' | 'sha256'): der.Asn1 {
  if (kt === 'rsaes-pkcs1-v1_5') return der.algorithm(OID.rsaEncryption);
  if (oaepHash === 'sha1') return der.algorithm(OID.rsaesOaep, der.seq([])); // every field at its default
  const hash = der.algorithm(digestOids.sha256);
  return der.algorithm(OID.rsaesOaep, der.seq([der.explicit(0, hash), der.explicit(1, der.algorithm(OID.mgf1, hash))]));
}

/** EnvelopedData for CBC ciphers, AuthEnvelopedData for GCM, as a DER ContentInfo. */
export function encrypt(content: Buffer, options: EncryptOptions): Buffer {
  const spec = cipherSpecs[options.cipher];
  if (!spec) fail('EDIGW_AS2_ALGORITHM_UNSUPPORTED', `encrypting with ${String(options.cipher)}`);
  if (!options.certificates.length) fail('EDIGW_AS2_KEY_INVALID', 'encrypting: no recipient certificate');
  const kt = options.keyTransport ?? 'rsaes-pkcs1-v1_5';
  const oaepHash = options.oaepHash ?? 'sha1';
  const cek = randomBytes(spec.keyLength);
  const iv = randomBytes(spec.ivLength);

  const recipientInfos = options.certificates.map((cert) => {
    const encryptedKey =
      kt === 'rsaes-oaep'
        ? publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, cek)
        : publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
    return der.seq([der.int(0), issuerAndSerial(cert), keyTransportAlgorithm(kt, oaepHash), der.octets(encryptedKey)]);
  });

  if (spec.gcm) {
    const cipher = createCipheriv(spec.node as 'aes-256-gcm', cek, iv, { authTagLength: 16 });
    const encrypted = Buffer.concat([cipher.update(content), cipher.final()]);
    const params = der.seq([der.octets(iv), der.int(16)]); // RFC 5084 GCMParameters
    return contentInfo(
      OID.authEnvelopedData,
      der.seq([
        der.int(0),
        der.set(recipientInfos),
        der.seq([der.oid(OID.data), der.algorithm(spec.oid, params), der.ctxPrimitive(0, encrypted)]),
        der.octets(cipher.getAuthTag()),
      ]),
    );
  }
  const cipher = createCipheriv(spec.node, cek, iv);
  const encrypted = Buffer.concat([cipher.update(content), cipher.final()]);
  return contentInfo(
    OID.envelopedData,
    der.seq([
      der.int(0),
      der.set(recipientInfos),
      der.seq([der.oid(OID.data), der.algorithm(spec.oid, der.octets(iv)), der.ctxPrimitive(0, encrypted)]),
    ]),
  );
}

export interface DecryptionKey {
  key: KeyObject;
  /** Our certificate for this key, to pick the RecipientInfo meant for us. */
  certificate?: Certificate;
}

export interface DecryptResult {
  content: Buffer;
  cipher: ContentCipher;
  keyTransport: KeyTransport;
}

interface KeyTrans {
  rid: der.Asn1;
  transport: KeyTransport;
  oaepHash: DigestAlgorithm;
  oaepLabel?: Buffer;
  encryptedKey: Buffer;
}

function parseKeyTrans(node: der.Asn1): KeyTrans | undefined {
  // Only KeyTransRecipientInfo (a plain SEQUENCE); kari/kekri/pwri/ori are tagged and skipped.
  if (!der.is(node, Class.UNIVERSAL, Tag.SEQUENCE)) return undefined;
  const [, rid, algNode, ek] = der.children(node, 'KeyTransRecipientInfo');
  const alg = der.readAlgorithm(algNode, 'keyEncryptionAlgorithm');
  const encryptedKey = der.readOctets(ek, 'encryptedKey');
  if (alg.oid === OID.rsaEncryption) return { rid, transport: 'rsaes-pkcs1-v1_5', oaepHash: 'sha1', encryptedKey };
  if (alg.oid !== OID.rsaesOaep) return undefined;
  let oaepHash: DigestAlgorithm = 'sha1';
  let mgfHash: DigestAlgorithm = 'sha1';
  let oaepLabel: Buffer | undefined;
  for (const p of alg.params ? der.children(alg.params, 'RSAES-OAEP-params') : []) {
    const inner = der.children(p, 'RSAES-OAEP-params')[0];
    if (der.is(p, Class.CONTEXT, 0)) oaepHash = digestNamed(der.readAlgorithm(inner, 'hashFunc').oid);
    else if (der.is(p, Class.CONTEXT, 1)) {
      const mgf = der.readAlgorithm(inner, 'maskGenFunc');
      if (mgf.oid !== OID.mgf1 || !mgf.params) return undefined;
      mgfHash = digestNamed(der.readAlgorithm(mgf.params, 'MGF1 hash').oid);
    } else if (der.is(p, Class.CONTEXT, 2)) {
      const src = der.readAlgorithm(inner, 'pSourceFunc');
      if (src.oid !== OID.pSpecified) return undefined;
      const label = src.params ? der.readOctets(src.params, 'pSpecified') : Buffer.alloc(0);
      if (label.length) oaepLabel = label;
    }
  }
  // Node takes one OAEP hash and uses it for MGF1 as well.
  if (mgfHash !== oaepHash) return undefined;
  return { rid, transport: 'rsaes-oaep', oaepHash, oaepLabel, encryptedKey };
}

function unwrapKey(kt: KeyTrans, key: KeyObject, keyLength: number): Buffer | undefined {
  if (kt.transport === 'rsaes-pkcs1-v1_5') return decryptPkcs1v15(key, kt.encryptedKey, keyLength);
  try {
    const cek = privateDecrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: kt.oaepHash, oaepLabel: kt.oaepLabel },
      kt.encryptedKey,
    );
    return cek.length === keyLength ? cek : undefined;
  } catch {
    return undefined;
  }
}

function decryptContent(
  spec: CipherSpec,
  cek: Buffer,
  params: der.Asn1 | undefined,
  ciphertext: Buffer,
  tag?: Buffer,
): Buffer | undefined {
  try {
    if (spec.gcm) {
      const p = der.children(params, 'GCMParameters');
      const nonce = der.readOctets(p[0], 'aes-nonce');
      const tagLength = p[1] ? der.readSmallInt(p[1], 'aes-ICVlen') : 12;
      if (!tag || tag.length !== tagLength) return undefined;
      const d = createDecipheriv(spec.node as 'aes-256-gcm', cek, nonce, { authTagLength: tagLength });
      d.setAuthTag(tag);
      return joined(d.update(ciphertext), d.final());
    }
    const iv = der.readOctets(params, 'iv');
    const d = createDecipheriv(spec.node, cek, iv);
    // The padding is taken off here rather than by final(): with it on, update() holds back the last
    // block and the plaintext arrives in two pieces that must be copied into a third, a second buffer
    // the size of the message (1 MB bodies: docs/bench.md, session 17).
    d.setAutoPadding(false);
    const plain = joined(d.update(ciphertext), d.final());
    return unpadded(plain, spec.ivLength);
  } catch {
    return undefined;
  }
}

/** `a` then `b`, copied only when `b` holds anything (a stream cipher's final() gives nothing). */
function joined(a: Buffer, b: Buffer): Buffer {
  return b.length ? Buffer.concat([a, b]) : a;
}

/**
 * CBC plaintext without its PKCS#7 padding (RFC 5652 §6.3), undefined when the padding is not one:
 * the same answer final() gives, so a wrong key is refused alike.
 */
function unpadded(plain: Buffer, blockSize: number): Buffer | undefined {
  const n = plain.length ? plain[plain.length - 1] : 0;
  if (!plain.length || plain.length % blockSize || n < 1 || n > blockSize) return undefined;
  for (let i = plain.length - n; i < plain.length; i++) if (plain[i] !== n) return undefined;
  return plain.subarray(0, plain.length - n);
}

/**
 * Decrypts an EnvelopedData or AuthEnvelopedData ContentInfo with one of our keys. Every failure
 * (unreadable structure, no RecipientInfo for us, wrong key, bad padding, failed tag) is the one
 * EDIGW_AS2_DECRYPTION_FAILED with the same words, so nothing distinguishes a padding error.
 */
export function decrypt(bytes: Buffer, keys: readonly DecryptionKey[]): DecryptResult {
  const context = 'decrypting the message';
  let parsed: {
    spec: CipherSpec;
    cipher: ContentCipher;
    params?: der.Asn1;
    ciphertext: Buffer;
    tag?: Buffer;
    recipients: KeyTrans[];
  };
  try {
    const inPlace = envelopedInPlace(bytes);
    const { type, content } = inPlace ?? openContentInfo(bytes, 'ContentInfo');
    const auth = type === OID.authEnvelopedData;
    if (type !== OID.envelopedData && !auth) throw new Error(`a ${kindByOid.get(type) ?? type}, not enveloped-data`);
    const f = der.children(content, 'EnvelopedData');
    let i = 1;
    if (der.is(f[i], Class.CONTEXT, 0)) i++; // originatorInfo
    const recipients = der
      .children(der.expect(f[i++], Class.UNIVERSAL, Tag.SET, 'recipientInfos'), 'recipientInfos')
      .map(parseKeyTrans)
      .filter((r): r is KeyTrans => r !== undefined);
    const eci = der.children(f[i++], 'EncryptedContentInfo');
    const alg = der.readAlgorithm(eci[1], 'contentEncryptionAlgorithm');
    const cipher = cipherByOid.get(alg.oid);
    if (!cipher) throw new Error(`content cipher ${alg.oid} is not supported`);
    const spec = cipherSpecs[cipher];
    if (spec.gcm !== auth) throw new Error(`${cipher} in ${auth ? 'AuthEnvelopedData' : 'EnvelopedData'}`);
    const ciphertext =
      inPlace?.ciphertext ??
      (der.is(eci[2], Class.CONTEXT, 0) ? der.readBytes(eci[2], 'encryptedContent') : Buffer.alloc(0));
    let tag: Buffer | undefined;
    if (auth) {
      if (der.is(f[i], Class.CONTEXT, 1)) throw new Error('authenticated attributes are not supported');
      tag = der.readOctets(f[i], 'mac');
    }
    parsed = { spec, cipher, params: alg.params, ciphertext, tag, recipients };
  } catch (e) {
    fail('EDIGW_AS2_DECRYPTION_FAILED', context, e);
  }

  // The RecipientInfo that names our certificate first; others only when none does, since a partner
  // may still address our previous certificate with the same key.
  const attempts: { kt: KeyTrans; key: KeyObject }[] = [];
  for (const kt of parsed.recipients)
    for (const k of keys) if (k.certificate && identifies(kt.rid, k.certificate)) attempts.push({ kt, key: k.key });
  if (!attempts.length) for (const kt of parsed.recipients) for (const k of keys) attempts.push({ kt, key: k.key });

  for (const { kt, key } of attempts) {
    const cek = unwrapKey(kt, key, parsed.spec.keyLength);
    if (!cek) continue;
    const content = decryptContent(parsed.spec, cek, parsed.params, parsed.ciphertext, parsed.tag);
    if (content) return { content, cipher: parsed.cipher, keyTransport: kt.transport };
  }
  fail('EDIGW_AS2_DECRYPTION_FAILED', context);
}

// ---------------------------------------------------------------------------------------------
// CompressedData (RFC 3274)

export interface DecompressionLimits {
  /** The most bytes decompression may produce. */
  maxBytes: number;
  /** The most output bytes per compressed byte, once the output passes ratioFloor. */
  maxRatio: number;
  /** Below this many output bytes any ratio is harmless (a page of spaces compresses 1000:1). */
  ratioFloor: number;
}

export const DEFAULT_DECOMPRESSION_LIMITS: DecompressionLimits = {
  maxBytes: 100 * 1024 * 1024,
  maxRatio: 250,
  ratioFloor: 1024 * 1024,
};

export function compress(content: Buffer): Buffer {
  return contentInfo(
    OID.compressedData,
    der.seq([
      der.int(0),
      der.algorithm(OID.zlib, null),
      der.seq([der.oid(OID.data), der.explicit(0, der.octets(deflateSync(content)))]),
    ]),
  );
}

/**
 * Decompresses a CompressedData ContentInfo, refusing (EDIGW_AS2_DECOMPRESSION_REFUSED) as soon as the
 * output would pass the size limit or the ratio limit: zlib stops at maxOutputLength, so a bomb costs
 * at most that much memory and time. A corrupt stream is EDIGW_AS2_DECOMPRESSION_FAILED.
 */
export function decompress(bytes: Buffer, limits: Partial<DecompressionLimits> = {}): Buffer {
  const l = { ...DEFAULT_DECOMPRESSION_LIMITS, ...limits };
  let compressed: Buffer;
  try {
    const { type, content } = openContentInfo(bytes, 'ContentInfo');
    if (type !== OID.compressedData) throw new Error(`a ${kindByOid.get(type) ?? type}, not compressed-data`);
    const f = der.children(content, 'CompressedData');
    const alg = der.readAlgorithm(f[1], 'compressionAlgorithm');
    if (alg.oid !== OID.zlib) throw new Error(`compression algorithm ${alg.oid} is not zlib`);
    const encap = der.children(f[2], 'EncapsulatedContentInfo');
    compressed = der.readOctets(
      der.children(der.expect(encap[1], Class.CONTEXT, 0, 'eContent'), 'eContent')[0],
      'eContent',
    );
  } catch (e) {
    fail('EDIGW_AS2_DECOMPRESSION_FAILED', 'reading the compressed data', e);
  }
  const byRatio = Math.max(l.ratioFloor, compressed.length * l.maxRatio);
  const limit = Math.min(l.maxBytes, byRatio);
  const inflate = (raw: boolean): Buffer =>
    (raw ? inflateRawSync : inflateSync)(compressed, { maxOutputLength: limit });
  try {
    try {
      return inflate(false);
    } catch (e) {
      // RFC 3274 says zlib (RFC 1950); a few products send raw deflate, which has no zlib header.
      if ((e as { code?: string }).code === 'Z_DATA_ERROR' && compressed.length && (compressed[0] & 0x0f) !== 8)
        return inflate(true);
      throw e;
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      const which =
        limit === l.maxBytes ? `${l.maxBytes} bytes` : `${l.maxRatio}:1 for ${compressed.length} compressed bytes`;
      fail(
        'EDIGW_AS2_DECOMPRESSION_REFUSED',
        `decompressing ${compressed.length} bytes: the output passes the limit of ${which}`,
      );
    }
    fail('EDIGW_AS2_DECOMPRESSION_FAILED', `decompressing ${compressed.length} bytes`, e);
  }
}
