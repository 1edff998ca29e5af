import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { entities } from './entities';
import { migrations } from '../../migrations';
import { GatewayError } from '../errors';
import { redactUrl } from '../redact-url';

export type Driver = 'sqlite' | 'mariadb';

export interface DatabaseTarget {
  driver: Driver;
  /** SQLite file path (absolute), or the MySQL/MariaDB URL. */
  location: string;
}

/**
 * Reads a database URL: `sqlite:PATH` (relative to `base`), `sqlite::memory:`, or
 * `mysql://user:pass@host:port/db` (also `mariadb://`). Anything else is a configuration error.
 */
export function parseDatabaseUrl(url: string, base = process.cwd()): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error(`database URL ${JSON.stringify(url)} names no file (sqlite:data/gateway.sqlite)`);
    return { driver: 'sqlite', location: path === ':memory:' ? path : isAbsolute(path) ? path : resolve(base, path) };
  }
  if (/^(mysql|mariadb):\/\//.test(url)) return { driver: 'mariadb', location: url.replace(/^mariadb:/, 'mysql:') };
  throw new Error(
    `database URL ${JSON.stringify(redactUrl(url))} is neither sqlite:PATH nor mysql://user:pass@host:port/db`,
  );
}

/** The MariaDB pool of one process: how many connections, and how long anyone waits for one or for a lock. */
export interface PoolOptions {
  /** Connections at most (default 10); size it from the transactions the process runs at once (poolSizeFor). */
  size?: number;
  /** A caller that gets no connection within this fails with EDIGW_DB_POOL_TIMEOUT instead of waiting on. */
  acquireTimeoutMs?: number;
  /** innodb_lock_wait_timeout of every pooled session: a statement waits this long for a row lock, then fails. */
  lockWaitTimeoutS?: number;
}

export const POOL_DEFAULTS = { size: 10, acquireTimeoutMs: 10_000, lockWaitTimeoutS: 15 } as const;

export function dataSourceOptions(target: DatabaseTarget, pool: PoolOptions = {}): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: false, logging: false } as const;
  if (target.driver === 'sqlite') {
    if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: target.location,
      enableWAL: target.location !== ':memory:',
      // Several gateway processes may share one file: wait for the writer rather than fail.
      timeout: 10_000,
      // FULL: a commit is on disk before a transport may acknowledge it. NORMAL (no sync per commit in
      // WAL mode) let a power cut undo receipts a partner had already been told were stored; FULL
      // cost 0-15% on the benchmark rows (docs/bench.md), the group commit sharing each sync.
      prepareDatabase: (db: { pragma(s: string): unknown }) => {
        db.pragma('synchronous = FULL');
      },
    };
  }
  return {
    ...common,
    // 'mariadb', not 'mysql': the mysql dialect yields spurious migration diffs (DESIGN.md).
    type: 'mariadb',
    url: target.location,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    extra: { connectionLimit: pool.size ?? POOL_DEFAULTS.size },
  };
}

/** What the pool of a data source is doing now, for /health and for the message of a wait that timed out. */
export interface PoolState {
  size: number;
  busy: number;
  waiting: number;
}

interface MysqlConnection {
  release(): void;
  query(sql: string, cb: (err: Error | null) => void): void;
}
interface MysqlPool {
  config: { connectionLimit: number };
  _allConnections: { length: number };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
  getConnection(cb: (err: Error | null, c?: MysqlConnection) => void): void;
  on(event: 'acquire', listener: (c: MysqlConnection) => void): void;
}

function mysqlPool(ds: DataSource): MysqlPool | undefined {
  return driverOf(ds) === 'mariadb' ? (ds.driver as unknown as { pool?: MysqlPool }).pool : undefined;
}

export function poolState(ds: DataSource): PoolState | undefined {
  const p = mysqlPool(ds);
  if (!p) return undefined;
  return {
    size: p.config.connectionLimit,
    busy: p._allConnections.length - p._freeConnections.length,
    waiting: p._connectionQueue.length,
  };
}

