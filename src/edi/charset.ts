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

/** UNB S001 0001 syntax identifier → charset. UNOA/UNOB are 7-bit subsets of ISO 646, read as latin-1. */
const edifactSets: Record<string, Charset> = {
  UNOA: 'iso-8859-1',
  UNOB: 'iso-8859-1',
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

/** Encodes text; characters the set cannot carry become '?' and are reported by the caller's check. */
export function encode(text: string, cs: Charset): Buffer {
  if (cs === 'utf-8') return Buffer.from(text, 'utf8');
  if (cs === 'iso-8859-1') return Buffer.from(text, 'latin1');
  const enc = table(cs).encode;
  const out = Buffer.allocUnsafe(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c < 0x80 ? c : (enc.get(c) ?? 0x3f);
  }
  return out;
}
