import type { Io } from './io';
import { configFile, loadGateway } from '../config/gateway';
import { formatIssue } from '../config/yaml';
import { Store } from '../store/store';
import { redactUrl } from '../store/data-source';

/** `migrate`: applies pending migrations to the configured database. */
export async function migrateCommand(o: { config?: string }, io: Io): Promise<number> {
  const loaded = loadGateway(configFile(o.config));
  if (!loaded.ok) {
    for (const i of loaded.issues) io.err(`${formatIssue(i)}\n`);
    return 1;
  }
  const { config } = loaded;
  let store: Store | undefined;
  try {
    store = await Store.open(config.database, {
      payloads: config.payloads === 'database' ? 'database' : 'file',
      payloadDir: config.payloads,
    });
    const ran = await store.migrate();
    io.out(
      ran.length
        ? `${redactUrl(config.database)}: applied ${ran.join(', ')}\n`
        : `${redactUrl(config.database)}: up to date\n`,
    );
    return 0;
  } catch (e) {
    io.err(`edi-gateway: migrating ${redactUrl(config.database)}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await store?.close().catch(() => undefined);
  }
}
