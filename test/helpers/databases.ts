import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

/** The MariaDB server tests use (root, no password, on this project's machines). */
export const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface TestDatabase {
  name: 'sqlite' | 'mariadb';
  url: string;
  dir: string;
  drop(): Promise<void>;
}

let mariadbUp: boolean | undefined;

/** Whether MariaDB answers; in CI it must. */
export async function mariadbAvailable(): Promise<boolean> {
  if (mariadbUp !== undefined) return mariadbUp;
  try {
    const c = await createConnection({ uri: MARIADB_URL, connectTimeout: 3000 });
    await c.end();
    mariadbUp = true;
  } catch (e) {
    if (process.env.CI)
      throw new Error(
        `MariaDB is not reachable at ${MARIADB_URL} (${(e as Error).message}); CI must start it (.ci/run)`,
        { cause: e },
      );
    console.warn(
      `skipping MariaDB tests: ${MARIADB_URL} is not reachable (${(e as Error).message}); start it with start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`,
    );
    mariadbUp = false;
  }
  return mariadbUp;
}

/** A fresh, empty database of the given kind, with a scratch folder for payload files. */
export async function freshDatabase(name: 'sqlite' | 'mariadb'): Promise<TestDatabase> {
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
