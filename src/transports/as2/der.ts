/**
 * A thin Buffer-facing layer over node-forge's ASN.1 module: forge speaks "binary strings", the rest
 * of the gateway speaks Buffers. Only structure lives here; every cryptographic operation is Node's.
 */
import type forge from 'node-forge';

export type Asn1 = forge.asn1.Asn1;

/**
 * forge's ASN.1 module, loaded when first used rather than with the transport registry: what loads the
 * partners without ever reading a certificate or an AS2 message (a large payload's child process)
 * skips node-forge's ~40 modules.
 */
function asn1(): typeof forge.asn1 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (above)
  return (require('node-forge') as typeof forge).asn1;
}

export const Class = {
  UNIVERSAL: 0x00,
  CONTEXT: 0x80,
} as const;

export const Tag = {
  BOOLEAN: 1,
  INTEGER: 2,
  BITSTRING: 3,
  OCTETSTRING: 4,
  NULL: 5,
  OID: 6,
  UTF8: 12,
  SEQUENCE: 16,
  SET: 17,
  UTCTIME: 23,
  GENERALIZEDTIME: 24,
} as const;

/** Thrown for bytes that are not the ASN.1 structure expected; callers turn it into their own error code. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

const latin1 = (b: Buffer): string => b.toString('latin1');
const buf = (s: string): Buffer => Buffer.from(s, 'latin1');

/**
 * Strict parsing: forge is lenient by default (it silently truncates a value that claims more bytes
 * than there are), which would let a cut-off message through to the symmetric layer.
 * BER indefinite lengths and constructed strings are still read, as some AS2 products send them.
 */
export function decode(der: Buffer): Asn1 {
  try {
    const options = { strict: true, parseAllBytes: true, decodeBitStrings: false };
    return asn1().fromDer(latin1(der), options as unknown as boolean);
  } catch (e) {
    throw new DerError(`not DER: ${(e as Error).message}`);
  }
}

export function encode(node: Asn1): Buffer {
  return buf(asn1().toDer(node).getBytes());
}

export const seq = (children: Asn1[]): Asn1 => asn1().create(Class.UNIVERSAL, Tag.SEQUENCE, true, children);
export const set = (children: Asn1[]): Asn1 => asn1().create(Class.UNIVERSAL, Tag.SET, true, children);
export const nul = (): Asn1 => asn1().create(Class.UNIVERSAL, Tag.NULL, false, '');
export const oid = (dotted: string): Asn1 =>
  asn1().create(Class.UNIVERSAL, Tag.OID, false, asn1().oidToDer(dotted).getBytes());
export const octets = (b: Buffer): Asn1 => asn1().create(Class.UNIVERSAL, Tag.OCTETSTRING, false, latin1(b));
export const int = (n: number | Buffer): Asn1 =>
  asn1().create(
    Class.UNIVERSAL,
    Tag.INTEGER,
    false,
    typeof n === 'number' ? asn1().integerToDer(n).getBytes() : latin1(n),
  );
/** [n] EXPLICIT wraps one node; [n] IMPLICIT of a constructed type is `ctx(n, children)`. */
export const explicit = (n: number, child: Asn1): Asn1 => asn1().create(Class.CONTEXT, n, true, [child]);
export const ctx = (n: number, children: Asn1[]): Asn1 => asn1().create(Class.CONTEXT, n, true, children);
export const ctxPrimitive = (n: number, b: Buffer): Asn1 => asn1().create(Class.CONTEXT, n, false, latin1(b));
/** Pre-encoded DER (a certificate, a Name) placed as is. */
export const raw = (der: Buffer): Asn1 => decode(der);

export function time(date: Date): Asn1 {
  // RFC 5652 §11.3: UTCTime through 2049, GeneralizedTime from 2050 on.
  const y = date.getUTCFullYear();
  return y >= 1950 && y < 2050
    ? asn1().create(Class.UNIVERSAL, Tag.UTCTIME, false, asn1().dateToUtcTime(date))
    : asn1().create(Class.UNIVERSAL, Tag.GENERALIZEDTIME, false, asn1().dateToGeneralizedTime(date));
}

