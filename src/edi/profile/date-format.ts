import { digitsAt, validYmd } from '../x12/dates';

/**
 * EDIFACT dates and times (C507: 2380 written as its format code 2379 says). Only the formats below
 * are checked; a value under any other code is left alone, since a wrong "no" would reject a partner's
 * good message. The directory gives 2379 no default, so a value sent without one is checked only where
 * its length and digits make it read as 102, 203 or 204.
 */
const FORMATS: Record<string, string> = {
  '101': 'YYMMDD',
  '102': 'CCYYMMDD',
  '201': 'YYMMDDHHMM',
  '203': 'CCYYMMDDHHMM',
  '204': 'CCYYMMDDHHMMSS',
  '718': 'CCYYMMDD-CCYYMMDD',
  '719': 'CCYYMMDDHHMM-CCYYMMDDHHMM',
};

/** The picture of a format code this module checks (`CCYYMMDD` for 102), or undefined. */
export function datePicture(format: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(FORMATS, format) ? FORMATS[format] : undefined;
}

/** A date of CCYYMMDD (century) or YYMMDD (read as 20YY) at s[at..), then HHMM[SS] when time is 4 or 6. */
function dateAt(s: string, at: number, century: boolean, time: number): boolean {
  let y: number;
  if (century) {
    y = digitsAt(s, at, at + 4);
    at += 4;
  } else {
    const yy = digitsAt(s, at, at + 2);
    y = yy < 0 ? -1 : 2000 + yy;
    at += 2;
  }
  if (!validYmd(y, digitsAt(s, at, at + 2), digitsAt(s, at + 2, at + 4))) return false;
  if (time === 0) return true;
  const h = digitsAt(s, at + 4, at + 6);
  const m = digitsAt(s, at + 6, at + 8);
  const sec = time === 6 ? digitsAt(s, at + 8, at + 10) : 0;
  return h >= 0 && m >= 0 && sec >= 0 && h < 24 && m < 60 && sec < 60;
}

/** A period FROM-TO of two equal-length pictures of dateAt, the end not before the start. */
function periodAt(v: string, half: number, time: number): boolean {
  if (v.length !== 2 * half + 1 || v.charCodeAt(half) !== 45) return false;
  if (!dateAt(v, 0, true, time) || !dateAt(v, half + 1, true, time)) return false;
  for (let i = 0; i < half; i++) {
    const d = v.charCodeAt(i) - v.charCodeAt(half + 1 + i);
    if (d !== 0) return d < 0;
  }
  return true;
}

/**
 * Whether a C507 value (2380) fits its format code (2379, '' when absent); true for a code this
 * module does not check. Read in place, allocating nothing: every DTM of every message comes here.
 */
export function dateFits(v: string, format: string): boolean {
  const n = v.length;
  switch (format) {
    case '102':
      return n === 8 && dateAt(v, 0, true, 0);
    case '203':
      return n === 12 && dateAt(v, 0, true, 4);
    case '204':
      return n === 14 && dateAt(v, 0, true, 6);
    case '101':
      return n === 6 && dateAt(v, 0, false, 0);
    case '201':
      return n === 10 && dateAt(v, 0, false, 4);
    case '718':
      return periodAt(v, 8, 0);
    case '719':
      return periodAt(v, 12, 4);
    case '':
      if (digitsAt(v, 0, n) < 0) return true;
      return n === 8
        ? dateAt(v, 0, true, 0)
        : n === 12
          ? dateAt(v, 0, true, 4)
          : n === 14
            ? dateAt(v, 0, true, 6)
            : true;
    default:
      return true;
  }
}
