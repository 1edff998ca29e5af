import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Store } from '../../src/store/store';
import { claimSelectSql } from '../../src/store/queue';
import { InterchangeRecord, JobRecord } from '../../src/store/entities';
import { parseBuffer } from '../../src/edi/parse';
import { x12 } from '../helpers/build';
import { describeOn, freshDatabase, type TestDatabase } from '../helpers/databases';

const worker = resolve(__dirname, '..', 'helpers', 'queue-worker.js');

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('close', (code) => res({ code, out, err }));
  });
}

async function enqueueMany(store: Store, n: number): Promise<void> {
  const now = new Date();
  for (let i = 0; i < n; i += 500) {
    const rows = Array.from({ length: Math.min(500, n - i) }, (_, k) => ({
      kind: 'work',
      key: `work:${i + k}`,
      messageId: null,
      data: null,
      status: 'queued',
      runAt: now,
      attempts: 0,
      maxAttempts: 5,
      claimedBy: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    }));
    await store.ds.createQueryBuilder().insert().into(JobRecord).values(rows).execute();
  }
}

const cases = [
  ['mariadb', 10_000],
  ['sqlite', 2_000],
] as const;

for (const [kind, jobs] of cases) {
  describeOn(kind, `store across processes on ${kind}`, () => {
    let db: TestDatabase;
    let store: Store;
    beforeAll(async () => {
      db = await freshDatabase(kind);
      store = await Store.open(db.url, { payloads: 'database' });
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    test(`two worker processes drain ${jobs} jobs: each runs exactly once`, async () => {
      await enqueueMany(store, jobs);
      const outs = [join(db.dir, 'w1.txt'), join(db.dir, 'w2.txt')];
      outs.forEach((o) => writeFileSync(o, ''));
      const results = await Promise.all(outs.map((o, i) => run(['drain', db!.url, `w${i + 1}`, o])));
      for (const r of results) expect(r.err).toBe('');
      const ran = outs.flatMap((o) => readFileSync(o, 'utf8').split('\n').filter(Boolean));
      expect(ran.length).toBe(jobs);
      expect(new Set(ran).size).toBe(jobs);
      // Each completion was counted by the worker that made it: together, every job once. (How the jobs
      // split between the two is the scheduler's business: the queue promises no fairness.)
      expect(results.reduce((n, r) => n + Number(r.out), 0)).toBe(jobs);
      expect(await store.queue.counts()).toEqual({ done: jobs });
    }, 120_000);

    test('control numbers allocated from two processes at once never repeat and leave no gap', async () => {
      const out = join(db.dir, 'numbers.txt');
      writeFileSync(out, '');
      const n = kind === 'mariadb' ? 300 : 200;
      const results = await Promise.all([
        run(['numbers', db.url, 'acme', 'isa', String(n), out]),
        run(['numbers', db.url, 'acme', 'isa', String(n), out]),
      ]);
      for (const r of results) expect(r.err).toBe('');
      const got = readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .sort((a, b) => a - b);
      expect(got).toEqual(Array.from({ length: 2 * n }, (_, i) => i + 1));
    }, 120_000);

    // SQLite has one writer: a claim held open blocks every other, so this is MariaDB's alone.
    if (kind === 'mariadb')
      test('a claim in progress locks only the jobs it takes: another claim gets the next ones', async () => {
        await store.ds.query(`DELETE FROM job`);
        for (let i = 0; i < 5; i++) await store.queue.enqueue({ kind: 'work', key: `open-${i}` });
        const qr = store.ds.createQueryRunner();
        await qr.connect();
        await qr.startTransaction('READ COMMITTED');
        try {
          // The first claim's own query, held open: it must lock only the two jobs it takes.
          const held: Array<{ id: string }> = await qr.query(claimSelectSql('`job`', 1), [
            'queued',
            new Date(),
            'work',
            2,
          ]);
          expect(held).toHaveLength(2);
          const other = await store.queue.claim('other', 10, 60_000, ['work']);
          expect(other.map((j) => j.key).sort()).toEqual(['open-2', 'open-3', 'open-4']);
        } finally {
          await qr.rollbackTransaction();
          await qr.release();
        }
      });

    // SQLite has one writer: the loser's snapshot starts after the winner's commit, so there is no race to lose.
    if (kind === 'mariadb')
      test("two nodes recording one interchange at once: the loser gets the winner's row, as a duplicate or as its own", async () => {
        const node2 = await Store.open(db.url, { payloads: 'database' });
        try {
          for (const [n, sameMessage] of [
            [1, false],
            [2, true],
          ] as const) {
            const bytes = Buffer.from(x12({ control: `00000077${n}`, transactions: [['BEG*00*SA*PO1**20240102']] }));
            const ic = parseBuffer(bytes).interchanges[0];
            const first = await store.receive({ direction: 'in', transport: 'file', bytes });
            const second = sameMessage
              ? first
              : await store.receive({
                  direction: 'in',
                  transport: 'file',
                  bytes: Buffer.concat([bytes, Buffer.from('\n')]),
                });
            let snapshot!: () => void;
            let go!: () => void;
            const snapshotP = new Promise<void>((r) => {
              snapshot = r;
            });
            const goP = new Promise<void>((r) => {
              go = r;
            });
            // The loser's transaction reads first (InnoDB's snapshot starts there), the winner commits,
            // then the loser records: its snapshot lacks the row the unique key now reports.
            const loser = node2.transaction(async (m) => {
              await m.query('SELECT COUNT(*) FROM interchange');
              snapshot();
              await goP;
              return node2.recordInterchange(m, { message: second.message, interchange: ic, partnerId: 'acme' });
            });
            await snapshotP;
            const won = await store.transaction((m) =>
              store.recordInterchange(m, { message: first.message, interchange: ic, partnerId: 'acme' }),
            );
            go();
            const lost = await loser;
            expect(lost.interchange.id).toBe(won.interchange.id);
            if (sameMessage) {
              expect(lost.duplicateOf).toBeUndefined();
              expect(lost.transactions.map((t) => t.id).sort()).toEqual(won.transactions.map((t) => t.id).sort());
              expect(lost.transactions).toHaveLength(1);
            } else {
              expect(lost.duplicateOf?.id).toBe(won.interchange.id);
            }
            expect(await store.ds.getRepository(InterchangeRecord).countBy({ controlNumber: ic.controlNumber })).toBe(
              1,
            );
          }
        } finally {
          await node2.close();
        }
      }, 60_000);

    test('a worker killed with SIGKILL mid-job: the job is taken again after its lease and done once', async () => {
      await store.ds.query(`DELETE FROM job`);
      await store.queue.enqueue({ kind: 'work', key: 'crash-me' });
      const p = spawn(process.execPath, [worker, 'hang', db.url, 'doomed', '60000'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const claimed = await new Promise<string>((res) => p.stdout.on('data', (d) => res(String(d))));
      expect(claimed).toMatch(/^claimed \d+/);
      p.kill('SIGKILL');
      await new Promise((r) => p.on('close', r));
      expect(await store.queue.claim('survivor', 5, 60_000, ['work'])).toEqual([]); // still leased
      // A node whose clock is past the lease, rather than a test that sleeps through it.
      const later = await Store.open(db.url, { payloads: 'database', clock: () => new Date(Date.now() + 61_000) });
      try {
        const [job] = await later.queue.claim('survivor', 5, 60_000, ['work']);
        expect(job).toMatchObject({ key: 'crash-me', attempts: 2, claimedBy: 'survivor' });
        expect(await later.queue.complete(job)).toBe(true);
      } finally {
        await later.close();
      }
      expect(await store.ds.getRepository(JobRecord).findOneByOrFail({ key: 'crash-me' })).toMatchObject({
        status: 'done',
        attempts: 2,
      });
    }, 60_000);
  });
}