export function readTime(node: Asn1): Date {
  if (node.tagClass === Class.UNIVERSAL && node.type === Tag.UTCTIME) return asn1().utcTimeToDate(node.value as string);
  if (node.tagClass === Class.UNIVERSAL && node.type === Tag.GENERALIZEDTIME)
    return asn1().generalizedTimeToDate(node.value as string);
  throw new DerError('expected a time');
}

export function is(node: Asn1 | undefined, cls: number, tag: number): node is Asn1 {
  return node !== undefined && node.tagClass === cls && node.type === tag;
}

export function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new DerError(`${what}: expected a constructed value`);
  return node.value;
}

export function expect(node: Asn1 | undefined, cls: number, tag: number, what: string): Asn1 {
  if (!is(node, cls, tag)) throw new DerError(`${what}: unexpected tag`);
  return node;
}

export function readOid(node: Asn1 | undefined, what = 'object identifier'): string {
  const n = expect(node, Class.UNIVERSAL, Tag.OID, what);
  return asn1().derToOid(n.value as string);
}

/** Primitive content bytes; a BER constructed string is the concatenation of its segments. */
export function readBytes(node: Asn1 | undefined, what: string): Buffer {
  if (!node) throw new DerError(`${what}: missing`);
  if (typeof node.value === 'string') return buf(node.value);
  return Buffer.concat(node.value.map((c) => readBytes(c, what)));
}

/** One definite-length element located in a Buffer: its identifier octet and where its content lies. */
export interface Span {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/**
 * The element at `at`, read in place and strictly (it must end by `limit`), or undefined for what
 * only the general parser reads: a BER indefinite length or a multi-octet tag number.
 */
export function spanAt(b: Buffer, at: number, limit: number): Span | undefined {
  if (at + 2 > limit) throw new DerError('truncated element');
  const tag = b[at];
  if ((tag & 0x1f) === 0x1f) return undefined;
  let len = b[at + 1];
  let p = at + 2;
  if (len === 0x80) return undefined;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || p + n > limit) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  if (len > limit - p) throw new DerError('truncated element');
  return { tag, start: at, contentStart: p, end: p + len };
}

/** The elements that make up a constructed element's content, exactly (undefined as for spanAt). */
export function childSpans(b: Buffer, parent: Span): Span[] | undefined {
  const out: Span[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const s = spanAt(b, at, parent.end);
    if (!s) return undefined;
    out.push(s);
    at = s.end;
  }
  return out;
}

/** decode() of one located element. */
export function decodeSpan(b: Buffer, s: Span): Asn1 {
  return decode(b.subarray(s.start, s.end));
}

export function readOctets(node: Asn1 | undefined, what: string): Buffer {
  if (!node || node.tagClass !== Class.UNIVERSAL || node.type !== Tag.OCTETSTRING)
    throw new DerError(`${what}: expected an OCTET STRING`);
  return readBytes(node, what);
}

export function readSmallInt(node: Asn1 | undefined, what: string): number {
  const b = readBytes(expect(node, Class.UNIVERSAL, Tag.INTEGER, what), what);
  if (b.length === 0 || b.length > 6) throw new DerError(`${what}: integer out of range`);
  return b.readIntBE(0, b.length);
}

/** An INTEGER's magnitude without sign padding, so DER and sloppy encodings of one serial compare equal. */
export function integerMagnitude(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

export interface AlgorithmIdentifier {
  oid: string;
  params?: Asn1;
}

export function readAlgorithm(node: Asn1 | undefined, what: string): AlgorithmIdentifier {
  const [o, params] = children(expect(node, Class.UNIVERSAL, Tag.SEQUENCE, what), what);
  return { oid: readOid(o, what), params: params && !is(params, Class.UNIVERSAL, Tag.NULL) ? params : undefined };
}

export function algorithm(dotted: string, params?: Asn1 | null): Asn1 {
  // null means "parameters absent"; undefined means NULL parameters, which RSA identifiers require.
  if (params === null) return seq([oid(dotted)]);
  return seq([oid(dotted), params ?? nul()]);
}
