/**
 * The process step on a large payload: streamed through the parser and recorded in batches, with
 * memory bounded by the batch and the largest transaction set (not the file); a job retaken after a
 * crash between batches records every transaction set once and sends each ack and document once;
 * and a raw route's one delivery settles every transaction set of the interchange it carried.
 */
import { execFile } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  AckRecord,
  DeliveryRecord,
  InterchangeRecord,
  JobRecord,
  MessageRecord,
  TransactionRecord,
} from '../../src/store/entities';
import { deadLetterCrashLoop } from '../../src/pipeline/crash-guard';
import { deliverJob, replayDelivery, Senders } from '../../src/pipeline/deliver';
import { processMessage } from '../../src/pipeline/process';
import type { StreamOptions } from '../../src/pipeline/process-stream';
import { DATABASES, describeOn, freshDatabase } from '../helpers/databases';
import { deployment, type Harness, manualClock, order850, pipelineSuite, x12Interchange } from './support';

const run = promisify(execFile);

const PARTNERS = {
  'partners/acme.yaml': [
    'id: acme',
    'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
    "acks: { x12: '997', ta1: on-error, to: acks }",
    'tracking: { po: BEG.BEG03 }',
    "routes: [{ match: { type: '850' }, format: json, to: erp }]",
    'endpoints: { erp: { file: { dir: out/erp } }, acks: { file: { dir: out/acks } } }',
  ].join('\n'),
  // Raw: the interchange goes on as it came, once, for all its transaction sets.
  'partners/rawco.yaml': [
    'id: rawco',
    'identifiers: { x12: [{ qualifier: ZZ, id: RAWCO }] }',
    "routes: [{ match: { type: '850' }, format: raw, to: archive }]",
    'endpoints: { archive: { file: { dir: out/raw } } }',
  ].join('\n'),
  // The large file's sender: acknowledged, and archived raw (one copy of each interchange, in pieces).
  'partners/bulk.yaml': [
    'id: bulk',
    'identifiers: { x12: [{ qualifier: ZZ, id: BULK }] }',
    "acks: { x12: '997', to: acks }",
    "routes: [{ match: { type: '850' }, format: raw, to: archive }]",
    'endpoints: { archive: { file: { dir: out/bulk } }, acks: { file: { dir: out/bulk-acks } } }',
  ].join('\n'),
  // Its archive folder is a file, so nothing can be written there: every attempt fails.
  'out/blocked': 'in the way\n',
  'partners/rawfail.yaml': [
    'id: rawfail',
    'identifiers: { x12: [{ qualifier: ZZ, id: RAWFAIL }] }',
    "routes: [{ match: { type: '850' }, format: raw, to: archive }]",
    'endpoints: { archive: { file: { dir: out/blocked/raw } } }',
  ].join('\n'),
};

/** Whole payloads (one transaction) and streamed ones (batches of two transaction sets) must record the same. */
const MODES: Array<[string, StreamOptions]> = [
  ['whole', {}],
  ['streamed', { streamFrom: 0, batchTransactions: 2 }],
];

