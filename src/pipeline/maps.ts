import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import jsonata from 'jsonata';
import { parse as parseCsv } from 'csv-parse/sync';
import { GatewayError } from '../errors';
import { under } from '../config/partner';
import { type JsonataError, mapErrorSuffix, XREF_TABLE_NAME } from '../config/maps';

type Expression = ReturnType<typeof jsonata>;

interface Cached<T> {
  mtimeMs: number;
  size: number;
  value: T;
}

/**
 * The partners' JSONata maps and cross-reference tables, compiled once and read again when their file
 * changes (so an edited map is used without a restart). Maps live under the partners folder and may
 * call `$xref(table, key[, column])`: the row of partners/xref/<table>.csv whose first column equals
 * key, and its `column` (default: the second column); undefined when there is no such row.
 */
export class Maps {
  private readonly maps = new Map<string, Cached<{ expr: Expression; text: string }>>();
  private readonly tables = new Map<string, Cached<{ header: string[]; rows: Map<string, string[]> }>>();

  constructor(readonly partnersDir: string) {}

  /** Runs the map at `path` (relative to the partners folder) on `input`. */
  async run(path: string, input: unknown, bindings: Record<string, unknown> = {}): Promise<unknown> {
    const { expr, text } = this.compile(path);
    try {
      return await expr.evaluate(input, bindings);
    } catch (e) {
      const je = e as JsonataError;
      throw new GatewayError('EDIGW_MAP_FAILED', `map ${path}${mapErrorSuffix(text, je)}`, {
        cause: new Error(`${je.message}${je.code ? ` (${je.code})` : ''}`),
      });
    }
  }

  /** Compiles (or takes from the cache) the map at `path`; throws a located GatewayError when it is broken. */
  compile(path: string): { expr: Expression; text: string } {
    const full = resolve(this.partnersDir, path);
    if (!under(full, [this.partnersDir]))
      throw new GatewayError('EDIGW_MAP_INVALID', `map ${path}`, {
        cause: new Error('maps are files under the partners folder'),
      });
    let st;
    try {
      st = statSync(full);
    } catch (e) {
      throw new GatewayError('EDIGW_MAP_INVALID', `map ${path}`, { cause: e });
    }
    const hit = this.maps.get(full);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.value;
    const text = readFileSync(full, 'utf8');
    let expr: Expression;
    try {
      expr = jsonata(text);
    } catch (e) {
      const je = e as JsonataError;
      throw new GatewayError('EDIGW_MAP_INVALID', `map ${path}${mapErrorSuffix(text, je)}`, {
        cause: new Error(je.message),
      });
    }
    expr.registerFunction(
      'xref',
      (table: string, key: unknown, column?: string) => this.lookup(table, key, column),
      '<sx?s?:x>',
    );
    const value = { expr, text };
    this.maps.set(full, { mtimeMs: st.mtimeMs, size: st.size, value });
    return value;
  }

  private lookup(table: string, key: unknown, column?: string): string | undefined {
    if (key === undefined || key === null) return undefined;
    const t = this.table(table);
    const row = t.rows.get(String(key));
    if (!row) return undefined;
    const at = column === undefined ? 1 : t.header.indexOf(column);
    if (at < 0) throw new Error(`xref table ${table} has no column "${column}" (columns: ${t.header.join(', ')})`);
    return row[at];
  }

  private table(name: string): { header: string[]; rows: Map<string, string[]> } {
    if (!XREF_TABLE_NAME.test(name)) throw new Error(`xref table name "${name}": letters, digits, ., - and _ only`);
    const full = join(this.partnersDir, 'xref', `${name}.csv`);
    let st;
    try {
      st = statSync(full);
    } catch {
      throw new Error(`no xref table ${name} (partners/xref/${name}.csv)`);
    }
    const hit = this.tables.get(full);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.value;
    let records: string[][];
    try {
      records = parseCsv(readFileSync(full), {
        bom: true,
        relax_column_count: true,
        skip_empty_lines: true,
        trim: true,
      }) as string[][];
    } catch (e) {
      throw new Error(`xref table partners/xref/${name}.csv: ${(e as Error).message}`, { cause: e });
    }
    const [header = [], ...body] = records;
    const rows = new Map<string, string[]>();
    for (const r of body) if (r[0] !== undefined && !rows.has(r[0])) rows.set(r[0], r);
    const value = { header, rows };
    this.tables.set(full, { mtimeMs: st.mtimeMs, size: st.size, value });
    return value;
  }
}
