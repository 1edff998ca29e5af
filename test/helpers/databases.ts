import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { describeNeeding } from './requirements';

/** The MariaDB server tests use (root, no password, on this project's machines). */
export const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

export type DatabaseKind = 'sqlite' | 'mariadb';
export const DATABASES: readonly DatabaseKind[] = ['sqlite', 'mariadb'];

export interface TestDatabase {
  name: DatabaseKind;
  url: string;
  dir: string;
  drop(): Promise<void>;
}

const PROBE = `require('mysql2/promise').createConnection({ uri: process.argv[1], connectTimeout: 3000 })
  .then((c) => c.end()).then(() => process.stdout.write('up'), (e) => process.stdout.write(e.message));`;

/**
 * Why MariaDB cannot be used here, or undefined when it answers. Synchronous, because jest decides
 * to skip a block while collecting it: global-setup.js probes once per run and leaves the answer in
 * EDIGW_TEST_MARIADB; without it (another jest config) this probes in a child process.
 */
export function mariadbMissing(): string | undefined {
  let answer = process.env.EDIGW_TEST_MARIADB;
  if (answer === undefined) {
    const r = spawnSync(process.execPath, ['-e', PROBE, MARIADB_URL], { cwd: __dirname, encoding: 'utf8' });
    answer = r.stdout || r.stderr || `the probe exited with ${r.status ?? r.signal}`;
    process.env.EDIGW_TEST_MARIADB = answer;
  }
  if (answer === 'up') return undefined;
  return `not reachable at ${MARIADB_URL} (${answer}); start it with start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`;
}

/**
 * `describe` for one database kind. On MariaDB, when the server does not answer, the block is
 * skipped with the reason, or fails under CI (requirements.ts); SQLite is always there.
 */
export function describeOn(kind: DatabaseKind, title: string, body: () => void): void {
  if (kind === 'sqlite') describe(title, body);
  else describeNeeding(title, 'MariaDB', mariadbMissing(), body);
}

/** The block once per database kind, each through `describeOn`. */
export function describeEachDatabase(
  title: (kind: DatabaseKind) => string,
  body: (kind: DatabaseKind) => void,
  kinds: readonly DatabaseKind[] = DATABASES,
): void {
  for (const kind of kinds) describeOn(kind, title(kind), () => body(kind));
}

/**
 * `test`, handed what the block's `beforeAll` opened (a harness, a store). A block whose setup
 * failed has its tests failed by jest already; the check here only narrows the type.
 */
export function testWith<T>(
  opened: () => T | undefined,
): (name: string, fn: (t: T) => unknown, timeout?: number) => void {
  return (name, fn, timeout) =>
    test(
      name,
      async () => {
        const t = opened();
        if (t === undefined) throw new Error(`${name}: the block's setup opened nothing`);
        await fn(t);
      },
      timeout,
    );
}

/** A fresh, empty database of the given kind, with a scratch folder for payload files. */
export async function freshDatabase(name: DatabaseKind): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'edigw-store-'));
  if (name === 'sqlite') {
    return {
      name,
      url: `sqlite:${join(dir, 'gateway.sqlite')}`,
      dir,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const db = `edigw_t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const c = await createConnection({ uri: MARIADB_URL });
  await c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await c.end();
  const url = MARIADB_URL.replace(/\/[^/]*$/, `/${db}`);
  return {
    name,
    url,
    dir,
    drop: async () => {
      const k = await createConnection({ uri: MARIADB_URL });
      await k.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await k.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