for (const kind of DATABASES) {
  describeOn(kind, `streamed process job on ${kind}`, () => {
    const time = manualClock();
    const it = pipelineSuite(kind, PARTNERS, time.clock);

    const rows = (h: Harness) => h.store.ds.manager;
    const receive = async (h: Harness, text: string) =>
      (
        await h.store.receive({
          direction: 'in',
          transport: 'file',
          bytes: Buffer.from(text, 'latin1'),
          fileName: 'in.x12',
        })
      ).message.id;
    const claim = async (h: Harness, key: string, worker = 'w1') => {
      const job = await h.store.queue.claimKey(key, worker, 60_000);
      if (!job) throw new Error(`no queued job ${key}`);
      return job;
    };
    /** The job again once its lease ran out, as another worker takes it after a crash. */
    const retake = async (h: Harness, messageId: string, worker: string) => {
      const job = (await h.store.queue.claim(worker, 10, 60_000, ['process'])).find((j) => j.messageId === messageId);
      if (!job) throw new Error(`the process job of ${messageId} could not be taken again`);
      return job;
    };
    const transactionsOf = (h: Harness, messageId: string) =>
      rows(h).find(TransactionRecord, { where: { messageId }, order: { byteOffset: 'ASC' } });
    const deliverAll = async (h: Harness, messageId: string) => {
      for (const tx of await transactionsOf(h, messageId)) {
        for (const dl of await rows(h).findBy(DeliveryRecord, { transactionId: tx.id })) {
          const job = await h.store.queue.claimKey(`deliver:${dl.id}`, 'w');
          if (job) await deliverJob(h.ctx, job, new Senders(h.ctx));
        }
      }
    };

    it('a job retaken after crashes between batches records every transaction set once and queues each ack and document once', async (h) => {
      const text =
        x12Interchange({ sender: 'ACME', control: 9001, pos: ['A1', 'A2', 'A3', 'A4', 'A5'] }) +
        x12Interchange({
          sender: 'ACME',
          control: 9002,
          bodies: [order850('B1'), ['BEG*00*SA*B2**20240102', 'CTT*1'], order850('B3')],
        }) +
        x12Interchange({ sender: 'ACME', control: 9003, pos: ['C1'] });
      const id = await receive(h, text);
      const key = `${id}:process`;
      const crash = (after: number): StreamOptions => ({
        streamFrom: 0,
        batchTransactions: 2,
        afterBatch: (n) => {
          if (n === after) throw new Error('killed');
        },
      });

      // Killed after its first batch (inside the first interchange), then after the retake's second batch.
      await expect(processMessage(h.ctx, await claim(h, key, 'w1'), crash(1))).rejects.toThrow('killed');
      time.advance(120_000);
      await expect(processMessage(h.ctx, await retake(h, id, 'w2'), crash(2))).rejects.toThrow('killed');
      time.advance(120_000);
      const last = await retake(h, id, 'w3');
      expect(last.attempts).toBe(3);
      await processMessage(h.ctx, last, { streamFrom: 0, batchTransactions: 2 });

      expect(await rows(h).findOneByOrFail(MessageRecord, { id })).toMatchObject({
        status: 'partial',
        partnerId: 'acme',
        error: '1 of 3 interchange(s) with transaction sets rejected',
      });
      expect(await rows(h).findOneByOrFail(JobRecord, { key })).toMatchObject({ status: 'done' });
      const ics = await rows(h).find(InterchangeRecord, { where: { messageId: id }, order: { byteOffset: 'ASC' } });
      expect(ics.map((i) => [i.controlNumber, i.ackStatus, i.validation])).toEqual([
        ['000009001', 'A', 'valid'],
        ['000009002', 'P', 'invalid'],
        ['000009003', 'A', 'valid'],
      ]);
      const txs = await transactionsOf(h, id);
      expect(txs.map((t) => t.reference)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'B1', 'B2', 'B3', 'C1']);
      expect(txs.map((t) => t.deliveryStatus)).toEqual([
        'pending',
        'pending',
        'pending',
        'pending',
        'pending',
        'pending',
        'rejected',
        'pending',
        'pending',
      ]);
      expect(txs.map((t) => t.ackStatus)).toEqual(['A', 'A', 'A', 'A', 'A', 'A', 'R', 'A', 'A']);
      for (const tx of txs)
        expect(await rows(h).countBy(DeliveryRecord, { transactionId: tx.id })).toBe(
          tx.deliveryStatus === 'pending' ? 1 : 0,
        );
      const acks = await rows(h).find(AckRecord, {
        where: { direction: 'out', partnerId: 'acme' },
        order: { interchangeControlNumber: 'ASC' },
      });
      expect(
        acks
          .filter((a) => ics.some((i) => i.id === a.acknowledgesInterchangeId))
          .map((a) => [a.kind, a.interchangeControlNumber, a.status]),
      ).toEqual([
        ['997', '000009001', 'A'],
        ['997', '000009002', 'P'],
        ['997', '000009003', 'A'],
      ]);
      const groups = await rows(h).query(
        `SELECT transactionCount FROM functional_group WHERE interchangeId IN (${ics.map(() => '?').join(',')}) ORDER BY transactionCount`,
        ics.map((i) => i.id),
      );
      expect(groups.map((g: { transactionCount: number | string }) => Number(g.transactionCount))).toEqual([1, 3, 5]);
      // Each document and each ack has its one deliver job (no retake queued one twice).
      expect(await rows(h).countBy(JobRecord, { kind: 'deliver' })).toBe(8 + 3);
    });

    for (const [mode, opts] of MODES) {
      it(`${mode}: refused content is logged at warn once committed, with its reason and the ids that find it`, async (h) => {
        const lines: Array<{ msg: string; fields: Record<string, unknown> }> = [];
        const logger = h.ctx.logger;
        h.ctx.logger = {
          ...logger,
          warn: (fields: Record<string, unknown>, msg: string) => lines.push({ msg, fields }),
        } as typeof logger;
        try {
          const control = mode === 'whole' ? 9301 : 9302;
          const stranger = await receive(h, x12Interchange({ sender: 'NOBODY', control }));
          await processMessage(h.ctx, await claim(h, `${stranger}:process`), opts);
          const refused = lines.find((l) => l.msg === 'interchange refused' && l.fields.messageId === stranger);
          expect(refused?.fields).toMatchObject({ interchange: `00000${control}`, sender: 'ZZ/NOBODY' });
          expect(String(refused?.fields.reason)).toMatch(/NOBODY/);

          const mixed = await receive(
            h,
            x12Interchange({ sender: 'ACME', control: control + 10, bodies: [order850('OK-1'), ['BEG*00*SA']] }),
          );
          await processMessage(h.ctx, await claim(h, `${mixed}:process`), opts);
          const sets = lines.find((l) => l.msg === 'transaction sets refused' && l.fields.messageId === mixed);
          expect(sets?.fields).toMatchObject({ partner: 'acme', rejected: 1, of: 2, duplicate: false });
          expect(sets?.fields.sets).toEqual([
            { type: '850', control: '0002', reason: expect.stringMatching(/PO1.*missing/) },
          ]);
        } finally {
          h.ctx.logger = logger;
        }
      });

      it(`${mode}: a raw route delivers the interchange once, and every transaction set it carried is delivered with it`, async (h) => {
        const control = mode === 'whole' ? 9101 : 9102;
        const id = await receive(h, x12Interchange({ sender: 'RAWCO', control, pos: ['R1', 'R2', 'R3'] }));
        await processMessage(h.ctx, await claim(h, `${id}:process`), opts);
        const before = await transactionsOf(h, id);
        expect(before.map((t) => [t.route, t.deliveryStatus])).toEqual([
          ['rawco/archive', 'pending'],
          ['rawco/archive', 'pending'],
          ['rawco/archive', 'pending'],
        ]);
        const deliveries = await rows(h).findBy(DeliveryRecord, { transactionId: before[0].id });
        expect(deliveries).toHaveLength(1);
        expect(await rows(h).countBy(DeliveryRecord, { transactionId: before[1].id })).toBe(0);
        const out = await h.store.payload(
          (await rows(h).findOneByOrFail(MessageRecord, { id: deliveries[0].messageId })).sha256,
        );
        expect(out.toString('latin1')).toBe(
          x12Interchange({ sender: 'RAWCO', control, pos: ['R1', 'R2', 'R3'] }).trimEnd(),
        );

        await deliverAll(h, id);
        expect((await transactionsOf(h, id)).map((t) => t.deliveryStatus)).toEqual([
          'delivered',
          'delivered',
          'delivered',
        ]);
        expect((await transactionsOf(h, id)).every((t) => t.deliveredAt !== null)).toBe(true);
      });

      it(
        `${mode}: a raw interchange whose delivery is dead-lettered marks every transaction set it carried dead, ` +
          `and a replay makes them pending`,
        async (h) => {
          const control = mode === 'whole' ? 9201 : 9202;
          const id = await receive(h, x12Interchange({ sender: 'RAWFAIL', control, pos: ['F1', 'F2'] }));
          await processMessage(h.ctx, await claim(h, `${id}:process`), opts);
          for (let attempt = 0; attempt < 3; attempt++) {
            await deliverAll(h, id);
            time.advance(60_000);
          }
          const txs = await transactionsOf(h, id);
          expect(txs.map((t) => t.deliveryStatus)).toEqual(['dead', 'dead']);
          const [dl] = await rows(h).findBy(DeliveryRecord, { transactionId: txs[0].id });
          await replayDelivery(h.ctx, dl.id);
          expect((await transactionsOf(h, id)).map((t) => t.deliveryStatus)).toEqual(['pending', 'pending']);
        },
      );

      it(`${mode}: a raw interchange whose delivery job keeps killing its worker is dead for every transaction set it carried`, async (h) => {
        const control = mode === 'whole' ? 9301 : 9302;
        const id = await receive(h, x12Interchange({ sender: 'RAWCO', control, pos: ['K1', 'K2', 'K3'] }));
        await processMessage(h.ctx, await claim(h, `${id}:process`), opts);
        const [first] = await transactionsOf(h, id);
        const [dl] = await rows(h).findBy(DeliveryRecord, { transactionId: first.id });
        // The fourth start of a job whose three holders died on it, as the worker's claim sees it.
        const job = await claim(h, `deliver:${dl.id}`);
        await rows(h).update(JobRecord, { id: job.id }, { starts: 4 });
        expect(await deadLetterCrashLoop(h.ctx, { ...job, starts: 4 })).toBe(true);
        expect((await transactionsOf(h, id)).map((t) => t.deliveryStatus)).toEqual(['dead', 'dead', 'dead']);
        expect(await rows(h).findOneByOrFail(DeliveryRecord, { id: dl.id })).toMatchObject({ status: 'dead' });
      });
    }
  });
}

