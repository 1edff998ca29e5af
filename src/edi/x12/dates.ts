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

/** A CCYYMMDD date that exists on the calendar. */
export function validDate(ccyymmdd: string): boolean {
  if (!/^\d{8}$/.test(ccyymmdd)) return false;
  const y = Number(ccyymmdd.slice(0, 4));
  const m = Number(ccyymmdd.slice(4, 6));
  const d = Number(ccyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][
    m - 1
  ];
  return d <= days;
}

export function validTime(t: string): boolean {
  if (!/^\d{4}(\d{2}(\d{1,2})?)?$/.test(t)) return false;
  const h = Number(t.slice(0, 2));
  const m = Number(t.slice(2, 4));
  const s = t.length >= 6 ? Number(t.slice(4, 6)) : 0;
  return h < 24 && m < 60 && s < 60;
}
