import { type EntityManager, QueryFailedError } from 'typeorm';
import type { Driver } from './data-source';
import { GatewayError } from '../errors';

/** A timestamp as each driver stores it: DATETIME(3) via mysql2, UTC text on SQLite (as TypeORM writes it). */
export function sqlDate(driver: Driver, d: Date): Date | string {
  return driver === 'sqlite' ? d.toISOString().replace('T', ' ').replace('Z', '') : d;
}

/** Reads a timestamp from a raw row (SQLite returns the text it stored). */
export function rowDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : s.replace(' ', 'T') + 'Z');
}

export function quote(driver: Driver, name: string): string {
  return driver === 'sqlite' ? `"${name}"` : `\`${name}\``;
}

export function isUniqueViolation(e: unknown): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const err = e.driverError as { code?: string; errno?: number } | undefined;
  return (
    err?.code === 'ER_DUP_ENTRY' || err?.errno === 1062 || /SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)/.test(err?.code ?? '')
  );
}

/** MariaDB deadlock or lock-wait timeout: the statement was rolled back and may simply run again. */
export function isLockConflict(e: unknown): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const err = e.driverError as { errno?: number; code?: string } | undefined;
  return (
    err?.errno === 1213 ||
    err?.errno === 1205 ||
    err?.code === 'ER_LOCK_DEADLOCK' ||
    err?.code === 'ER_LOCK_WAIT_TIMEOUT'
  );
}

/**
 * A lock wait that timed out or a deadlock, as the `retry` error that says what was waited for (the
 * statement, shortened); anything else: undefined. The statement was rolled back by MariaDB; the
 * transaction it ran in is rolled back, and its connection released, by whoever began it.
 */
export function lockConflictError(e: unknown): GatewayError | undefined {
  if (!isLockConflict(e)) return undefined;
  const q = e as QueryFailedError & { query?: string; driverError?: { errno?: number } };
  const statement = (q.query ?? '').replace(/\s+/g, ' ').trim().slice(0, 160);
  return q.driverError?.errno === 1213
    ? new GatewayError('EDIGW_DB_DEADLOCK', `a deadlock with another transaction, in: ${statement}`, { cause: e })
    : new GatewayError('EDIGW_DB_LOCK_TIMEOUT', `waiting for a row lock another transaction holds, in: ${statement}`, {
        cause: e,
      });
}

/** Runs work again (a few times, with a short random pause) when MariaDB picks it as a deadlock victim. */
export async function retryOnLockConflict<T>(work: () => Promise<T>, tries = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (e) {
      if (i >= tries || !isLockConflict(e)) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * i));
    }
  }
}

/** A value as a raw statement binds it: dates per driver, JSON columns as text, booleans as 1/0. */
function bindable(driver: Driver, v: unknown): unknown {
  if (v instanceof Date) return sqlDate(driver, v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) return JSON.stringify(v);
  return v === undefined ? null : v;
}

/** The part of a better-sqlite3 statement and connection that run() uses. */
interface SqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

/** Prepared statements per connection, by their text: the hot paths run the same few again and again. */
const prepared = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();
/** Past this many texts (multi-row inserts of every length) the cache starts again. */
const PREPARED_MAX = 500;

function preparedOn(db: SqliteConnection, sql: string): SqliteStatement {
  let cache = prepared.get(db);
  if (!cache) prepared.set(db, (cache = new Map()));
  let st = cache.get(sql);
  if (!st) {
    if (cache.size >= PREPARED_MAX) cache.clear();
    st = db.prepare(sql);
    cache.set(sql, st);
  }
  return st;
}

/**
 * One raw statement, as `m.query` runs it: rows for a SELECT, the new row's id for an INSERT. On
 * SQLite it goes to better-sqlite3's prepared statement directly: TypeORM's query runner adds
 * logging hooks, two broadcasts and an await per statement, which on the AS2 receipt path cost more
 * than SQLite spends running it. The connection is the one TypeORM's transaction began on (SQLite
 * has one per store, and Serial gives it to one operation at a time), so the statement runs inside
 * that transaction. Errors come back as TypeORM's QueryFailedError, as from `m.query`.
 */
export async function run(m: EntityManager, driver: Driver, sql: string, params: unknown[]): Promise<unknown> {
  const db = sqliteOf(m, driver);
  if (!db) return m.query(sql, params);
  try {
    const st = preparedOn(db, sql);
    return st.reader ? st.all(...params) : st.run(...params).lastInsertRowid;
  } catch (e) {
    throw new QueryFailedError(sql, params, e as Error);
  }
}

/** run() for a write: how many rows it changed (undefined where the driver does not say) and the new row's id. */
async function runWrite(
  m: EntityManager,
  driver: Driver,
  sql: string,
  params: unknown[],
): Promise<{ changes: number | undefined; id: number | undefined }> {
  const db = sqliteOf(m, driver);
  if (!db) {
    const r = await m.query(sql, params);
    const changes = r && typeof r === 'object' && 'affectedRows' in r ? Number(r.affectedRows) : undefined;
    return { changes, id: insertedId(r) };
  }
  try {
    const r = preparedOn(db, sql).run(...params);
    return { changes: r.changes, id: Number(r.lastInsertRowid) };
  } catch (e) {
    throw new QueryFailedError(sql, params, e as Error);
  }
}

