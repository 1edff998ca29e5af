import { existsSync } from 'node:fs';
import type { Io } from './main';
import { configFile, loadGateway } from '../config/gateway';
import { formatIssue } from '../config/yaml';
import { Store } from '../store/store';
import { parseDatabaseUrl, redactUrl } from '../store/data-source';
import { periodOfDays, transactionRows } from '../admin/reports/query';
import { renderCsv } from '../admin/reports/csv';
import { renderJson } from '../admin/reports/json';
import { renderHtml } from '../admin/reports/html';

export type ReportFormat = 'csv' | 'json' | 'html';

export interface ReportOptions {
  from?: string;
  to?: string;
  partner?: string;
  format?: ReportFormat;
  config?: string;
}

function missingTable(e: unknown): boolean {
  const err = (e as { driverError?: { code?: string; errno?: number }; message?: string }) ?? {};
  return err.driverError?.code === 'ER_NO_SUCH_TABLE' || err.driverError?.errno === 1146 || /no such table/i.test(err.message ?? '');
}

/**
 * `report`: the audit report of transaction sets on stdout. Reads only: it neither migrates nor
 * flags overdue acknowledgements, and it does not create a SQLite file that is not there.
 */
export async function reportCommand(o: ReportOptions, io: Io, now: Date = new Date()): Promise<number> {
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
    const format = o.format ?? 'csv';
    io.out(format === 'json' ? renderJson(rows) : format === 'html' ? renderHtml(rows, { ...period, partner: o.partner, generatedAt: now }) : renderCsv(rows));
    return 0;
  } catch (e) {
    const hint = missingTable(e) ? ' (run edi-gateway migrate)' : '';
    io.err(`edi-gateway: reporting from ${where}: ${((e as Error).message ?? String(e)).split('\n')[0]}${hint}\n`);
    return 1;
  } finally {
    await store?.close().catch(() => undefined);
  }
}
