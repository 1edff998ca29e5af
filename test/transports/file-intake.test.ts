/**
 * The file inbox with the store behind it (issue 13 §2): a file is streamed into the payload store,
 * never read whole, and a file that changes while it is read commits nothing.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GatewayError } from '../../src/errors';
import { MessageRecord } from '../../src/store/entities';
import { Store } from '../../src/store/store';
import { fileWatcher, type FileWatcher } from '../../src/transports/file/watcher';
import type { IntakeFileInput, TransportLogger } from '../../src/transports';
import { freshDatabase, type TestDatabase } from '../helpers/databases';

const quiet: TransportLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('file inbox into the store', () => {
  let db: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    db = await freshDatabase('sqlite');
    store = await Store.open(db.url, { payloadDir: path.join(db.dir, 'payloads') });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  function watcher(intakeFile: (i: IntakeFileInput) => Promise<{ messageId: string }>): FileWatcher {
    const config = fileWatcher.config.parse({ dir: path.join(db.dir, 'in'), every: 10, minAge: 0 });
    return fileWatcher.create(config, {
      intake: () => Promise.reject(new Error('the watcher read a file whole although it could stream it')),
      intakeFile,
      logger: quiet,
      clock: () => new Date(),
    }) as FileWatcher;
  }
  const receive = (i: IntakeFileInput) =>
    store
      .receiveFile({ direction: 'in', transport: 'file', partnerId: 'acme', ...i })
      .then((r) => ({ messageId: r.message.id }));

  test('a file above the inline size is streamed into the payload store and moved after the commit', async () => {
    const dir = path.join(db.dir, 'in');
    await fs.mkdir(dir);
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await fs.writeFile(path.join(dir, 'big.x12'), bytes);
    const w = watcher(receive);
    await w.poll();
    await w.poll();
    const [message] = await store.ds.manager.find(MessageRecord);
    expect(message).toMatchObject({ transport: 'file', fileName: 'big.x12', size: bytes.length, partnerId: 'acme' });
    expect((await store.payload(message.sha256)).equals(bytes)).toBe(true);
    expect(await fs.readdir(path.join(dir, 'processed'))).toEqual(['big.x12']);
  });

  test('bytes read that are not the size seen fail as EDIGW_FILE_CHANGED and commit nothing', async () => {
    const file = path.join(db.dir, 'growing.x12');
    const bytes = randomBytes(200 * 1024);
    await fs.writeFile(file, bytes);
    const failed = await store
      .receiveFile({ direction: 'in', transport: 'file', path: file, size: bytes.length - 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failed).toBeInstanceOf(GatewayError);
    expect(failed).toMatchObject({ code: 'EDIGW_FILE_CHANGED', kind: 'retry' });
    expect((failed as GatewayError).describe()).toMatch(/204800 bytes read where 204799 were seen/);
    expect(await store.ds.manager.count(MessageRecord)).toBe(0);
  });

  test('a file that changes between the last look and the read is left in place and taken once it is stable', async () => {
    const dir = path.join(db.dir, 'in');
    await fs.mkdir(dir);
    const file = path.join(dir, 'po.x12');
    await fs.writeFile(file, randomBytes(100 * 1024));
    let appended = false;
    const w = watcher(async (i) => {
      // The partner writes on after the watcher saw the file stable, before the store reads it.
      if (!appended) {
        appended = true;
        await fs.appendFile(file, randomBytes(1024));
      }
      return receive(i);
    });
    await w.poll();
    await w.poll();
    expect(await store.ds.manager.count(MessageRecord)).toBe(0);
    expect(await fs.readdir(dir)).toEqual(['po.x12']);
    await w.poll(); // seen afresh
    await w.poll(); // stable again: taken in whole
    const [message] = await store.ds.manager.find(MessageRecord);
    expect(message.size).toBe(101 * 1024);
    expect(await fs.readdir(path.join(dir, 'processed'))).toEqual(['po.x12']);
  });
});
