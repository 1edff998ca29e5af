import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { INLINE_PAYLOAD_MAX, Store } from '../../src/store/store';
import {
  InterchangeRecord,
  JobRecord,
  MessageRecord,
  PayloadRecord,
  TransactionRecord,
} from '../../src/store/entities';
import { parseBuffer } from '../../src/edi/parse';
import { isUniqueViolation } from '../../src/store/sql';
import { EntityManager } from 'typeorm';
import { x12 } from '../helpers/build';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';

/** Differences between the migrations and the entities that are deliberate (see migrations/0001-initial.ts). */
const ALLOWED_DIFF = [
  /"(temporary_)?(event|job)"/,
  /INDEX "(ix_event|ix_job|uq_job)/, // SQLite: INTEGER PRIMARY KEY AUTOINCREMENT, which the entity calls bigint
  /`\w+` (text|blob) NULL$/,
  /DROP COLUMN `(error|data|validationReport|ackReport|tracked|report|lastError|detail)`/, // MariaDB: MEDIUMTEXT / LONGBLOB
];

/** Bytes past the size kept in a payload row: stored as a file of their own. */
const large = (text: string) => Buffer.concat([Buffer.from(text), Buffer.alloc(INLINE_PAYLOAD_MAX + 1, 0x0a)]);

