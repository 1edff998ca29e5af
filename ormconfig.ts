/**
 * The TypeORM DataSource of the gateway: SQLite by default, MySQL/MariaDB from DATABASE_URL.
 * The store is built in its own step (entities, migrations, queue); until then this names only
 * where the database is, so configuration and docs can already rely on it.
 */
export const DEFAULT_DATABASE_URL = 'sqlite:data/gateway.sqlite';

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL && env.DATABASE_URL.trim() !== '' ? env.DATABASE_URL : DEFAULT_DATABASE_URL;
}
