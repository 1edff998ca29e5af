import { rowFields, type TransactionRow } from './query';

/** The report as JSON: an array of rows, each with exactly the contract's fields, in their order. */
export function renderJson(rows: TransactionRow[]): string {
  const out = rows.map((r) => Object.fromEntries(rowFields.map((f) => [f, r[f]])));
  return JSON.stringify(out, null, 2) + '\n';
}
