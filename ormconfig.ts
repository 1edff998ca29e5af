import { createDataSource } from './src/store/data-source';

/**
 * The TypeORM DataSource of the gateway, for TypeORM's own CLI: SQLite by default
 * (sqlite:data/gateway.sqlite), MySQL/MariaDB when DATABASE_URL=mysql://… . The gateway itself
 * builds its data source from gateway.yaml (src/config/gateway.ts) with the same function.
 */
export const DEFAULT_DATABASE_URL = 'sqlite:data/gateway.sqlite';

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL && env.DATABASE_URL.trim() !== '' ? env.DATABASE_URL : DEFAULT_DATABASE_URL;
}

export default createDataSource(databaseUrl());