/**
 * Bounds every wait of an initialized MariaDB data source. mysql2 3.x pools have no acquire timeout (a
 * caller waits for a connection forever: issue 13's hang), so getConnection is wrapped: a caller that
 * gets none within `acquireTimeoutMs` fails with EDIGW_DB_POOL_TIMEOUT, and the connection it would
 * have got is handed straight back when it comes. Each new session gets `innodb_lock_wait_timeout`,
 * so a statement behind another transaction's row lock fails (errno 1205) after a bound too; its
 * transaction is then rolled back and its connection released by TypeORM as for any failed statement.
 */
export function boundPool(ds: DataSource, opts: PoolOptions = {}): void {
  const pool = mysqlPool(ds);
  if (!pool) return;
  const acquireMs = opts.acquireTimeoutMs ?? POOL_DEFAULTS.acquireTimeoutMs;
  const lockWaitS = Math.max(1, Math.round(opts.lockWaitTimeoutS ?? POOL_DEFAULTS.lockWaitTimeoutS));
  // 'acquire' is emitted before a connection is handed out, and mysql2 runs a connection's commands
  // in order, so the setting is in place before the caller's first statement. Per connection, once:
  // the one TypeORM opened at initialize came before this listener.
  const set = new WeakSet<MysqlConnection>();
  pool.on('acquire', (c) => {
    if (set.has(c)) return;
    set.add(c);
    c.query(`SET SESSION innodb_lock_wait_timeout = ${lockWaitS}`, () => undefined);
  });
  const get = pool.getConnection.bind(pool);
  pool.getConnection = (cb) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      const s = poolState(ds)!;
      cb(
        new GatewayError(
          'EDIGW_DB_POOL_TIMEOUT',
          `waiting ${acquireMs} ms for a database connection (all ${s.size} of the pool in use, ${s.waiting} callers waiting)`,
        ),
      );
    }, acquireMs);
    get((err, c) => {
      if (settled) {
        c?.release();
        return;
      }
      settled = true;
      clearTimeout(timer);
      cb(err, c);
    });
  };
}

// A database URL fit for logs and messages: the one URL redaction.
export { redactUrl };

export function createDataSource(url: string, base?: string, pool?: PoolOptions): DataSource {
  return new DataSource(dataSourceOptions(parseDatabaseUrl(url, base), pool));
}

export function driverOf(ds: DataSource): Driver {
  return ds.options.type === 'better-sqlite3' ? 'sqlite' : 'mariadb';
}

/** A connection of its own, outside the pool, for /health: it never waits behind the jobs. */
export interface SideConnection {
  query<T = unknown>(sql: string): Promise<T>;
  close(): Promise<void>;
}

/** On MariaDB, a pool of one connection beside the data source's (same URL and settings), opened on first use; undefined on SQLite. */
export function sideConnection(ds: DataSource): SideConnection | undefined {
  if (driverOf(ds) !== 'mariadb') return undefined;
  const driver = ds.driver as unknown as {
    mysql: {
      createPool(o: object): {
        query(sql: string, cb: (err: Error | null, rows: unknown) => void): void;
        end(cb: () => void): void;
      };
    };
    createConnectionOptions(options: unknown, credentials: unknown): object;
  };
  let pool: ReturnType<typeof driver.mysql.createPool> | undefined;
  return {
    query: <T>(sql: string) =>
      new Promise<T>((resolve, reject) => {
        pool ??= driver.mysql.createPool({
          ...driver.createConnectionOptions(ds.options, ds.options),
          connectionLimit: 1,
          maxIdle: 1,
          connectTimeout: 5_000,
        });
        pool.query(sql, (err, rows) => (err ? reject(err) : resolve(rows as T)));
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!pool) return resolve();
        pool.end(() => resolve());
        pool = undefined;
      }),
  };
}
