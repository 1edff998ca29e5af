import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { entities } from './entities';
import { migrations } from '../../migrations';

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
  throw new Error(`database URL ${JSON.stringify(redactUrl(url))} is neither sqlite:PATH nor mysql://user:pass@host:port/db`);
}

export function dataSourceOptions(target: DatabaseTarget): DataSourceOptions {
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
      prepareDatabase: (db: { pragma(s: string): unknown }) => { db.pragma('synchronous = FULL'); },
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
    extra: { connectionLimit: 10 },
  };
}

/** A database URL fit for logs and messages: the password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1***@');
}

export function createDataSource(url: string, base?: string): DataSource {
  return new DataSource(dataSourceOptions(parseDatabaseUrl(url, base)));
}

export function driverOf(ds: DataSource): Driver {
  return ds.options.type === 'better-sqlite3' ? 'sqlite' : 'mariadb';
}
