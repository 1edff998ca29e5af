import type { Diagnostic } from '../model';
import { diagnostic } from '../diagnostic';

/** Byte positions of the 16 element separators in a fixed-width (106-byte) ISA. */
const FIXED_SEPARATORS = [3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103];
export const ISA_LENGTH = 106;
/** Fixed widths of ISA01..ISA16. */
export const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];
/** TA1 I18 note code for an ISA element that is malformed, by element position. */
export const ISA_NOTE = [
  '010',
  '011',
  '012',
  '013',
  '005',
  '006',
  '007',
  '008',
  '014',
  '015',
  '016',
  '017',
  '018',
  '019',
  '020',
  '027',
];

export interface IsaDelimiters {
  element: number;
  component: number;
  /** The terminator byte; LF when the interchange ends segments with CRLF or LF. */
  segment: number;
  /** The terminator is preceded by CR that belongs to it (CRLF used as the terminator). */
  crlf: boolean;
  /** Index just past the ISA's terminator. */
  end: number;
  /** Index of the ISA's terminator (its segment content ends here, CR excluded). */
  contentEnd: number;
  /** Byte ranges of ISA01..ISA16 relative to the ISA's first byte. */
  fields: Array<[number, number]>;
}

export type IsaScan =
  | { kind: 'ok'; delimiters: IsaDelimiters; diagnostics: Diagnostic[] }
  | { kind: 'more' }
  | { kind: 'bad'; message: string; code: string };

const isAlnum = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/**
 * Finds the delimiters of an ISA starting at pos. The fixed 106-byte layout is the rule; an ISA whose
 * elements are not padded to width is still read (by counting separators) but reported, because many
 * real senders get the padding wrong and the rest of their interchange is fine.
 */
// eslint-disable-next-line complexity -- a scanner: the fixed 106-byte ISA and each way real senders break it, byte by byte
export function scanIsa(buf: Buffer, pos: number, base: number, final: boolean): IsaScan {
  const avail = buf.length - pos;
  if (avail < 4)
    return final ? { kind: 'bad', message: 'file ends inside the ISA segment', code: '023' } : { kind: 'more' };
  const el = buf[pos + 3];
  if (isAlnum(el) || el === 0x20 || el === 0x0d || el === 0x0a) {
    return {
      kind: 'bad',
      message: `ISA has no valid element separator (byte ${JSON.stringify(String.fromCharCode(el))} after ISA)`,
      code: '026',
    };
  }
  // Decide fixed or not only with all 106 bytes in hand, so the answer cannot depend on chunking.
  if (avail < ISA_LENGTH && !final) return { kind: 'more' };
  const diagnostics: Diagnostic[] = [];
  let compAt: number;
  let fixed = avail >= ISA_LENGTH;
  if (fixed) {
    for (const p of FIXED_SEPARATORS) {
      if (buf[pos + p] !== el) {
        fixed = false;
        break;
      }
    }
  }
  if (fixed) {
    compAt = pos + 104;
  } else {
    // Count separators; the ISA must not be longer than a generous bound, or this is not an ISA.
    let count = 0;
    let i = pos + 3;
    const limit = Math.min(buf.length, pos + 400);
    for (; i < limit && count < 16; i++) if (buf[i] === el) count++;
    if (count < 16) {
      if (!final && buf.length < pos + 400) return { kind: 'more' };
      return { kind: 'bad', message: `ISA has ${count} of its 16 elements`, code: '022' };
    }
    compAt = i;
    if (compAt + 1 >= buf.length)
      return final ? { kind: 'bad', message: 'file ends inside the ISA segment', code: '023' } : { kind: 'more' };
    const width = compAt + 2 - pos;
    // Name the elements whose width is off, so the sender knows what to fix.
    const widths: number[] = [];
    let start = pos + 4;
    for (let j = pos + 4; j <= compAt; j++) {
      if (buf[j] === el || j === compAt) {
        widths.push(j - start);
        start = j + 1;
      }
    }
    const off = widths
      .slice(0, 15)
      .map((w, k) => (w !== ISA_WIDTHS[k] ? k : -1))
      .filter((k) => k >= 0);
    const first = off[0] ?? 15;
    diagnostics.push(
      diagnostic(
        'interchange',
        ISA_NOTE[first],
        `ISA is ${width} bytes, not the fixed 106` +
          (off.length
            ? `: ${off.map((k) => `ISA${String(k + 1).padStart(2, '0')} is ${widths[k]} wide, not ${ISA_WIDTHS[k]}`).join(', ')}`
            : ''),
        { offset: base + pos, segmentId: 'ISA', element: first + 1 },
      ),
    );
  }
  if (compAt + 1 >= buf.length)
    return final ? { kind: 'bad', message: 'file ends inside the ISA segment', code: '023' } : { kind: 'more' };
  const comp = buf[compAt];
  let term = buf[compAt + 1];
  let contentEnd = compAt + 1;
  let crlf = false;
  if (term === 0x0d) {
    if (compAt + 2 >= buf.length && !final) return { kind: 'more' };
    if (buf[compAt + 2] === 0x0a) {
      term = 0x0a;
      crlf = true;
    }
  }
  const end = contentEnd + (crlf ? 2 : 1);
  if (isAlnum(term) || term === el || term === comp) {
    return {
      kind: 'bad',
      message: `ISA segment terminator ${JSON.stringify(String.fromCharCode(term))} is not a valid delimiter`,
      code: '004',
    };
  }
  if (isAlnum(comp) || comp === el) {
    diagnostics.push(
      diagnostic(
        'interchange',
        '027',
        `ISA16 component separator ${JSON.stringify(String.fromCharCode(comp))} is not a valid delimiter`,
        { offset: base + pos, segmentId: 'ISA', element: 16 },
      ),
    );
  }
  if (term >= 0x80) {
    diagnostics.push(
      diagnostic(
        'interchange',
        '004',
        `ISA segment terminator is byte 0x${term.toString(16)}, outside the character set`,
        { offset: base + pos, segmentId: 'ISA' },
      ),
    );
  }
  contentEnd = compAt + 1;
  // A fixed-width ISA is cut at its fixed positions, so a separator character inside a field stays data.
  const seps = fixed ? FIXED_SEPARATORS : separators(buf, pos, compAt, el);
  const fields = seps.map((p, k): [number, number] => [p + 1, k + 1 < seps.length ? seps[k + 1] : compAt + 1 - pos]);
  return {
    kind: 'ok',
    delimiters: { element: el, component: comp, segment: term, crlf, end, contentEnd, fields },
    diagnostics,
  };
}

function separators(buf: Buffer, pos: number, compAt: number, el: number): number[] {
  const out: number[] = [];
  for (let i = pos + 3; i < compAt; i++) if (buf[i] === el) out.push(i - pos);
  return out;
}
