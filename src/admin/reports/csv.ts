import { rowFields, type TransactionRow } from './query';

/**
 * The report as CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma,
 * a double quote or a line break. The partner's tracked fields become `tracked.<name>` columns in
 * place of `tracked`, sorted by name, so the columns of a report do not depend on its row order.
 *
 * Auditors open these files in spreadsheets, and EDI content is chosen by whoever sent it: a cell
 * that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula. Such
 * cells get a leading `'`, which spreadsheets take as "text" and do not show. Plain numbers (`-12.50`)
 * are left alone: they cannot be formulas, and a credit total should stay a number.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A cell a spreadsheet shows as the text it holds. */
export function neutralize(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** One RFC 4180 field. */
export function csvField(value: string): string {
  const v = neutralize(value);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** The tracked field names across all rows, sorted. */
export function trackedNames(rows: TransactionRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.tracked)) names.add(k);
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function renderCsv(rows: TransactionRow[]): string {
  const tracked = trackedNames(rows);
  const header = rowFields.flatMap((f) => (f === 'tracked' ? tracked.map((n) => `tracked.${n}`) : [f]));
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) {
    const cells = rowFields.flatMap((f) => (f === 'tracked' ? tracked.map((n) => cell(r.tracked[n])) : [cell(r[f])]));
    lines.push(cells.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
