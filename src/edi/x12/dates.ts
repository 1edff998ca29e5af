/**
 * X12 dates and times (DT and TM elements, ISA09/ISA10, GS04/GS05): checked and read as ISO 8601. Its
 * own module, importing nothing, so that the profile validator and the envelope readers share it
 * without the validator depending on the scanner.
 */

/** Reads an X12 date (YYMMDD or CCYYMMDD) and time (HHMM[SS]) as ISO 8601, as sent when unreadable. */
export function x12DateTime(date: string, time: string): string {
  let d = date.trim();
  if (/^\d{6}$/.test(d)) d = (Number(d.slice(0, 2)) < 70 ? '20' : '19') + d;
  if (!/^\d{8}$/.test(d)) return `${date}T${time}`;
  const iso = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  const t = time.trim();
  if (/^\d{4}(\d{2})?/.test(t))
    return `${iso}T${t.slice(0, 2)}:${t.slice(2, 4)}${t.length >= 6 ? ':' + t.slice(4, 6) : ''}`;
  return iso;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written by the ASCII digits s[from..to), or -1 when one is not a digit. */
export function digitsAt(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}

export function validYmd(y: number, m: number, d: number): boolean {
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && leap ? 29 : DAYS[m - 1]);
}

// Validation checks every DT and TM element of every segment: these read the digits in place, with no
// regular expression, slice or array per call.

/** A CCYYMMDD date that exists on the calendar. */
export function validDate(ccyymmdd: string): boolean {
  if (ccyymmdd.length !== 8) return false;
  return validYmd(digitsAt(ccyymmdd, 0, 4), digitsAt(ccyymmdd, 4, 6), digitsAt(ccyymmdd, 6, 8));
}

/** A YYMMDD date that exists on the calendar, read as 20YY. */
export function validDate6(yymmdd: string): boolean {
  if (yymmdd.length !== 6) return false;
  const yy = digitsAt(yymmdd, 0, 2);
  return validYmd(yy < 0 ? -1 : 2000 + yy, digitsAt(yymmdd, 2, 4), digitsAt(yymmdd, 4, 6));
}

/** HHMM, HHMMSS, HHMMSSd or HHMMSSdd. */
export function validTime(t: string): boolean {
  const n = t.length;
  if (n !== 4 && n !== 6 && n !== 7 && n !== 8) return false;
  if (n > 6 && digitsAt(t, 6, n) < 0) return false;
  const h = digitsAt(t, 0, 2);
  const m = digitsAt(t, 2, 4);
  const s = n >= 6 ? digitsAt(t, 4, 6) : 0;
  return h >= 0 && m >= 0 && s >= 0 && h < 24 && m < 60 && s < 60;
}
