/**
 * Small files' `process` jobs recorded several to one transaction (issue 17): one commit for the
 * batch, each job still done whole or not at all. The real store; the database itself refuses a row
 * (a trigger) where a test needs one job of a batch to fail.
 */
import type { EntitySubscriberInterface } from 'typeorm';
import { processTogether } from '../../src/pipeline/process';
import { Workers } from '../../src/pipeline/worker';
import { DeliveryRecord, InterchangeRecord, JobRecord, MessageRecord } from '../../src/store/entities';
import type { Job } from '../../src/store/queue';
import { DATABASES, describeOn, testWith } from '../helpers/databases';
import {
  type Deployment,
  deployment,
  type Harness,
  manualClock,
  order850,
  pipelineContext,
  x12Interchange,
} from './support';
import { until } from '../helpers/until';

const ACME = [
  'id: acme',
  'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
  "acks: { x12: '997', to: acks }",
  "routes: [{ match: { type: '850' }, to: erp }]",
  'endpoints: { erp: { file: { dir: out/erp } }, acks: { file: { dir: out/acks } } }',
].join('\n');

for (const kind of DATABASES) {
  describeOn(kind, `process jobs of small files together (${kind})`, () => {
    let d: Deployment;
    let h: Harness | undefined;
    const time = manualClock(new Date(Date.now() + 60_000).toISOString());

    beforeEach(async () => {
      d = deployment({ 'partners/acme.yaml': ACME });
      h = await pipelineContext(d, kind, time.clock);
    });
    afterEach(async () => {
      await h?.close();
      d?.remove();
    });
    const it = testWith(() => h);

    /** Receives one file per control number, each an interchange of two 850s, and claims their jobs. */
    async function receiveAndClaim(h: Harness, controls: number[]): Promise<Job[]> {
      for (const control of controls)
        await h.store.receive({
          direction: 'in',
          transport: 'file',
          partnerId: 'acme',
          fileName: `po-${control}.x12`,
          bytes: Buffer.from(
            x12Interchange({
              sender: 'ACME',
              control,
              bodies: [order850(`PO-${control}`), order850(`PO-${control}b`)],
            }),
          ),
        });
      const jobs = await h.store.queue.claim('test', 32, 60_000);
      expect(jobs.map((j) => j.kind)).toEqual(controls.map(() => 'process'));
      return jobs;
    }

    function countCommits(h: Harness): { commits: number } {
      const seen = { commits: 0 };
      const subscriber: EntitySubscriberInterface = {
        beforeTransactionCommit: () => {
          seen.commits++;
        },
      };
      h.store.ds.subscribers.push(subscriber);
      return seen;
    }

    /** Refuses the insert of one interchange, by its control number, as a full disk or a constraint would. */
    async function refuseInterchange(h: Harness, control: string): Promise<void> {
      const when = `NEW.controlNumber = '${control}'`;
      if (kind === 'sqlite')
        await h.store.ds.query(
          `CREATE TRIGGER refuse_ic BEFORE INSERT ON interchange WHEN ${when} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
        );
      else
        await h.store.ds.query(
          `CREATE TRIGGER refuse_ic BEFORE INSERT ON interchange FOR EACH ROW BEGIN IF ${when} THEN SIGNAL SQLSTATE '45000' ` +
            `SET MESSAGE_TEXT = 'refused by the test'; END IF; END`,
        );
    }

    it('five small files are recorded, acknowledged and queued in one commit, each job done', async (h) => {
      const jobs = await receiveAndClaim(h, [101, 102, 103, 104, 105]);
      const seen = countCommits(h);
      expect(await processTogether(h.ctx, jobs)).toEqual([]);
      expect(seen.commits).toBe(1);
      const done = await h.store.ds.manager.findBy(JobRecord, { kind: 'process' });
      expect(done.map((j) => j.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
      const ics = await h.store.ds.manager.findBy(InterchangeRecord, { direction: 'in' });
      expect(ics.map((i) => i.controlNumber).sort()).toEqual([
        '000000101',
        '000000102',
        '000000103',
        '000000104',
        '000000105',
      ]);
      // Per file: one 997 and two mapped orders, each with its delivery job.
      expect(await h.store.ds.manager.countBy(DeliveryRecord, { endpoint: 'acks' })).toBe(5);
      expect(await h.store.ds.manager.countBy(DeliveryRecord, { endpoint: 'erp' })).toBe(10);
      expect(await h.store.ds.manager.countBy(JobRecord, { kind: 'deliver', status: 'queued' })).toBe(15);
      const messages = await h.store.ds.manager.findBy(MessageRecord, { direction: 'in' });
      expect(messages.map((m) => m.status)).toEqual(['processed', 'processed', 'processed', 'processed', 'processed']);
    });

    it('a batch with a failing job commits nothing of any job and gives them all back to run alone', async (h) => {
      const jobs = await receiveAndClaim(h, [201, 202, 203]);
      await refuseInterchange(h, '000000202');
      const seen = countCommits(h);
      expect((await processTogether(h.ctx, jobs)).map((j) => j.id)).toEqual(jobs.map((j) => j.id));
      expect(seen.commits).toBe(0);
      expect(await h.store.ds.manager.countBy(InterchangeRecord, { direction: 'in' })).toBe(0);
      expect(await h.store.ds.manager.countBy(DeliveryRecord, {})).toBe(0);
      const still = await h.store.ds.manager.findBy(JobRecord, { kind: 'process' });
      expect(still.map((j) => j.status)).toEqual(['running', 'running', 'running']);
    });

    it('workers: the failing job of a batch goes back to the queue, the others are processed alone', async (h) => {
      await refuseInterchange(h, '000000302');
      for (const control of [301, 302, 303, 304])
        await h.store.receive({
          direction: 'in',
          transport: 'file',
          partnerId: 'acme',
          fileName: `po-${control}.x12`,
          bytes: Buffer.from(x12Interchange({ sender: 'ACME', control })),
        });
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, together: 16 });
      workers.start();
      try {
        await until('the three good files processed and the bad one given back', async () => {
          const jobs = await h.store.ds.manager.findBy(JobRecord, { kind: 'process' });
          return (
            jobs.filter((j) => j.status === 'done').length === 3 &&
            jobs.some((j) => j.status === 'queued' && j.attempts === 1)
          );
        });
      } finally {
        await workers.stop();
      }
      const ics = await h.store.ds.manager.findBy(InterchangeRecord, { direction: 'in' });
      expect(ics.map((i) => i.controlNumber).sort()).toEqual(['000000301', '000000303', '000000304']);
      const bad = await h.store.ds.manager.findOneByOrFail(MessageRecord, { fileName: 'po-302.x12' });
      const badJob = await h.store.ds.manager.findOneByOrFail(JobRecord, { messageId: bad.id, kind: 'process' });
      expect(badJob.lastError).toContain('refused by the test');
      // Nothing of it was queued: no 997, no order for it.
      expect(await h.store.ds.manager.countBy(DeliveryRecord, { endpoint: 'acks' })).toBe(3);
    });
  });
}