describe('streamed process job on a large file', () => {
  test('35 MB of 850s is processed by the real step within a heap cap a whole-file parse could not live in', async () => {
    const db = await freshDatabase('sqlite');
    const d = deployment(PARTNERS);
    try {
      // Large transaction sets (~180 KB, 5,000 lines each) among small ones, in two interchanges.
      const file = join(d.dir, 'large.x12');
      const fd = openSync(file, 'w');
      let count = 0;
      for (const control of [1, 2]) {
        const bodies: string[][] = [];
        for (let i = 0; i < 110; i++) bodies.push(order850(`P${control}-${i}`, i % 10 === 0 ? 50 : 5_000));
        count += bodies.length;
        writeSync(fd, x12Interchange({ sender: 'BULK', control, bodies }));
      }
      closeSync(fd);
      const size = (await import('node:fs')).statSync(file).size;
      expect(size).toBeGreaterThan(30 * 1024 * 1024);

      // The whole-file parse takes about 20 times the file in heap: 128 MB could not hold it.
      const { stdout } = await run(
        process.execPath,
        [
          '--max-old-space-size=128',
          '--expose-gc',
          resolve(__dirname, '..', 'helpers', 'process-large.js'),
          d.dir,
          db.url,
          file,
        ],
        { maxBuffer: 1 << 20 },
      );
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
        status: string;
        transactions: number;
        acks: number;
        deliveries: number;
        batches: number;
        heapBefore: number;
        heapMax: number;
        buffersBefore: number;
        buffersMax: number;
        rssBefore: number;
        rssPeak: number;
      };
      expect(r).toMatchObject({ status: 'processed', transactions: count });
      expect(r.batches).toBeGreaterThan(5);
      // What the step keeps between batches is its progress, not what it read: the heap cap above bounds the peak.
      process.stdout.write(`large file: ${JSON.stringify({ size, ...r })}\n`);
      expect(r.heapMax - r.heapBefore).toBeLessThan(size / 4);
      // Off the heap: a step that kept the file (or a large part of it) in a Buffer would show here.
      expect(r.buffersMax - r.buffersBefore).toBeLessThan(size / 4);
      // The process as a whole, loose on purpose: RSS also holds the young generation, SQLite's page cache and
      // code, and the collector decides when it returns pages (CI once saw 2.1 times the file on a loaded machine).
      // A whole-file parse takes about 20 times the file.
      expect(r.rssPeak - r.rssBefore).toBeLessThan(size * 4);
      // One 997 and one raw copy per interchange.
      expect(r).toMatchObject({ acks: 2, deliveries: 4 });
    } finally {
      d.remove();
      await db.drop();
    }
  }, 600_000);
});
