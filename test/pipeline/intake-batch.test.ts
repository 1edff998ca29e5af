/**
 * The file inbox takes the files of a tick in together (issue 17): one commit, one fsync per payload
 * folder, and only then the moves. The real watcher, the real intake and the real store; the
 * database itself refuses rows (a trigger) where a test needs a failure mid-batch.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EntitySubscriberInterface } from 'typeorm';
import { intakeFiles } from '../../src/pipeline/intake';
import { MessageRecord } from '../../src/store/entities';
import type { Store } from '../../src/store/store';
import { fileWatcher, type FileWatcher } from '../../src/transports/file/watcher';
import type { TransportLogger } from '../../src/transports';
import { DATABASES, describeOn } from '../helpers/databases';
import {
  deployment,
  type Deployment,
  type Harness,
  manualClock,
  order850,
  pipelineContext,
  x12Interchange,
} from './support';

const quiet: TransportLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** An interchange from ACME with `pos` 850s; `lines` PO1 lines each makes it as large as wanted. */
const file = (control: number, lines = 1) =>
  x12Interchange({ sender: 'ACME', control, bodies: [order850(`PO-${control}`, lines)] });

for (const kind of DATABASES) {
  describeOn(kind, `file inbox in batches (${kind})`, () => {
    let d: Deployment;
    let h: Harness;
    let inbox: string;
    const time = manualClock(new Date(Date.now() + 60_000).toISOString());
    beforeEach(async () => {
      d = deployment({ 'partners/acme.yaml': 'id: acme\nidentifiers:\n  x12: [{ qualifier: ZZ, id: ACME }]\n' });
      h = await pipelineContext(d, kind, time.clock);
      inbox = path.join(d.dir, 'inbox');
      await fs.mkdir(inbox);
    });
    afterEach(async () => {
      await h?.close();
      d?.remove();
    });

    function watcher(): FileWatcher {
      const config = fileWatcher.config.parse({ dir: inbox, every: 1000, minAge: 0 });
      return fileWatcher.create(config, {
        intake: () => Promise.reject(new Error('the watcher took a file in alone although it could batch')),
        intakeFile: () => Promise.reject(new Error('the watcher took a file in alone although it could batch')),
        intakeFiles: (inputs) =>
          intakeFiles(
            h.ctx,
            inputs.map((i) => ({ transport: 'file', partnerId: 'acme', ...i })),
          ),
        logger: quiet,
        clock: time.clock,
      }) as FileWatcher;
    }

    /** Calls `each` at every commit of the store's connection(s), before it happens. */
    function onCommit(store: Store, each: () => Promise<void> | void): { commits: number } {
      const seen = { commits: 0 };
      const subscriber: EntitySubscriberInterface = {
        beforeTransactionCommit: async () => {
          seen.commits++;
          await each();
        },
      };
      store.ds.subscribers.push(subscriber);
      return seen;
    }

    async function drop(names: string[], lines = 1): Promise<void> {
      for (const [i, name] of names.entries()) await fs.writeFile(path.join(inbox, name), file(100 + i, lines));
    }
    const inInbox = async () => (await fs.readdir(inbox)).filter((n) => n.endsWith('.edi')).sort();
    const processed = async () => (await fs.readdir(path.join(inbox, 'processed')).catch(() => [] as string[])).sort();
    const messages = async () => (await h.store.ds.manager.find(MessageRecord)).map((m) => m.fileName ?? '').sort();

    /**
     * A trigger that refuses inserts into message (all of them, or one file's), as a full disk or a
     * constraint would; `drop` takes it away.
     */
    async function refuse(fileName?: string): Promise<{ drop(): Promise<void> }> {
      const when = fileName ? `NEW.fileName = '${fileName}'` : '1 = 1';
      if (kind === 'sqlite')
        await h.store.ds.query(
          `CREATE TRIGGER refuse_message BEFORE INSERT ON message WHEN ${when} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
        );
      else
        await h.store.ds.query(
          `CREATE TRIGGER refuse_message BEFORE INSERT ON message FOR EACH ROW BEGIN IF ${when} ` +
            `THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END`,
        );
      return { drop: async () => void (await h.store.ds.query('DROP TRIGGER refuse_message')) };
    }

    test('files that arrive together commit in one transaction, and none is moved before it', async () => {
      const names = ['a.edi', 'b.edi', 'c.edi', 'd.edi', 'e.edi'];
      await drop(names.slice(0, 3));
      // Two above the inline size: payload files, whose folders are fsynced before the commit.
      for (const [i, name] of names.slice(3).entries()) await fs.writeFile(path.join(inbox, name), file(200 + i, 3000));
      const w = watcher();
      await w.poll();
      const atCommit: string[][] = [];
      const seen = onCommit(h.store, async () => {
        atCommit.push(await inInbox());
      });
      await w.poll();
      expect(seen.commits).toBe(1);
      expect(atCommit).toEqual([names]);
      expect(await inInbox()).toEqual([]);
      expect(await processed()).toEqual(names);
      expect(await messages()).toEqual(names);
      const big = await h.store.ds.manager.findOneByOrFail(MessageRecord, { fileName: 'e.edi' });
      expect((await h.store.payload(big.sha256, big.size)).toString()).toBe(file(201, 3000));
    });

    test('a row the store refuses mid-batch fails that file alone: it stays in the inbox and comes in once later', async () => {
      const names = ['a.edi', 'b.edi', 'c.edi', 'd.edi'];
      await drop(names);
      const w = watcher();
      await w.poll();
      const trigger = await refuse('c.edi');
      await w.poll();
      expect(await inInbox()).toEqual(['c.edi']);
      expect(await processed()).toEqual(['a.edi', 'b.edi', 'd.edi']);
      expect(await messages()).toEqual(['a.edi', 'b.edi', 'd.edi']);

      await trigger.drop();
      time.advance(1000); // its backoff
      await w.poll();
      await w.poll();
      expect(await inInbox()).toEqual([]);
      expect(await processed()).toEqual(names);
      expect(await messages()).toEqual(names);
    });

    test('a commit the store refuses leaves every file of the batch in the inbox; the retry takes each in once', async () => {
      const names = Array.from({ length: 40 }, (_, i) => `po-${String(i).padStart(2, '0')}.edi`);
      await drop(names);
      const w = watcher();
      await w.poll();
      const trigger = await refuse();
      await w.poll();
      expect(await inInbox()).toEqual(names);
      expect(await processed()).toEqual([]);
      expect(await messages()).toEqual([]);

      await trigger.drop();
      await w.poll(); // still within the backoff: nothing happens
      expect(await messages()).toEqual([]);
      time.advance(1000);
      await w.poll();
      expect(await inInbox()).toEqual([]);
      expect(await processed()).toEqual(names);
      expect(await messages()).toEqual(names);
      await w.poll();
      expect(await messages()).toEqual(names);
    });

    test('a payload that cannot be written fails that file alone, and nothing points at missing bytes', async () => {
      await fs.writeFile(path.join(inbox, 'small.edi'), file(300));
      const bytes = file(301, 3000);
      await fs.writeFile(path.join(inbox, 'big.edi'), bytes);
      // Where the big payload's folder goes, a file: the write fails as a full or broken disk would.
      const { createHash } = await import('node:crypto');
      const hash = createHash('sha256').update(bytes).digest('hex');
      const payloads = path.join(h.db.dir, 'payloads');
      await fs.mkdir(payloads, { recursive: true });
      await fs.writeFile(path.join(payloads, hash.slice(0, 2)), 'not a folder');
      const w = watcher();
      await w.poll();
      await w.poll();
      expect(await inInbox()).toEqual(['big.edi']);
      expect(await messages()).toEqual(['small.edi']);

      await fs.rm(path.join(payloads, hash.slice(0, 2)));
      time.advance(1000);
      await w.poll();
      expect(await inInbox()).toEqual([]);
      expect(await messages()).toEqual(['big.edi', 'small.edi']);
      const big = await h.store.ds.manager.findOneByOrFail(MessageRecord, { fileName: 'big.edi' });
      expect((await h.store.payload(big.sha256, big.size)).toString()).toBe(bytes);
    });

    test('a file whose interchange came in before is taken in and named a duplicate of the first', async () => {
      await fs.writeFile(path.join(inbox, 'first.edi'), file(400));
      const w = watcher();
      await w.poll();
      await w.poll();
      const [first] = await h.store.ds.manager.find(MessageRecord);
      // As the process step records it: the interchange of the first message.
      await h.store.ds.query(
        `INSERT INTO interchange (id, messageId, direction, partnerId, partnerKey, standard, senderQualifier, ` +
          `senderId, receiverQualifier, receiverId, controlNumber, syntaxVersion, test, preparedAt, validation, ackStatus, byteOffset, byteLength, createdAt)
         VALUES ('i1', ?, 'in', 'acme', 'acme', 'x12', 'ZZ', 'ACME', 'ZZ', 'OURCOMPANY', '000000400', '00401', 0, ` +
          `'2024-01-02T12:30', 'valid', 'none', 0, 1, ?)`,
        [first.id, kind === 'sqlite' ? '2026-05-01 10:00:00.000' : new Date('2026-05-01T10:00:00Z')],
      );
      const r = await intakeFiles(h.ctx, [
        {
          transport: 'file',
          partnerId: 'acme',
          path: path.join(inbox, 'processed', 'first.edi'),
          fileName: 'again.edi',
        },
      ]);
      expect(r).toEqual([{ messageId: expect.any(String), duplicate: false, duplicateOf: first.id }]);
    });
  });
}
