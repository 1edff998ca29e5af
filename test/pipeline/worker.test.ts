/** The workers of one process and the maintenance jobs, on a real store. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeliveryRecord, InterchangeRecord, JobRecord } from '../../src/store/entities';
import { intake } from '../../src/pipeline/intake';
import { runMaintenance, scheduleMaintenance } from '../../src/pipeline/maintenance';
import { sendDocument } from '../../src/pipeline/send';
import { Workers } from '../../src/pipeline/worker';
import { IntakeGate } from '../../src/pipeline/intake-gate';
import { DATABASES, describeOn } from '../helpers/databases';
import { manualClock, pipelineSuite, x12Interchange } from './support';
import { until } from '../helpers/until';

for (const kind of DATABASES) {
  describeOn(kind, `workers and maintenance on ${kind}`, () => {
    const time = manualClock();
    const it = pipelineSuite(
      kind,
      {
        'partners/acme.yaml': [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
          "acks: { x12: '997', to: acks, expectWithin: 1h }",
          "routes: [{ match: { type: '850' }, to: erp }]",
          'endpoints: { erp: { file: { dir: out/erp } }, acks: { file: { dir: out/acks } } }',
        ].join('\n'),
      },
      time.clock,
    );

    it('intake wakes the workers: the message is processed, its 997 and its order delivered; stop drains', async (h) => {
      const workers = new Workers(h.ctx, { count: 2, idleMs: 5_000, leaseMs: 30_000 });
      h.ctx.kick = () => workers.kick();
      workers.start();
      try {
        // Both loops are in their long idle pause: it was the kick, not the next poll, that started the work.
        await until('both workers idle', async () => workers.idle === 2);
        const { messageId, duplicate } = await intake(h.ctx, {
          transport: 'file',
          partnerId: 'acme',
          bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 11 })),
          fileName: 'po.x12',
        });
        expect(duplicate).toBe(false);
        await until('the message processed', async () => (await h.store.message(messageId))?.status === 'processed');
        await until(
          'both deliveries',
          async () => (await h.store.ds.manager.countBy(DeliveryRecord, { status: 'delivered' })) === 2,
        );
        expect(readdirSync(join(h.d.dir, 'out/erp'))).toHaveLength(1);
        expect(readdirSync(join(h.d.dir, 'out/acks'))).toHaveLength(1);
      } finally {
        expect(await workers.stop(5_000)).toBe(true);
      }
    });

    it('stop, or new work, arriving while a worker is claiming is not slept through', async (h) => {
      const workers = new Workers(h.ctx, { count: 1, idleMs: 60_000 });
      h.ctx.kick = () => workers.kick();
      const claim = h.store.queue.claim.bind(h.store.queue);
      const spy = jest.spyOn(h.store.queue, 'claim');
      let messageId: string | undefined;
      // The first claim finds nothing; while it runs, a message comes in and kicks.
      spy.mockImplementationOnce(async (...args) => {
        const jobs = await claim(...args);
        messageId = (
          await intake(h.ctx, {
            transport: 'file',
            partnerId: 'acme',
            bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 13 })),
            fileName: 'po.x12',
          })
        ).messageId;
        return jobs;
      });
      workers.start();
      try {
        await until(
          'the message processed long before the idle pause ends',
          async () => messageId !== undefined && (await h.store.message(messageId))?.status === 'processed',
        );
        let stopped: Promise<boolean> | undefined;
        spy.mockImplementationOnce(async (...args) => {
          const jobs = await claim(...args);
          stopped = workers.stop(3_000);
          return jobs;
        });
        workers.kick();
        await until('stop to be called', async () => stopped !== undefined);
        expect(await stopped).toBe(true);
      } finally {
        spy.mockRestore();
        await workers.stop(3_000);
      }
    });

    it('while intake is busy in this process, workers claim one job at a time; the full batch once it quiets', async (h) => {
      const gate = new IntakeGate({ quietMs: 30 });
      const ctx = { ...h.ctx, intakeGate: gate };
      const limits: number[] = [];
      const claim = h.store.queue.claim.bind(h.store.queue);
      const spy = jest.spyOn(h.store.queue, 'claim').mockImplementation((worker, limit, ...rest) => {
        limits.push(limit ?? 1);
        return claim(worker, limit, ...rest);
      });
      const workers = new Workers(ctx, { count: 1, idleMs: 20, batch: 32 });
      let finish!: () => void;
      const held = gate.run(
        () =>
          new Promise<void>((r) => {
            finish = r;
          }),
      );
      try {
        for (let i = 0; i < 3; i++)
          await intake(h.ctx, {
            transport: 'file',
            partnerId: 'acme',
            bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 40 + i })),
            fileName: `busy-${i}.x12`,
          });
        workers.start();
        await until('three claims while intake is busy', async () => limits.length >= 3);
        expect(limits.slice(0, 3)).toEqual([1, 1, 1]);
        finish();
        await held;
        const before = limits.length;
        await until('a claim after intake quieted', async () => limits.slice(before).includes(32));
      } finally {
        finish();
        expect(await workers.stop(5_000)).toBe(true);
        spy.mockRestore();
      }
    });

    it('under busy intake each loop pauses for all the loops: processing keeps one fifth of the thread, not one fifth per loop', async (h) => {
      const gate = new IntakeGate({ quietMs: 10_000, maxPauseMs: 50 });
      const ctx = { ...h.ctx, intakeGate: gate };
      const pauses: number[] = [];
      const yieldTo = gate.yieldTo.bind(gate);
      const gateSpy = jest.spyOn(gate, 'yieldTo').mockImplementation((batchMs) => {
        pauses.push(batchMs);
        return yieldTo(batchMs);
      });
      // Each job takes at least 40 ms, so a batch of one does too.
      const runSpy = jest
        .spyOn(Workers.prototype as unknown as { run(j: unknown): Promise<void> }, 'run')
        .mockImplementation(() => new Promise((r) => setTimeout(r, 40)));
      const workers = new Workers(ctx, { count: 2, idleMs: 20, batch: 32 });
      let finish!: () => void;
      const held = gate.run(
        () =>
          new Promise<void>((r) => {
            finish = r;
          }),
      );
      try {
        for (let i = 0; i < 4; i++)
          await intake(h.ctx, {
            transport: 'file',
            partnerId: 'acme',
            bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 60 + i })),
            fileName: `share-${i}.x12`,
          });
        workers.start();
        await until('two pauses', async () => pauses.length >= 2);
        // Two loops × a batch of at least ~40 ms (timers may fire a little early); one loop's share alone would be ~40.
        for (const p of pauses) expect(p).toBeGreaterThanOrEqual(2 * 35);
      } finally {
        finish();
        await held;
        expect(await workers.stop(5_000)).toBe(true);
        runSpy.mockRestore();
        gateSpy.mockRestore();
      }
    });

    it('an idle worker keeps no ended pause: with no kick (a worker process, a quiet gateway) nothing accumulates', async (h) => {
      const workers = new Workers(h.ctx, { count: 2, idleMs: 5 });
      workers.start();
      try {
        // Dozens of idle pauses end by their timers; at most the two loops are in one now.
        await new Promise((r) => setTimeout(r, 300));
        expect(workers.idle).toBeLessThanOrEqual(2);
      } finally {
        await workers.stop(5_000);
      }
    });

    it('a job of a kind no worker handles is dead-lettered, saying so', async (h) => {
      await h.store.queue.enqueue({ kind: 'mystery', key: 'mystery:1' });
      const workers = new Workers(h.ctx, { count: 1, idleMs: 10 });
      workers.start();
      try {
        const job = await until('the dead job', async () => {
          const j = await h.store.ds.manager.findOneByOrFail(JobRecord, { key: 'mystery:1' });
          return j.status === 'dead' && j;
        });
        expect(job.lastError).toBe('no worker handles jobs of kind mystery');
      } finally {
        await workers.stop(5_000);
      }
    });

    it('maintenance: one job per task and time slot, however many processes schedule it; overdue acks are flagged', async (h) => {
      await sendDocument(h.ctx, {
        partnerId: 'acme',
        endpoint: 'erp',
        bytes: Buffer.from(x12Interchange({ sender: 'OURCOMPANY', receiver: 'ACME', control: 12 })),
      });
      const sent = await h.store.ds.manager.findOneByOrFail(InterchangeRecord, {
        direction: 'out',
        controlNumber: '000000012',
      });
      expect(sent.ackStatus).toBe('expected');

      time.advance(60 * 60_000 + 1);
      await scheduleMaintenance(h.ctx);
      await scheduleMaintenance(h.ctx);
      const slot = Math.floor(time.clock().getTime() / 60_000);
      const jobs = await h.store.ds.manager.findBy(JobRecord, { kind: 'maintenance' });
      expect(jobs.map((j) => j.key)).toEqual([`maintenance:overdue-acks:${slot}`]);

      const job = await h.store.queue.claimKey(`maintenance:overdue-acks:${slot}`, 'w');
      await runMaintenance(h.ctx, job!);
      expect(await h.store.ds.manager.findOneByOrFail(InterchangeRecord, { id: sent.id })).toMatchObject({
        ackStatus: 'overdue',
      });
      expect(
        await h.store.ds.manager.findOneByOrFail(JobRecord, { key: `maintenance:overdue-acks:${slot}` }),
      ).toMatchObject({ status: 'done' });

      time.advance(60_000);
      await scheduleMaintenance(h.ctx);
      expect(await h.store.ds.manager.countBy(JobRecord, { kind: 'maintenance' })).toBe(2);
    });
  });
}