function sqliteOf(m: EntityManager, driver: Driver): SqliteConnection | undefined {
  if (driver !== 'sqlite') return undefined;
  return (m.connection.driver as unknown as { databaseConnection?: SqliteConnection }).databaseConnection;
}

/** Rows per statement: well under SQLite's bound-parameter limit for the widest table. */
const ROWS_PER_INSERT = 100;

function insertHead(driver: Driver, table: string, cols: string[], ignore: boolean | undefined): string {
  return (
    `INSERT ${ignore ? (driver === 'sqlite' ? 'OR IGNORE ' : 'IGNORE ') : ''}INTO ${quote(driver, table)} ` +
    `(${cols.map((c) => quote(driver, c)).join(', ')}) VALUES `
  );
}

/**
 * Inserts rows (all with the same keys) in multi-row statements with bound parameters, so the driver's
 * statement cache is hit and a batch costs a few statements instead of one per row. `ignore` skips rows
 * a unique key already holds. JSON columns are given as objects; dates as Date. Returns how many rows
 * were inserted, where the driver says (undefined where it does not).
 */
export async function insertMany(
  m: EntityManager,
  driver: Driver,
  table: string,
  rows: Array<Record<string, unknown>>,
  opts: { ignore?: boolean } = {},
): Promise<number | undefined> {
  if (rows.length === 0) return 0;
  const cols = Object.keys(rows[0]);
  const head = insertHead(driver, table, cols, opts.ignore);
  const one = `(${cols.map(() => '?').join(', ')})`;
  let inserted: number | undefined = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    const params: unknown[] = [];
    for (const r of chunk) for (const c of cols) params.push(bindable(driver, r[c]));
    const { changes } = await runWrite(m, driver, head + chunk.map(() => one).join(', '), params);
    inserted = inserted === undefined || changes === undefined ? undefined : inserted + changes;
  }
  return inserted;
}

/**
 * Inserts one row as insertMany does, without TypeORM's insert machinery (which costs more CPU than
 * SQLite spends on the row). Returns the auto-increment id the row was given; for a table without one
 * the value means nothing. There is no `ignore`: a row SQLite skips reports the previous row's id.
 */
export async function insertOne(
  m: EntityManager,
  driver: Driver,
  table: string,
  row: Record<string, unknown>,
): Promise<number | undefined> {
  const cols = Object.keys(row);
  const params = cols.map((c) => bindable(driver, row[c]));
  return (
    await runWrite(m, driver, `${insertHead(driver, table, cols, false)}(${cols.map(() => '?').join(', ')})`, params)
  ).id;
}

/**
 * The id from a raw INSERT's result: TypeORM's better-sqlite3 runner hands back lastInsertRowid itself
 * (a bigint when the connection reads safe integers); mysql2 gives a result header with insertId.
 */
function insertedId(result: unknown): number | undefined {
  if (typeof result === 'number' || typeof result === 'bigint') return Number(result);
  if (result && typeof result === 'object' && 'insertId' in result)
    return Number((result as { insertId: number | string }).insertId);
  return undefined;
}

/** `a = ? AND b = ?` for the keys of `where`, with its parameters; a null value reads `IS NULL`. */
function whereClause(driver: Driver, where: Record<string, unknown>): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts = Object.keys(where).map((k) => {
    const v = where[k];
    if (v === null || v === undefined) return `${quote(driver, k)} IS NULL`;
    params.push(bindable(driver, v));
    return `${quote(driver, k)} = ?`;
  });
  return { sql: parts.join(' AND '), params };
}

/**
 * A few columns of the rows that match `where` (equality on each key), raw: on the hot paths TypeORM's
 * find builds its query in more CPU than SQLite spends finding the row. Values come back as the driver
 * gives them (dates as text on SQLite, booleans as 0/1), so callers read strings and numbers.
 */
export async function selectWhere(
  m: EntityManager,
  driver: Driver,
  table: string,
  cols: string[],
  where: Record<string, unknown>,
  limit?: number,
): Promise<Array<Record<string, unknown>>> {
  const w = whereClause(driver, where);
  const sql = `SELECT ${cols.map((c) => quote(driver, c)).join(', ')} FROM ${quote(driver, table)} WHERE ${w.sql}${limit ? ` LIMIT ${Math.floor(limit)}` : ''}`;
  return (await run(m, driver, sql, w.params)) as Array<Record<string, unknown>>;
}

/** UPDATE … SET the keys of `set` WHERE equality on the keys of `where`, raw, as insertOne inserts. */
export async function updateWhere(
  m: EntityManager,
  driver: Driver,
  table: string,
  set: Record<string, unknown>,
  where: Record<string, unknown>,
): Promise<void> {
  const cols = Object.keys(set).filter((c) => set[c] !== undefined);
  if (cols.length === 0) return;
  const w = whereClause(driver, where);
  await run(
    m,
    driver,
    `UPDATE ${quote(driver, table)} SET ${cols.map((c) => `${quote(driver, c)} = ?`).join(', ')} WHERE ${w.sql}`,
    [...cols.map((c) => bindable(driver, set[c])), ...w.params],
  );
}
