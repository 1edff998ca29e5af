import { csvField } from './csv';

/**
 * The AS2 certificates of the report: ours (identity.as2, the TLS one) and the partners', those that
 * expire within 30 days or have expired. The pipeline finds them (expiringCertificates in
 * src/pipeline/as2.ts); this module only shapes and writes them, so the admin side stays free of it.
 */

/** One certificate. The field names and their order are the JSON contract (docs/reports.md). */
export interface CertificateRow {
  /** `us` for ours, else the partner id. */
  owner: string;
  /** The file it was read from, as the gateway resolved it. */
  file: string;
  subject: string;
  /** ISO 8601, UTC. */
  notAfter: string;
  /** Whole days until notAfter, negative once expired. */
  daysLeft: number;
  expired: boolean;
}

export const certificateFields = [
  'owner',
  'file',
  'subject',
  'notAfter',
  'daysLeft',
  'expired',
] as const satisfies readonly (keyof CertificateRow)[];

/** What expiringCertificates() yields, as far as the report needs it. */
export interface ExpiringCertificate {
  owner: string;
  file: string;
  subject: string;
  notAfter: Date;
  daysLeft: number;
}

/**
 * The report's rows, soonest first. With a partner, ours stay in: a certificate of ours that expires
 * stops that partner's traffic as surely as theirs.
 */
export function certificateRows(list: readonly ExpiringCertificate[], now: Date, partner?: string): CertificateRow[] {
  return list
    .filter((c) => partner === undefined || c.owner === 'us' || c.owner === partner)
    .map((c) => ({
      owner: c.owner,
      file: c.file,
      subject: c.subject,
      notAfter: c.notAfter.toISOString(),
      daysLeft: c.daysLeft,
      expired: c.notAfter.getTime() <= now.getTime(),
    }));
}

export function renderCertificatesJson(rows: CertificateRow[]): string {
  return (
    JSON.stringify(
      rows.map((r) => Object.fromEntries(certificateFields.map((f) => [f, r[f]]))),
      null,
      2,
    ) + '\n'
  );
}

/** RFC 4180, as the transaction report's CSV (formula-safe cells: a subject is chosen by whoever made the certificate). */
export function renderCertificatesCsv(rows: CertificateRow[]): string {
  const lines = [certificateFields.map(csvField).join(',')];
  for (const r of rows)
    lines.push(
      certificateFields
        .map((f) => csvField(typeof r[f] === 'boolean' ? (r[f] ? 'true' : 'false') : String(r[f])))
        .join(','),
    );
  return lines.join('\r\n') + '\r\n';
}
