import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { Io } from './io';
import { configFile, type GatewayConfig, loadGateway } from '../config/gateway';
import { formatIssue } from '../config/yaml';
import { Store } from '../store/store';
import { parseDatabaseUrl, redactUrl } from '../store/data-source';
import { noticeRows, periodOfDays, transactionRows } from '../admin/reports/query';
import { renderCsv } from '../admin/reports/csv';
import { renderJson } from '../admin/reports/json';
import { renderCertificatesHtml, renderHtml } from '../admin/reports/html';
import {
  certificateRows,
  renderCertificatesCsv,
  renderCertificatesJson,
  type CertificateRow,
} from '../admin/reports/certificates';
import { expiringCertificates, type UnreadableCertificate } from '../pipeline/as2';
import { silentLogger } from '../pipeline/logger';
import { PartnerDirectory } from '../pipeline/partner-directory';

export type ReportFormat = 'csv' | 'json' | 'html';

export interface ReportOptions {
  from?: string;
  to?: string;
  partner?: string;
  format?: ReportFormat;
  config?: string;
  /** The AS2 certificates that expire within 30 days or have expired, instead of the transactions. */
  certificates?: boolean;
}

function missingTable(e: unknown): boolean {
  const err = (e as { driverError?: { code?: string; errno?: number }; message?: string }) ?? {};
  return (
    err.driverError?.code === 'ER_NO_SUCH_TABLE' ||
    err.driverError?.errno === 1146 ||
    /no such table/i.test(err.message ?? '')
  );
}

/**
 * The expiring AS2 certificates of the config's identity and of its partner files (those that load:
 * `partners check` reports the others), read from the files, not the database.
 */
function certificatesOf(
  config: GatewayConfig,
  now: Date,
  partner?: string,
  unreadable?: (u: UnreadableCertificate) => void,
): CertificateRow[] {
  const partners = new PartnerDirectory(config, silentLogger);
  const loaded = partners.reload(true);
  const mine = (owner: string) => partner === undefined || owner === 'us' || owner === partner;
  // A partner file refused for a certificate that cannot be used is not loaded: its certificate is named all the same.
  for (const i of loaded?.issues ?? []) {
    const owner = basename(i.file, '.yaml');
    if (i.path.startsWith('certificates.as2') && mine(owner))
      unreadable?.({ owner, file: i.file, reason: `line ${i.line}: ${i.path}: ${i.message}` });
  }
  const list = expiringCertificates({ config, partners, clock: () => now }, undefined, now, (u) => {
    // Ours are made on first start: one not there yet is not broken.
    if (mine(u.owner) && !(u.owner === 'us' && !existsSync(u.file))) unreadable?.(u);
  });
  return certificateRows(list, now, partner);
}

/**
 * `report`: the audit report of transaction sets on stdout. Reads only: it neither migrates nor
 * flags overdue acknowledgements, and it does not create a SQLite file that is not there. With
 * `--certificates`, the AS2 certificates to renew instead (no database needed).
 */
export async function reportCommand(o: ReportOptions, io: Io, now: Date = new Date()): Promise<number> {
  if (o.certificates && (o.from !== undefined || o.to !== undefined)) {
    io.err(
      'edi-gateway: report: --from and --to select transactions; --certificates lists what expires within 30 days of now\n',
    );
    return 2;
  }
  const period = periodOfDays(o.from, o.to);
  if ('error' in period) {
    io.err(`edi-gateway: report: ${period.error}\n`);
    return 2;
  }
  const loaded = loadGateway(configFile(o.config));
  if (!loaded.ok) {
    for (const i of loaded.issues) io.err(`${formatIssue(i)}\n`);
    return 1;
  }
  const format = o.format ?? 'csv';
  if (o.certificates) {
    // A certificate that cannot be read has no expiry to list: it is named on stderr and the exit is 1.
    let broken = 0;
    const rows = certificatesOf(loaded.config, now, o.partner, (u) => {
      broken++;
      io.err(`edi-gateway: report: ${u.file} (${u.owner === 'us' ? 'ours' : `partner ${u.owner}`}): ${u.reason}\n`);
    });
    io.out(
      format === 'json'
        ? renderCertificatesJson(rows)
        : format === 'html'
          ? renderCertificatesHtml(rows, { partner: o.partner, generatedAt: now })
          : renderCertificatesCsv(rows),
    );
    return broken ? 1 : 0;
  }
  const { database } = loaded.config;
  const where = redactUrl(database);
  let store: Store | undefined;
  try {
    const target = parseDatabaseUrl(database, loaded.config.dir);
    if (target.driver === 'sqlite' && target.location !== ':memory:' && !existsSync(target.location)) {
      io.err(`edi-gateway: reporting from ${where}: no database file there (run edi-gateway migrate to create it)\n`);
      return 1;
    }
    // Payload bytes are not read: 'database' keeps the store from touching the payload folder.
    store = await Store.open(database, { payloads: 'database', base: loaded.config.dir, clock: () => now });
    const rows = await transactionRows(store, { ...period, partner: o.partner, now });
    // CSV and JSON are one row per transaction set (the contract); the page has room for the certificates too.
    io.out(
      format === 'json'
        ? renderJson(rows)
        : format === 'html'
          ? renderHtml(rows, {
              ...period,
              partner: o.partner,
              generatedAt: now,
              certificates: certificatesOf(loaded.config, now, o.partner),
              notices: await noticeRows(store, { ...period, partner: o.partner }),
              ...(consoleAddress(loaded.config) ? { consoleUrl: consoleAddress(loaded.config) } : {}),
            })
          : renderCsv(rows),
    );
    return 0;
  } catch (e) {
    const hint = missingTable(e) ? ' (run edi-gateway migrate)' : '';
    io.err(`edi-gateway: reporting from ${where}: ${((e as Error).message ?? String(e)).split('\n')[0]}${hint}\n`);
    return 1;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/**
 * Where the report's rows link to: gateway.yaml `alerts.console` (the address people reach), else the
 * admin listener as this host reaches it, which is where the console is; none without an admin listener.
 */
export function consoleAddress(config: GatewayConfig): string | undefined {
  if (config.alerts?.console) return config.alerts.console;
  if (!config.admin) return undefined;
  const { host, port } = config.admin;
  const name = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}/`;
}
