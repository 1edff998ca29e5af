/**
 * The Received-Content-MIC of an AS2 MDN: which bytes it digests, with which algorithm, and how it
 * is written (`<base64 digest>, <algorithm>`).
 *
 * Which bytes (RFC 4130 §7.3.1, extended for compression by RFC 5402 §4.1):
 * - a signed message: the MIME entity that was signed, headers and content, exactly as signed (the
 *   first part of the multipart/signed). With compression before signing that is the compressed
 *   entity; with compression after signing, the signed entity found inside the compressed one.
 * - an encrypted, unsigned message: the decrypted MIME entity, headers and content; when it was also
 *   compressed, the entity after decompression, headers included (RFC 5402 §4.1).
 * - an unsigned, unencrypted message: the content alone, without any MIME or HTTP headers, as they
 *   are rewritten in transit; but when it was compressed, the entity after decompression, headers
 *   included (RFC 5402 §4.1).
 * The RFC asks for canonicalized MIME headers. We digest the signed bytes as signed (the signature
 * already proved them) and, for unsigned entities, turn a bare-LF header block into CRLF; bodies are
 * never touched, since AS2 content is binary.
 *
 * Which algorithm (RFC 4130 §7.3): the first of the sender's `signed-receipt-micalg` list (in
 * Disposition-Notification-Options) that we support; when the list is absent, the digest of the
 * message's signature; failing that, SHA-256. When the importance is `required` and we support none
 * of the list, the answer is failed/Failure: unsupported MIC-algorithms.
 */
import { createHash } from 'node:crypto';

export type MicAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Spellings seen in micalg parameters and MDNs: sha1, sha-1, SHA1, sha-256, sha256, rsa-sha256 … */
export function parseMicAlgorithm(name: string): MicAlgorithm | undefined {
  const n = name.trim().toLowerCase().replace(/^rsa-/, '').replace(/[-_ ]/g, '');
  switch (n) {
    case 'md5':
      return 'md5';
    case 'sha1':
      return 'sha1';
    case 'sha224':
      return 'sha224';
    case 'sha256':
      return 'sha256';
    case 'sha384':
      return 'sha384';
    case 'sha512':
      return 'sha512';
    default:
      return undefined;
  }
}

/**
 * The name we write. RFC 4130 and RFC 3851 wrote `sha1`; RFC 5751 §3.4.3.2 registers `sha-256` and the
 * longer ones. This is also how openssl writes micalg, which most partners compare against.
 */
export function micAlgorithmName(alg: MicAlgorithm): string {
  return alg === 'md5' || alg === 'sha1' ? alg : `sha-${alg.slice(3)}`;
}

export interface Mic {
  /** Base64 of the digest. */
  digest: string;
  algorithm: MicAlgorithm;
}

export function computeMic(bytes: Buffer, algorithm: MicAlgorithm): Mic {
  return { digest: createHash(algorithm).update(bytes).digest('base64'), algorithm };
}

/** `base64, sha-256`: the value of Received-Content-MIC. */
export function formatMic(mic: Mic): string {
  return `${mic.digest}, ${micAlgorithmName(mic.algorithm)}`;
}

export function parseMic(value: string): Mic | undefined {
  const comma = value.lastIndexOf(',');
  if (comma < 0) return undefined;
  const algorithm = parseMicAlgorithm(value.slice(comma + 1));
  const digest = value.slice(0, comma).replace(/\s+/g, '');
  if (!algorithm || !/^[A-Za-z0-9+/]+=*$/.test(digest)) return undefined;
  return { digest, algorithm };
}

/** Base64 compares exactly; the algorithm by meaning (`sha256` is `sha-256`). */
export function micEquals(a: Mic | undefined, b: Mic | undefined): boolean {
  return !!a && !!b && a.algorithm === b.algorithm && a.digest === b.digest;
}

export interface NotificationParameter {
  importance: 'required' | 'optional';
  values: string[];
}

export interface DispositionNotificationOptions {
  signedReceiptProtocol?: NotificationParameter;
  signedReceiptMicalg?: NotificationParameter;
}

/** `signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256, sha1` */
export function parseDispositionNotificationOptions(value: string | undefined): DispositionNotificationOptions {
  const out: DispositionNotificationOptions = {};
  if (!value) return out;
  for (const item of value.split(';')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const name = item.slice(0, eq).trim().toLowerCase();
    const [importance, ...values] = item
      .slice(eq + 1)
      .split(',')
      .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
      .filter((s) => s !== '');
    const param: NotificationParameter = {
      importance: importance?.toLowerCase() === 'required' ? 'required' : 'optional',
      values,
    };
    if (name === 'signed-receipt-protocol') out.signedReceiptProtocol = param;
    else if (name === 'signed-receipt-micalg') out.signedReceiptMicalg = param;
  }
  return out;
}

/** Whether the sender asks for a receipt signed as pkcs7-signature, the one format we sign receipts in. */
export function asksPkcs7Receipt(options: DispositionNotificationOptions): boolean {
  return !!options.signedReceiptProtocol?.values.some((v) => v.toLowerCase() === 'pkcs7-signature');
}

/**
 * The receipt formats a sender requires when pkcs7-signature is not among them (pgp-signature, say):
 * a required parameter we cannot meet allows no disposition but failed (RFC 3798 §2.2), here
 * failed/Failure: unsupported format (RFC 4130 §7.5.3). Optional, we answer with an unsigned receipt.
 */
export function unsupportedReceiptFormats(options: DispositionNotificationOptions): string[] | undefined {
  const p = options.signedReceiptProtocol;
  if (!p || p.importance !== 'required' || !p.values.length || asksPkcs7Receipt(options)) return undefined;
  return p.values;
}

export type MicChoice = { algorithm: MicAlgorithm } | { unsupported: string[] };

export function chooseMicAlgorithm(
  options: DispositionNotificationOptions,
  fallback: MicAlgorithm = 'sha256',
): MicChoice {
  const requested = options.signedReceiptMicalg;
  if (!requested || !requested.values.length) return { algorithm: fallback };
  for (const name of requested.values) {
    const alg = parseMicAlgorithm(name);
    if (alg) return { algorithm: alg };
  }
  return requested.importance === 'required' ? { unsupported: requested.values } : { algorithm: fallback };
}

export interface MicSource {
  /** The first part of the multipart/signed exactly as signed, when the message was signed. */
  signedBytes?: Buffer;
  /** The innermost entity (headers and content), after decryption and decompression. */
  entity: Buffer;
  /** Where its headers end. */
  headerLength: number;
  encrypted: boolean;
  compressed: boolean;
}

/** A header block written with bare LF, rewritten with CRLF; anything else is returned as is. */
function canonicalHeaders(entity: Buffer, headerLength: number): Buffer {
  const head = entity.subarray(0, headerLength);
  if (!/(^|[^\r])\n/.test(head.toString('latin1'))) return entity;
  const fixed = Buffer.from(head.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
  return Buffer.concat([fixed, entity.subarray(headerLength)]);
}

/** The bytes the MIC digests (RFC 4130 §7.3.1, RFC 5402 §4.1; see the top of this file). */
export function micInput(source: MicSource): Buffer {
  if (source.signedBytes) return source.signedBytes;
  if (source.encrypted || source.compressed) return canonicalHeaders(source.entity, source.headerLength);
  return source.entity.subarray(source.headerLength);
}