for (const kind of DATABASES) {
  describeOn(kind, `store on ${kind}`, () => {
    let db: TestDatabase | undefined;
    let store: Store;
    let now = new Date('2026-05-01T10:00:00.000Z');
    const clock = () => now;

    beforeAll(async () => {
      db = await freshDatabase(kind);
      store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads'), clock });
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });
    const it = testWith(() => db);

    it('migrations build the schema the entities describe (up to the deliberate column types)', async () => {
      const sql = await store.ds.driver.createSchemaBuilder().log();
      const unexpected = sql.upQueries.map((q) => q.query.trim()).filter((q) => !ALLOWED_DIFF.some((re) => re.test(q)));
      expect(unexpected).toEqual([]);
      expect(await store.pendingMigrations()).toBe(false);
    });

    if (kind === 'sqlite') {
      it('every commit is synced: the WAL by the store, off the event loop (wal-sync.test.ts), so SQLite itself runs NORMAL', async () => {
        // 1 = NORMAL: SQLite writes the WAL frames of a commit; the store fdatasyncs them before it resolves.
        expect(await store.query<Array<{ synchronous: number }>>('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
        expect(store.syncState()).toEqual({ pending: 0, syncs: expect.any(Number) });
        expect(await store.query<Array<{ journal_mode: string }>>('PRAGMA journal_mode')).toEqual([
          { journal_mode: 'wal' },
        ]);
      });
    }

    it('receive: bytes are stored and the message, its event and its job are committed together', async () => {
      const bytes = large(x12());
      const r = await store.receive({
        direction: 'in',
        transport: 'file',
        bytes,
        fileName: 'po.edi',
        partnerId: 'acme',
      });
      expect(r.duplicate).toBe(false);
      expect(store.files!.has(r.message.sha256)).toBe(true);
      expect((await store.payload(r.message.sha256)).equals(bytes)).toBe(true);
      const row = await store.ds.getRepository(MessageRecord).findOneByOrFail({ id: r.message.id });
      expect(row).toMatchObject({
        direction: 'in',
        transport: 'file',
        fileName: 'po.edi',
        size: bytes.length,
        status: 'received',
        receivedAt: now,
      });
      expect((await store.events(r.message.id)).map((e) => e.stage)).toEqual(['received']);
      expect(
        await store.ds.getRepository(JobRecord).countBy({ messageId: r.message.id, kind: 'process', status: 'queued' }),
      ).toBe(1);
    });

    it('receive returns the id of its received event, and the job it queues carries that id', async () => {
      const ids: number[] = [];
      for (const n of [1, 2]) {
        const r = await store.receive({
          direction: 'in',
          transport: 'file',
          bytes: Buffer.from(x12({ control: String(900 + n).padStart(9, '0') })),
          fileName: `ev${n}.edi`,
        });
        const [ev] = await store.events(r.message.id);
        expect(r.eventId).toBe(Number(ev.id));
        const job = await store.queue.claimKey(`${r.message.id}:process`, 'w-ev');
        expect(job?.data).toEqual({ eventId: r.eventId });
        await store.queue.complete(job!);
        ids.push(r.eventId!);
      }
      expect(ids[1]).toBeGreaterThan(ids[0]);
      // Outside a transaction, and inside one next to other inserts: still the id of the row just written.
      const alone = await store.event({ stage: 'note', detail: 'alone' });
      const inside = await store.transaction(async (m) => {
        await store.putPayload(m, Buffer.from(`event id test ${kind}`));
        return store.event({ stage: 'note', parentId: alone, detail: 'inside' }, m);
      });
      const rows = await store.query<Array<{ id: number | string; parentId: number | string | null; detail: string }>>(
        `SELECT id, parentId, detail FROM event WHERE stage = 'note' ORDER BY id`,
      );
      expect(rows.map((r) => [Number(r.id), r.parentId === null ? null : Number(r.parentId), r.detail])).toEqual([
        [alone, null, 'alone'],
        [inside, alone, 'inside'],
      ]);
    });

    it('receive writes every message column as the entity reads it back', async () => {
      const r = await store.receive({
        direction: 'out',
        transport: 'as2',
        bytes: Buffer.from(x12({ control: '000000931' })),
        partnerId: 'acme',
        fileName: 'f.edi',
        remotePath: '/in/f.edi',
        as2MessageId: '<cols@acme>',
        as2From: 'ACME',
        status: 'queued',
        job: null,
      });
      const row = await store.ds.getRepository(MessageRecord).findOneByOrFail({ id: r.message.id });
      expect(row).toEqual(Object.assign(new MessageRecord(), { ...r.message, mdnSha256: null }));
      expect(await store.ds.getRepository(JobRecord).countBy({ messageId: r.message.id })).toBe(0);
    });

    it('receive records the AS2 receipt it is given with the message; a repeated Message-ID keeps the first', async () => {
      const mdn = Buffer.from(`Content-Type: multipart/report\r\n\r\nreceipt ${kind}`);
      const input = {
        direction: 'in' as const,
        transport: 'as2',
        bytes: Buffer.from(x12({ control: '000000932' })),
        as2MessageId: '<receipt@acme>',
        as2From: 'ACME',
        mdn: { entity: mdn, disposition: 'processed', mic: 'abc=, sha-256' },
      };
      const r = await store.receive(input);
      const row = await store.message(r.message.id);
      expect(row).toMatchObject({ mdnDisposition: 'processed', mic: 'abc=, sha-256' });
      expect((await store.payload(row!.mdnSha256!)).equals(mdn)).toBe(true);
      const other = Buffer.from(`Content-Type: multipart/report\r\n\r\nanother ${kind}`);
      const again = await store.receive({ ...input, mdn: { entity: other, disposition: 'processed', mic: 'x' } });
      expect(again).toMatchObject({ duplicate: true, message: { id: r.message.id, mic: 'abc=, sha-256' } });
      await expect(store.payload(createHash('sha256').update(other).digest('hex'))).rejects.toThrow(/missing/);
    });

    it('receiveFile streams a file on disk into the store and commits it like receive', async () => {
      const file = join(db!.dir, 'upload.x12');
      const bytes = Buffer.from(x12({ control: '000000321' }));
      writeFileSync(file, bytes);
      const r = await store.receiveFile({
        direction: 'in',
        transport: 'sftp',
        path: file,
        fileName: 'upload.x12',
        partnerId: 'acme',
      });
      expect(r.message).toMatchObject({ size: bytes.length, transport: 'sftp', fileName: 'upload.x12' });
      expect((await store.payload(r.message.sha256)).equals(bytes)).toBe(true);
      expect(await store.ds.getRepository(JobRecord).countBy({ messageId: r.message.id, kind: 'process' })).toBe(1);
    });

    it('receiveFile copies a file of several read chunks exactly (one buffer is reused across them)', async () => {
      const file = join(db!.dir, 'big.bin');
      // 2.5 MiB of bytes that differ from chunk to chunk: a chunk overwritten before it was hashed or
      // written would change the payload or its sha256.
      const bytes = randomBytes(2.5 * 1024 * 1024);
      writeFileSync(file, bytes);
      const r = await store.receiveFile({ direction: 'in', transport: 'file', path: file, partnerId: 'acme' });
      expect(r.message.size).toBe(bytes.length);
      expect(r.message.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect((await store.payload(r.message.sha256)).equals(bytes)).toBe(true);
    });

    it('receiveFile of a large file already hashed and fsynced links it into the store instead of copying it', async () => {
      const file = join(db!.dir, 'linked.x12');
      const bytes = large(x12({ control: '000000322' }));
      writeFileSync(file, bytes);
      const synced = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
      const r = await store.receiveFile({
        direction: 'in',
        transport: 'sftp',
        path: file,
        fileName: 'linked.x12',
        partnerId: 'acme',
        synced,
      });
      expect(r.message).toMatchObject({ sha256: synced.sha256, size: bytes.length });
      expect((await store.payload(r.message.sha256)).equals(bytes)).toBe(true);
      // One inode, two names: the upload's bytes were not read or written again.
      expect(statSync(store.files!.path(synced.sha256)).ino).toBe(statSync(file).ino);
      // The same bytes again under another name: the stored payload stays as it was.
      const again = join(db!.dir, 'linked-again.x12');
      writeFileSync(again, bytes);
      const r2 = await store.receiveFile({
        direction: 'in',
        transport: 'sftp',
        path: again,
        fileName: 'linked-again.x12',
        partnerId: 'acme',
        synced,
      });
      expect(r2.message.id).not.toBe(r.message.id);
      expect(statSync(store.files!.path(synced.sha256)).ino).toBe(statSync(file).ino);
    });

    it('received payloads up to 64 KiB are kept in their row, larger ones in a file', async () => {
      const small = Buffer.concat([
        Buffer.from(x12({ control: '000000324' })),
        Buffer.alloc(INLINE_PAYLOAD_MAX - 200, 0x0a),
      ]).subarray(0, INLINE_PAYLOAD_MAX);
      const big = large(x12({ control: '000000325' }));
      const file = join(db!.dir, 'small.x12');
      writeFileSync(file, small);
      // A small upload handed over unsynced (as the SFTP server does) is read into the commit.
      const a = await store.receiveFile({ direction: 'in', transport: 'sftp', path: file, fileName: 'small.x12' });
      const b = await store.receive({ direction: 'in', transport: 'as2', bytes: big });
      const rowOf = (sha256: string) => store.ds.getRepository(PayloadRecord).findOneByOrFail({ sha256 });
      expect(await rowOf(a.message.sha256)).toMatchObject({ storage: 'database', size: INLINE_PAYLOAD_MAX });
      expect(Buffer.from((await rowOf(a.message.sha256)).data!).equals(small)).toBe(true);
      expect(store.files!.has(a.message.sha256)).toBe(false);
      expect(await rowOf(b.message.sha256)).toMatchObject({ storage: 'file', data: null });
      expect(store.files!.has(b.message.sha256)).toBe(true);
      expect((await store.payload(a.message.sha256, a.message.size)).equals(small)).toBe(true);
      expect((await store.payload(a.message.sha256)).equals(small)).toBe(true);
      expect((await store.payload(b.message.sha256, b.message.size)).equals(big)).toBe(true);
      expect(store.inlineUpTo).toBe(INLINE_PAYLOAD_MAX);
    });

    it('payloads lie one folder deep, and a store laid out two deep (before 2026-11-22) is still read', async () => {
      const bytes = large(x12({ control: '000000323' }));
      const r = await store.receive({ direction: 'in', transport: 'file', bytes, fileName: 'layout.edi' });
      const hash = r.message.sha256;
      expect(store.files!.path(hash)).toBe(join(db!.dir, 'payloads', hash.slice(0, 2), hash));
      expect(existsSync(store.files!.path(hash))).toBe(true);
      // A payload stored by the earlier layout: only at ab/cd/<sha256>.
      const old = Buffer.from(`legacy layout ${kind}`);
      const oldHash = createHash('sha256').update(old).digest('hex');
      const legacy = join(db!.dir, 'payloads', oldHash.slice(0, 2), oldHash.slice(2, 4), oldHash);
      mkdirSync(dirname(legacy), { recursive: true });
      writeFileSync(legacy, old);
      expect(store.files!.has(oldHash)).toBe(true);
      expect((await store.payload(oldHash)).equals(old)).toBe(true);
      store.files!.remove(oldHash);
      expect(existsSync(legacy)).toBe(false);
      expect(store.files!.has(oldHash)).toBe(false);
    });

    it('receipts arriving together are committed together, and one bad row fails only itself', async () => {
      const inputs = Array.from({ length: 20 }, (_, i) => ({
        direction: 'in' as const,
        transport: 'file',
        bytes: Buffer.from(x12({ control: String(500 + i).padStart(9, '0') })),
        fileName: `g${i}.edi`,
      }));
      // MariaDB refuses a transport name longer than its column (strict mode); SQLite stores it.
      if (kind === 'mariadb') inputs[7] = { ...inputs[7], transport: 'x'.repeat(40) };
      const settled = await Promise.allSettled(inputs.map((i) => store.receive(i)));
      const ok = settled.filter((r) => r.status === 'fulfilled');
      expect(ok).toHaveLength(kind === 'mariadb' ? 19 : 20);
      if (kind === 'mariadb') expect(settled[7].status).toBe('rejected');
      for (const r of ok) {
        const id = (r as PromiseFulfilledResult<{ message: MessageRecord }>).value.message.id;
        expect(await store.ds.getRepository(JobRecord).countBy({ messageId: id, kind: 'process' })).toBe(1);
      }
    });

    it('receipts of one group commit go in together, each job carrying its own received event as parent', async () => {
      // MariaDB's statements go through TypeORM's query (SQLite's run prepared, in place: see sql.ts).
      const query = jest.spyOn(EntityManager.prototype, 'query');
      const shared = Buffer.from(x12({ control: '000000640' }));
      let received: Array<{ message: MessageRecord; eventId: number | null }>;
      let statements: string[];
      try {
        received = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            store.receive({
              direction: 'in',
              transport: 'sftp',
              // Two of them the same bytes: one payload for both.
              bytes: i < 2 ? shared : Buffer.from(x12({ control: String(650 + i).padStart(9, '0') })),
              fileName: `together${i}.edi`,
              partnerId: `p${i % 3}`,
            }),
          ),
        );
      } finally {
        statements = query.mock.calls.map((c) => c[0]);
        query.mockRestore();
      }
      expect(new Set(received.map((r) => r.message.id)).size).toBe(12);
      for (const r of received) {
        const [ev] = await store.events(r.message.id);
        expect(ev).toMatchObject({ stage: 'received', messageId: r.message.id, partnerId: r.message.partnerId });
        expect(ev.detail).toBe(`sftp ${r.message.fileName} ${r.message.size} bytes`);
        expect(r.eventId).toBe(Number(ev.id));
        const job = await store.queue.claimKey(`${r.message.id}:process`, 'w-together');
        expect(job?.data).toEqual({ eventId: r.eventId });
        await store.queue.complete(job!);
      }
      expect(await store.ds.getRepository(PayloadRecord).countBy({ sha256: received[0].message.sha256 })).toBe(1);
      expect(received[1].message.sha256).toBe(received[0].message.sha256);
      // MariaDB: one multi-row statement per table but the events (a round trip each saved). SQLite runs
      // one-row prepared statements, cheaper per row there than a multi-row one.
      const rowsOf = (table: string) =>
        statements
          .filter((q) => new RegExp(`^INSERT (OR IGNORE |IGNORE )?INTO [\`"]${table}[\`"]`).test(q))
          .map((q) => q.split('), (').length);
      if (kind === 'mariadb') {
        expect(rowsOf('message')).toEqual([12]);
        expect(rowsOf('job')).toEqual([12]);
        expect(rowsOf('payload')).toEqual([11]);
        expect(rowsOf('event')).toEqual(Array(12).fill(1));
      }
    });

    it('a payload purged by retention and received twice in one group commit is kept again, once', async () => {
      const bytes = Buffer.from(x12({ control: '000000690' }));
      const first = await store.receive({ direction: 'in', transport: 'file', bytes, fileName: 'purged.edi' });
      const t = kind === 'mariadb' ? '`payload`' : '"payload"';
      await store.ds.query(`UPDATE ${t} SET data = NULL, purgedAt = ? WHERE sha256 = ?`, [
        kind === 'mariadb' ? now : now.toISOString().replace('T', ' ').replace('Z', ''),
        first.message.sha256,
      ]);
      await expect(store.payload(first.message.sha256)).rejects.toThrow(/purged/);
      const again = await Promise.all(
        [1, 2, 3].map((n) =>
          store.receive({ direction: 'in', transport: 'file', bytes, fileName: `purged-again${n}.edi` }),
        ),
      );
      expect(new Set(again.map((r) => r.message.id)).size).toBe(3);
      expect((await store.payload(first.message.sha256)).equals(bytes)).toBe(true);
      expect(await store.ds.getRepository(PayloadRecord).countBy({ sha256: first.message.sha256 })).toBe(1);
    });

    it('grouped work shares one transaction with the work queued meanwhile; a failing one fails alone', async () => {
      const managers: unknown[] = [];
      const write = (id: string, fail = false) =>
        store.grouped(async (m) => {
          managers.push(m);
          await store.event({ stage: 'grouped-test', detail: id }, m);
          if (fail) throw new Error(`work ${id} fails`);
          return id;
        });
      const settled = await Promise.allSettled([write('a'), write('b', true), write('c')]);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'work b fails' });
      // First in one transaction, which b's failure ends and rolls back; then each in its own.
      expect(managers).toHaveLength(5);
      expect(managers[1]).toBe(managers[0]);
      expect(new Set(managers.slice(1)).size).toBe(4);
      const events = (await store.ds.query(
        `SELECT detail FROM ${kind === 'mariadb' ? '`event`' : '"event"'} WHERE stage = 'grouped-test' ORDER BY id`,
      )) as Array<{ detail: string }>;
      expect(events.map((e) => e.detail)).toEqual(['a', 'c']);
    });

    it('the same bytes twice are one payload; a repeated AS2 Message-ID returns the first message', async () => {
      const bytes = Buffer.from(x12({ control: '000000777' }));
      const a = await store.receive({
        direction: 'in',
        transport: 'as2',
        bytes,
        as2MessageId: '<abc@acme>',
        as2From: 'ACME',
      });
      const b = await store.receive({
        direction: 'in',
        transport: 'as2',
        bytes,
        as2MessageId: '<abc@acme>',
        as2From: 'ACME',
      });
      expect(b).toMatchObject({ duplicate: true, message: { id: a.message.id }, eventId: null });
      // The database's unique key is what says duplicate, with an error isUniqueViolation recognises.
      const again = Object.assign(new MessageRecord(), { ...a.message, id: 'not-the-first-message' });
      const err = await store
        .transaction((m) =>
          (store as unknown as { insertReceipts(m: unknown, batch: unknown[]): Promise<unknown> }).insertReceipts(m, [
            { input: { direction: 'in', transport: 'as2', bytes }, message: again },
          ]),
        )
        .catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      expect(await store.ds.getRepository(MessageRecord).countBy({ id: 'not-the-first-message' })).toBe(0);
      const c = await store.receive({
        direction: 'in',
        transport: 'as2',
        bytes,
        as2MessageId: '<abc@acme>',
        as2From: 'OTHER',
      });
      expect(c.duplicate).toBe(false);
      expect(await store.ds.getRepository(PayloadRecord).countBy({ sha256: a.message.sha256 })).toBe(1);
      expect(await store.ds.getRepository(MessageRecord).countBy({ as2MessageId: '<abc@acme>' })).toBe(2);
      // Resent while the first is still on its way to the commit (in one group commit): still one message.
      const racing = await Promise.all(
        [1, 2, 3].map(() =>
          store.receive({ direction: 'in', transport: 'as2', bytes, as2MessageId: '<race@acme>', as2From: 'ACME' }),
        ),
      );
      expect(racing.filter((x) => !x.duplicate)).toHaveLength(1);
      expect(new Set(racing.map((x) => x.message.id)).size).toBe(1);
      expect(await store.ds.getRepository(MessageRecord).countBy({ as2MessageId: '<race@acme>' })).toBe(1);
    });

    it('payloads can live in the database instead of files', async () => {
      const inDb = await Store.open(db!.url, { payloads: 'database', clock });
      try {
        const bytes = Buffer.from("UNB+UNOC:3+S+R+240101:1200+1'UNZ+0+1'" + 'x'.repeat(70_000));
        const r = await inDb.receive({ direction: 'in', transport: 'api', bytes });
        expect((await inDb.payload(r.message.sha256)).equals(bytes)).toBe(true);
        expect(existsSync(join(db!.dir, 'payloads', r.message.sha256.slice(0, 2)))).toBe(false);
      } finally {
        await inDb.close();
      }
    });

    it('recordInterchange: interchange, groups and transaction sets with statuses; idempotent; duplicates caught by the database', async () => {
      const bytes = Buffer.from(
        x12({ control: '000000042', transactions: [['BEG*00*SA*PO1**20240102'], ['BEG*00*SA*PO2**20240102']] }).replace(
          'SE*3*0002',
          'SE*9*0002',
        ),
      );
      const r = await store.receive({ direction: 'in', transport: 'file', bytes });
      const ic = parseBuffer(bytes).interchanges[0];
      const first = await store.transaction((m) =>
        store.recordInterchange(m, {
          message: r.message,
          interchange: ic,
          partnerId: 'acme',
          tracked: (i) => ({ po: `PO${i + 1}` }),
        }),
      );
      expect(first.duplicateOf).toBeUndefined();
      expect(first.transactions.map((t) => [t.controlNumber, t.validation, t.reference])).toEqual([
        ['0001', 'valid', 'PO1'],
        ['0002', 'invalid', 'PO2'],
      ]);
      const again = await store.transaction((m) =>
        store.recordInterchange(m, { message: r.message, interchange: ic, partnerId: 'acme' }),
      );
      expect(again.interchange.id).toBe(first.interchange.id);
      expect(await store.ds.getRepository(TransactionRecord).countBy({ interchangeId: first.interchange.id })).toBe(2);
      const report = (await store.ds.getRepository(TransactionRecord).findOneByOrFail({ id: first.transactions[1].id }))
        .validationReport as Array<{ code: string }>;
      expect(report.map((d) => d.code)).toEqual(['4']);
      // Same interchange again in another message: the unique key says duplicate, and the transaction stays usable.
      const r2 = await store.receive({
        direction: 'in',
        transport: 'file',
        bytes: Buffer.concat([bytes, Buffer.from('\n')]),
      });
      const dup = await store.transaction(async (m) => {
        const d = await store.recordInterchange(m, { message: r2.message, interchange: ic, partnerId: 'acme' });
        await store.event({ stage: 'duplicate', messageId: r2.message.id }, m);
        return d;
      });
      expect(dup.duplicateOf?.id).toBe(first.interchange.id);
      expect(await store.ds.getRepository(InterchangeRecord).countBy({ controlNumber: '000000042' })).toBe(1);
      expect((await store.events(r2.message.id)).map((e) => e.stage)).toEqual(['received', 'duplicate']);
    });

    it('queue: a claimed job is leased, completed once, and fenced against a worker that lost it', async () => {
      await store.queue.enqueue({ kind: 'deliver', key: 'q1' });
      await store.queue.enqueue({ kind: 'deliver', key: 'q1' });
      const [job] = await store.queue.claim('w1', 10, 30_000, ['deliver']);
      expect(job).toMatchObject({ key: 'q1', attempts: 1, claimedBy: 'w1' });
      expect(await store.queue.claim('w2', 10, 30_000, ['deliver'])).toEqual([]);
      now = new Date(now.getTime() + 31_000); // the lease runs out: w1 is presumed dead
      const [retaken] = await store.queue.claim('w2', 10, 30_000, ['deliver']);
      expect(retaken).toMatchObject({ id: job.id, attempts: 2, claimedBy: 'w2' });
      expect(await store.queue.complete(job)).toBe(false);
      expect(await store.queue.complete(retaken)).toBe(true);
      expect(await store.queue.claim('w3', 10, 30_000, ['deliver'])).toEqual([]);
    });

    it('queue: completeMany completes the jobs still ours in one go, and fences the one another worker took', async () => {
      for (const key of ['m1', 'm2', 'm3']) await store.queue.enqueue({ kind: 'many', key });
      const mine = await store.queue.claim('w1', 10, 30_000, ['many']);
      expect(mine).toHaveLength(3);
      now = new Date(now.getTime() + 31_000); // w1's leases run out; w2 takes one of them over
      const [taken] = await store.queue.claim('w2', 1, 30_000, ['many']);
      const lost = mine.find((j) => j.id === taken.id)!;
      // The lease ran out, but no one took these two: w1 may still finish them.
      const done = await store.transaction((m) => store.queue.completeMany(mine, m));
      expect([...done].sort()).toEqual(
        mine
          .filter((j) => j !== lost)
          .map((j) => j.id)
          .sort(),
      );
      const rows = await store.ds.getRepository(JobRecord).findBy({ kind: 'many' });
      expect(rows.find((r) => r.key === taken.key)?.status).toBe('running');
      expect(rows.filter((r) => r.status === 'done')).toHaveLength(2);
    });

    it('queue: enqueue keeps the first job for a key, and its data round-trips as JSON (null stays NULL)', async () => {
      const cases: Array<[string, unknown]> = [
        ['d-obj', { eventId: 7, list: [1, 'two'], nested: { ok: true } }],
        ['d-null', null],
        ['d-none', undefined],
        ['d-str', 'plain text'],
        ['d-num', 42],
      ];
      for (const [key, data] of cases) {
        await store.queue.enqueue({
          kind: 'data',
          key,
          messageId: 'm-1',
          data,
          runAt: new Date(now.getTime() - 1000),
          maxAttempts: 4,
        });
        await store.queue.enqueue({ kind: 'data', key, messageId: 'm-2', data: { second: true }, maxAttempts: 9 });
      }
      const raw = await store.query<
        Array<{
          key: string;
          data: string | null;
          messageId: string;
          maxAttempts: number;
          status: string;
          attempts: number;
          claimedBy: string | null;
          lastError: string | null;
        }>
      >(
        `SELECT ${kind === 'sqlite' ? '"key"' : '`key`'}, data, messageId, maxAttempts, status, attempts, ` +
          `claimedBy, lastError FROM job WHERE kind = 'data' ORDER BY id`,
      );
      expect(raw).toEqual(
        cases.map(([key, data]) => ({
          key,
          data: data === null || data === undefined ? null : JSON.stringify(data),
          messageId: 'm-1',
          maxAttempts: 4,
          status: 'queued',
          attempts: 0,
          claimedBy: null,
          lastError: null,
        })),
      );
      const jobs = await store.queue.claim('w-data', 10, 10_000, ['data']);
      expect(jobs.map((j) => [j.key, j.data, j.messageId, j.maxAttempts])).toEqual(
        cases.map(([key, data]) => [key, data ?? null, 'm-1', 4]),
      );
      // Inside a transaction, the enqueue commits or rolls back with the caller's work.
      await expect(
        store.transaction(async (m) => {
          await store.queue.enqueue({ kind: 'data', key: 'd-rolled-back' }, m);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.ds.getRepository(JobRecord).countBy({ key: 'd-rolled-back' })).toBe(0);
      for (const j of jobs) await store.queue.complete(j);
    });

    it('queue: a failing job is retried after its backoff, then dead-lettered with its last error', async () => {
      await store.queue.enqueue({ kind: 'flaky', key: 'f1', maxAttempts: 2 });
      const [a] = await store.queue.claim('w', 1, 10_000, ['flaky']);
      expect(await store.queue.retry(a, 'connection refused', 5_000)).toBe('retry');
      expect(await store.queue.claim('w', 1, 10_000, ['flaky'])).toEqual([]);
      now = new Date(now.getTime() + 5_001);
      const [b] = await store.queue.claim('w', 1, 10_000, ['flaky']);
      expect(b.attempts).toBe(2);
      expect(await store.queue.retry(b, 'connection refused again', 5_000)).toBe('dead');
      const row = await store.ds.getRepository(JobRecord).findOneByOrFail({ key: 'f1' });
      expect(row).toMatchObject({ status: 'dead', lastError: 'connection refused again', attempts: 2 });
    });

    it('queue: starts count the starts since the last finish; a holder that died adds one, any finish resets them, a renewal does not', async () => {
      await store.queue.enqueue({ kind: 'starts', key: 's1', maxAttempts: 10 });
      const [a] = await store.queue.claim('w1', 1, 10_000, ['starts']);
      expect(a.starts).toBe(1);
      expect(await store.queue.extend(a, 10_000)).toBe(true); // a heartbeat is no new start
      now = new Date(now.getTime() + 10_001); // w1 died mid-job
      const [b] = await store.queue.claim('w2', 1, 10_000, ['starts']);
      expect(b).toMatchObject({ id: a.id, attempts: 2, starts: 2 });
      expect(await store.queue.retry(b, 'connection refused', 0)).toBe('retry'); // an ordinary failure is a finish
      const [c] = await store.queue.claim('w3', 1, 10_000, ['starts']);
      expect(c).toMatchObject({ attempts: 3, starts: 1 });
      now = new Date(now.getTime() + 10_001);
      const [d] = await store.queue.claim('w4', 1, 10_000, ['starts']);
      expect(d.starts).toBe(2);
      expect(await store.queue.complete(d)).toBe(true);
      const row = await store.ds.getRepository(JobRecord).findOneByOrFail({ key: 's1' });
      expect(row).toMatchObject({ status: 'done', attempts: 4, starts: 0 });
    });

    it('control numbers: sequential per scope and kind, wrapping at the maximum, given back on rollback', async () => {
      const take = (scope: string, kind: string) => store.transaction((m) => store.nextControlNumber(m, scope, kind));
      expect([
        await take('acme', 'isa'),
        await take('acme', 'isa'),
        await take('acme', 'gs'),
        await take('beta', 'isa'),
      ]).toEqual([1, 2, 1, 1]);
      await expect(
        store.transaction(async (m) => {
          await store.nextControlNumber(m, 'acme', 'isa');
          throw new Error('send failed');
        }),
      ).rejects.toThrow('send failed');
      expect(await take('acme', 'isa')).toBe(3);
      await store.ds.query(`UPDATE control_number SET value = 999999999 WHERE scope = 'acme' AND kind = 'isa'`);
      expect(await take('acme', 'isa')).toBe(1);
      await expect(store.ds.manager.transaction(async () => undefined)).resolves.toBeUndefined();
      await expect(store.nextControlNumber(store.ds.manager, 'acme', 'isa')).rejects.toThrow('inside a transaction');
    });

    it('expected acks past their time are flagged overdue', async () => {
      const bytes = Buffer.from(x12({ control: '000000555' }));
      const r = await store.receive({ direction: 'out', transport: 'as2', bytes });
      const ic = parseBuffer(bytes).interchanges[0];
      await store.transaction((m) =>
        store.recordInterchange(m, {
          message: r.message,
          interchange: ic,
          partnerId: 'acme',
          ackDueAt: new Date(now.getTime() + 3_600_000),
        }),
      );
      expect(await store.markOverdueAcks()).toBe(0);
      now = new Date(now.getTime() + 3_600_001);
      expect(await store.markOverdueAcks()).toBe(1);
      expect(
        (await store.ds.getRepository(InterchangeRecord).findOneByOrFail({ controlNumber: '000000555' })).ackStatus,
      ).toBe('overdue');
    });

    it('retention purges old payload bytes and keeps the audit rows; the same bytes received again are kept again', async () => {
      const smallBytes = Buffer.from('old ' + x12());
      const bigBytes = large('old ' + x12());
      const r = await store.receive({ direction: 'in', transport: 'file', bytes: smallBytes });
      const big = await store.receive({ direction: 'in', transport: 'file', bytes: bigBytes });
      now = new Date(now.getTime() + 90 * 86_400_000);
      expect(await store.purgePayloads(new Date(now.getTime() - 30 * 86_400_000))).toBeGreaterThanOrEqual(2);
      for (const m of [r.message, big.message]) {
        expect(store.files!.has(m.sha256)).toBe(false);
        await expect(store.payload(m.sha256, m.size)).rejects.toThrow(/purged on/);
        expect(await store.message(m.id)).not.toBeNull();
      }
      // Received again: the purged row takes the bytes back, and retention counts from now.
      const again = await store.receive({ direction: 'in', transport: 'file', bytes: smallBytes });
      const bigAgain = await store.receive({ direction: 'in', transport: 'file', bytes: bigBytes });
      expect((await store.payload(again.message.sha256, again.message.size)).equals(smallBytes)).toBe(true);
      expect((await store.payload(bigAgain.message.sha256, bigAgain.message.size)).equals(bigBytes)).toBe(true);
      const row = await store.ds.getRepository(PayloadRecord).findOneByOrFail({ sha256: again.message.sha256 });
      expect(row.purgedAt).toBeNull();
      expect(row.createdAt.getTime()).toBe(now.getTime());
    });
  });
}

describe('SQLite checkpoints in a long-running process', () => {
  test('run on a thread of their own, not in the commits; closing leaves no WAL behind', async () => {
    const db = await freshDatabase('sqlite');
    const file = join(db.dir, 'gateway.sqlite');
    const errors: string[] = [];
    const store = await Store.open(db.url, {
      payloadDir: join(db.dir, 'payloads'),
      checkpoints: { onError: (m) => errors.push(m) },
    });
    try {
      await store.migrate();
      // The commits' own threshold is raised to a backstop far above what these writes make.
      expect(await store.query<Array<{ wal_autocheckpoint: number }>>('PRAGMA wal_autocheckpoint')).toEqual([
        { wal_autocheckpoint: 10_000 },
      ]);
      for (let i = 0; i < 40; i++)
        await store.receive({
          direction: 'in',
          transport: 'file',
          bytes: Buffer.from(x12({ control: String(700 + i).padStart(9, '0') })),
          fileName: `ck${i}.edi`,
        });
      const before = statSync(file).size;
      // Only a checkpoint copies pages from the WAL into the database file.
      const deadline = Date.now() + 5_000;
      while (statSync(file).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(statSync(file).size).toBeGreaterThan(before);
      expect(errors).toEqual([]);
    } finally {
      await store.close();
    }
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads') });
    expect(await again.ds.getRepository(MessageRecord).countBy({ direction: 'in' })).toBe(40);
    await again.close();
    await db.drop();
  });
});
