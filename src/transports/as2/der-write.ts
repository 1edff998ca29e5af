/**
 * A small DER writer (X.690 §10: definite lengths in the fewest octets) for what the gateway signs,
 * every MDN and every signed message: it writes Buffers directly. der.ts's node-forge objects went
 * through binary strings, forge's generic encoder and, to sort a SET OF, an encoding of each element
 * made only to compare it; for the SignedData of an MDN that was ~4% of a crypto thread's CPU per
 * message (docs/bench.md, AS2 rows, session 15). Reading stays with der.ts.
 */

/** Identifier octets of the universal types written here. */
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const OID = 0x06;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const SEQUENCE = 0x30;
const SET = 0x31;
/** [n] constructed, context-specific: EXPLICIT tagging, or IMPLICIT of a constructed type. */
const CONTEXT_CONSTRUCTED = 0xa0;

function lengthOctets(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element: identifier octet, length, and its content (the parts, in order). */
export function tlv(tag: number, ...content: Buffer[]): Buffer {
  let length = 0;
  for (const c of content) length += c.length;
  const head = lengthOctets(length);
  const out = Buffer.allocUnsafe(1 + head.length + length);
  out[0] = tag;
  head.copy(out, 1);
  let at = 1 + head.length;
  for (const c of content) at += c.copy(out, at);
  return out;
}

export const seq = (...children: Buffer[]): Buffer => tlv(SEQUENCE, ...children);
export const set = (...children: Buffer[]): Buffer => tlv(SET, ...children);
export const octets = (b: Buffer): Buffer => tlv(OCTET_STRING, b);
export const NULL = Buffer.from([0x05, 0x00]);
/** [n] EXPLICIT around one element, or [n] IMPLICIT of a constructed type with these children. */
export const ctx = (n: number, ...children: Buffer[]): Buffer => tlv(CONTEXT_CONSTRUCTED | n, ...children);

/** The elements of a DER SET OF in their order (X.690 §11.6: by their encodings, as octet strings). */
export function sortSetOf(elements: readonly Buffer[]): Buffer[] {
  return [...elements].sort(Buffer.compare);
}

const oids = new Map<string, Buffer>();

/** An OBJECT IDENTIFIER; the handful we write are encoded once and kept. */
export function oid(dotted: string): Buffer {
  let b = oids.get(dotted);
  if (!b) {
    const arcs = dotted.split('.').map(Number);
    if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0))
      throw new Error(`not an OID: ${dotted}`);
    const out: number[] = [];
    for (const arc of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
      const base128 = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift((v & 0x7f) | 0x80);
      out.push(...base128);
    }
    b = tlv(OID, Buffer.from(out));
    oids.set(dotted, b);
  }
  return b;
}

/**
 * An INTEGER: a non-negative number in the fewest octets, or content octets given as they are (a
 * certificate's serial, already in two's complement).
 */
export function int(n: number | Buffer): Buffer {
  if (typeof n !== 'number') return tlv(INTEGER, n);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`integer ${n} is not written here`);
  const bytes: number[] = [];
  for (let v = n; v > 0 || !bytes.length; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(INTEGER, Buffer.from(bytes));
}

const two = (n: number): string => String(n).padStart(2, '0');

/** RFC 5652 §11.3: UTCTime for 1950 through 2049, GeneralizedTime otherwise; to the second, in UTC. */
export function time(date: Date): Buffer {
  const y = date.getUTCFullYear();
  const rest =
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    'Z';
  return y >= 1950 && y < 2050
    ? tlv(UTC_TIME, Buffer.from(two(y % 100) + rest, 'latin1'))
    : tlv(GENERALIZED_TIME, Buffer.from(String(y).padStart(4, '0') + rest, 'latin1'));
}

/** AlgorithmIdentifier; `null` parameters are left out, undefined ones are NULL (RSA identifiers require it). */
export function algorithm(dotted: string, params?: Buffer | null): Buffer {
  if (params === null) return seq(oid(dotted));
  return seq(oid(dotted), params ?? NULL);
}
