import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

/**
 * Character sets the engine decodes and encodes. EDIFACT names its set in UNB S001 (UNOA..UNOY);
 * X12 has no such field, so it is read as UTF-8 with an ISO-8859-1 fallback for invalid bytes.
 * Single-byte sets are decoded through a 256-entry table so that decoding and encoding are exact
 * inverses (round trips return the same bytes).
 */
export type Charset =
  | 'utf-8'
  | 'iso-8859-1'
  | 'iso-8859-2'
  | 'iso-8859-3'
  | 'iso-8859-4'
  | 'iso-8859-5'
  | 'iso-8859-6'
  | 'iso-8859-7'
  | 'iso-8859-8'
  | 'iso-8859-9';

/**
 * UNB S001 0001 syntax identifier → charset. UNOA/UNOB are 7-bit subsets of ISO 646, so a byte above
 * 0x7F is outside them whatever it means; real senders that declare UNOA and write `BÜTTNER` write it
 * in UTF-8, so these are read as UTF-8 (ISO-8859-1 where a segment is not valid UTF-8) and written back
 * the same way: ASCII, the only text the levels allow, is the same bytes in both.
 */
const edifactSets: Record<string, Charset> = {
  UNOA: 'utf-8',
  UNOB: 'utf-8',
  UNOC: 'iso-8859-1',
  UNOD: 'iso-8859-2',
  UNOE: 'iso-8859-5',
  UNOF: 'iso-8859-7',
  UNOG: 'iso-8859-3',
  UNOH: 'iso-8859-4',
  UNOI: 'iso-8859-6',
  UNOJ: 'iso-8859-8',
  UNOK: 'iso-8859-9',
  UNOW: 'utf-8',
  UNOY: 'utf-8',
  IATA: 'iso-8859-1',
  IATB: 'iso-8859-1',
};

export function edifactCharset(syntaxId: string): Charset | undefined {
  return edifactSets[syntaxId.toUpperCase()];
}

interface Table {
  decode: string[];
  encode: Map<number, number>;
}
const tables = new Map<Charset, Table>();

function table(cs: Charset): Table {
  let t = tables.get(cs);
  if (!t) {
    const decoder = new TextDecoder(cs);
    const decode: string[] = [];
    const encode = new Map<number, number>();
    for (let b = 0; b < 256; b++) {
      const ch = decoder.decode(Uint8Array.of(b));
      decode.push(ch);
      if (ch !== '\uFFFD' && !encode.has(ch.charCodeAt(0))) encode.set(ch.charCodeAt(0), b);
    }
    t = { decode, encode };
    tables.set(cs, t);
  }
  return t;
}

/** Decodes bytes [start, end) of buf. Returns undefined for UTF-8 that is not valid UTF-8. */
export function decode(buf: Buffer, start: number, end: number, cs: Charset): string | undefined {
  if (cs === 'iso-8859-1') return buf.toString('latin1', start, end);
  const slice = buf.subarray(start, end);
  if (isAscii(slice)) return buf.toString('latin1', start, end);
  if (cs === 'utf-8') return isUtf8(slice) ? buf.toString('utf8', start, end) : undefined;
  const d = table(cs).decode;
  let s = '';
  for (let i = start; i < end; i++) s += d[buf[i]];
  return s;
}

/**
 * Encodes text. A character the set cannot carry is never replaced or cut to its low byte (that once
 * turned `ħ` into the segment terminator): callers check with `firstUncarried` first, and a miss here
 * throws rather than writing different text.
 */
export function encode(text: string, cs: Charset): Buffer {
  const bad = firstUnencodable(text, cs);
  if (bad >= 0) throw new RangeError(`${describeChar(text, bad)} at character ${bad + 1} cannot be encoded in ${cs}`);
  if (cs === 'utf-8') return Buffer.from(text, 'utf8');
  if (cs === 'iso-8859-1') return Buffer.from(text, 'latin1');
  const enc = table(cs).encode;
  const out = Buffer.allocUnsafe(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c < 0x80 ? c : enc.get(c)!;
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const LATIN1_ONLY = /^[\u0000-\u00ff]*$/;
/** A UTF-16 surrogate with no partner: no charset, UTF-8 included, can carry it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The index of the first character of text the byte charset cannot encode at all, or -1. */
export function firstUnencodable(text: string, cs: Charset): number {
  if (cs === 'utf-8') {
    const m = LONE_SURROGATE.exec(text);
    return m ? m.index : -1;
  }
  if (cs === 'iso-8859-1') {
    if (LATIN1_ONLY.test(text)) return -1;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return i;
    return -1;
  }
  const enc = table(cs).encode;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 && !enc.has(c)) return i;
  }
  return -1;
}

/** `'ħ' (U+0127)`: a character as a reader of an error message can find it, control characters by code alone. */
export function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i) ?? 0;
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(cp);
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch) ? `'${ch}' (${hex})` : hex;
}
