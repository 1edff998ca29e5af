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
import type { IntakeFileInput, SeenStore, TransportLogger } from '../../src/transports';
import { freshDatabase, type TestDatabase } from '../helpers/databases';
import { seenInStore } from '../../src/pipeline/intake';

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

  describe('a restart after a commit whose move never happened', () => {
    /** An earlier run: its intake committed, then it died before the move (the file is still in the inbox). */
    async function committedBefore(dir: string, name: string, bytes: Buffer): Promise<void> {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, name), bytes);
      const file = path.join(dir, name);
      await store.receiveFile({
        direction: 'in',
        transport: 'file',
        partnerId: 'acme',
        path: file,
        fileName: name,
        remotePath: file,
      });
    }
    function restarted(batches: boolean, seen: SeenStore = seenInStore(store, 'acme')) {
      const intakes: string[] = [];
      const config = fileWatcher.config.parse({ dir: path.join(db.dir, 'in dir'), every: 10, minAge: 0 });
      const w = fileWatcher.create(config, {
        intake: () => Promise.reject(new Error('read whole')),
        intakeFile: (i) => {
          intakes.push(i.fileName!);
          return receive(i);
        },
        ...(batches
          ? {
              intakeFiles: async (inputs: IntakeFileInput[]) => {
                intakes.push(...inputs.map((i) => i.fileName!));
                return Promise.all(inputs.map(receive));
              },
            }
          : {}),
        seen,
        logger: quiet,
        clock: () => new Date(),
      }) as FileWatcher;
      return { w, intakes };
    }

    for (const batches of [false, true])
      test(`the file is moved, not taken in twice; a changed or new file is taken in (${batches ? 'batches' : 'one by one'})`, async () => {
        const dir = path.join(db.dir, 'in dir');
        await committedBefore(dir, 'po 1.x12', Buffer.from('ISA*first'));
        // Same name, other bytes than the earlier run took in: a new file the partner sent again.
        await committedBefore(dir, 'po-2.x12', Buffer.from('ISA*second'));
        await fs.writeFile(path.join(dir, 'po-2.x12'), 'ISA*second, corrected');
        await fs.writeFile(path.join(dir, 'po-3.x12'), 'ISA*never taken');
        const { w, intakes } = restarted(batches);
        await w.poll();
        await w.poll();
        expect(intakes.sort()).toEqual(['po-2.x12', 'po-3.x12']);
        expect((await fs.readdir(path.join(dir, 'processed'))).sort()).toEqual(['po 1.x12', 'po-2.x12', 'po-3.x12']);
        expect(await store.ds.manager.count(MessageRecord)).toBe(4);
        // A file of the same name and bytes dropped after the first listing is new: taken in again.
        await fs.writeFile(path.join(dir, 'po 1.x12'), 'ISA*first');
        await w.poll();
        await w.poll();
        expect(intakes.filter((n) => n === 'po 1.x12')).toHaveLength(1);
        expect(await store.ds.manager.count(MessageRecord)).toBe(5);
      });

    test('a failed lookup leaves the file in place and takes nothing in', async () => {
      const dir = path.join(db.dir, 'in dir');
      await committedBefore(dir, 'po.x12', Buffer.from('ISA*first'));
      const { w, intakes } = restarted(false, {
        has: () => Promise.reject(new Error('database gone')),
        add: () => Promise.resolve(),
      });
      await w.poll();
      await w.poll();
      expect(intakes).toEqual([]);
      expect(await fs.readdir(dir)).toEqual(['po.x12']);
    });
  });
});
