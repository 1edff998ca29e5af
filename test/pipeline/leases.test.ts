/**
 * Jobs that outlive their lease, and jobs that kill their worker: the heartbeat keeps a working job's
 * lease, the fence keeps a holder that lost it from finishing it, and the crash guard dead-letters a
 * job whose every start ended with its worker dead. On a real store with a real clock.
 */
import { EventRecord, InterchangeRecord, JobRecord } from '../../src/store/entities';
import type { Job } from '../../src/store/queue';
import { intake } from '../../src/pipeline/intake';
import { Heartbeat } from '../../src/pipeline/heartbeat';
import type { Logger } from '../../src/pipeline/logger';
import { Workers } from '../../src/pipeline/worker';
import { DATABASES, describeOn } from '../helpers/databases';
import { type Harness, pipelineSuite, x12Interchange } from './support';
import { until } from '../helpers/until';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type RunFn = (this: Workers, job: Job) => Promise<void>;
const proto = Workers.prototype as unknown as { run: RunFn };

/** Runs jobs of kind `slow*` with `body`, every other kind as the workers would. */
function runSlowJobsWith(body: (job: Job) => Promise<void>): jest.SpyInstance {
  const original = proto.run;
  return jest.spyOn(proto, 'run').mockImplementation(function (this: Workers, job: Job) {
    return job.kind.startsWith('slow') ? body(job) : original.call(this, job);
  });
}

for (const kind of DATABASES) {
  describeOn(kind, `leases and crash loops on ${kind}`, () => {
    const it = pipelineSuite(
      kind,
      {
        'partners/acme.yaml': [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
          "routes: [{ match: { type: '850' }, to: erp }]",
          'endpoints: { erp: { file: { dir: out/erp } } }',
        ].join('\n'),
      },
      () => new Date(),
    );
    afterAll(() => jest.restoreAllMocks());
    const jobRow = (h: Harness, key: string) => h.store.ds.manager.findOneByOrFail(JobRecord, { key });

    it('a job that runs for more than twice its lease keeps it by heartbeat: no other worker takes it, and it completes once', async (h) => {
      const leaseMs = 1500;
      const runs: number[] = [];
      const completed: boolean[] = [];
      const spy = runSlowJobsWith(async (job) => {
        runs.push(job.id);
        await sleep(leaseMs * 2 + 500);
        completed.push(await h.store.queue.complete(job));
      });
      await h.store.queue.enqueue({ kind: 'slow', key: 'slow:1' });
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, leaseMs });
      workers.start();
      try {
        await until('the job to start', async () => runs.length === 1);
        const firstLease = (await jobRow(h, 'slow:1')).runAt.getTime();
        // Another worker, alive and claiming all along, never gets the job.
        const stolen: Job[] = [];
        while (completed.length === 0) {
          stolen.push(...(await h.store.queue.claim('intruder', 10, leaseMs, ['slow'])));
          await sleep(50);
        }
        expect(stolen).toEqual([]);
        expect(runs).toHaveLength(1);
        expect(completed).toEqual([true]);
        const row = await jobRow(h, 'slow:1');
        expect(row).toMatchObject({ status: 'done', attempts: 1, starts: 0 });
        // The lease did move on while it ran (the heartbeat), beyond the one it was claimed with.
        expect(row.runAt.getTime()).toBeGreaterThan(firstLease);
      } finally {
        expect(await workers.stop(5_000)).toBe(true);
        spy.mockRestore();
      }
    });

    it('a holder whose job was taken over learns it (its lease signal aborts), stops being renewed, and cannot complete it', async (h) => {
      const leaseMs = 1500;
      let held: Job | undefined;
      let release!: () => void;
      const released = new Promise<void>((r) => {
        release = r;
      });
      const spy = runSlowJobsWith(async (job) => {
        held = job;
        await released;
      });
      await h.store.queue.enqueue({ kind: 'slow-lost', key: 'slow-lost:1' });
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, leaseMs });
      workers.start();
      try {
        const job = await until('the job to start', async () => held);
        expect(job.lease?.aborted).toBe(false);
        // The holder is presumed dead (its lease made to run out, as a long stall would) and another worker takes the job.
        const thief = await until('another worker to take the job over', async () => {
          await h.store.ds.manager.update(JobRecord, { key: 'slow-lost:1' }, { runAt: new Date(Date.now() - 1000) });
          return (await h.store.queue.claim('thief', 1, 60_000, ['slow-lost']))[0];
        });
        expect(thief).toMatchObject({ id: job.id, attempts: 2, claimedBy: 'thief' });
        await until('the holder to learn it lost the lease', async () => job.lease?.aborted === true);
        expect(await h.store.queue.complete(job)).toBe(false);
        expect(await h.store.queue.complete(thief)).toBe(true);
        expect(await jobRow(h, 'slow-lost:1')).toMatchObject({ status: 'done', claimedBy: 'thief', attempts: 2 });
      } finally {
        release();
        expect(await workers.stop(5_000)).toBe(true);
        spy.mockRestore();
      }
    });

    it('a job its holder finished, retried or postponed before letting go of it is not reported as taken over', async (h) => {
      // A worker lets go of a batch's jobs when the whole batch is done: a beat in between finds the
      // first ones no longer running, which is no takeover.
      for (let i = 0; i < 3; i++) await h.store.queue.enqueue({ kind: 'held', key: `held:${i}` });
      const jobs = await h.store.queue.claim('holder', 3, 60_000, ['held']);
      expect(jobs).toHaveLength(3);
      const warn = jest.fn();
      const extend = jest.spyOn(h.store.queue, 'extend');
      const heartbeat = new Heartbeat(h.store.queue, 60_000, { warn } as unknown as Logger, 100);
      for (const job of jobs) heartbeat.hold(job);
      expect(await h.store.queue.complete(jobs[0])).toBe(true);
      expect(await h.store.queue.retry(jobs[1], 'failed once', 60_000)).toBe('retry');
      expect(await h.store.queue.postpone(jobs[2], 'waited', 60_000)).toBe(true);
      heartbeat.start();
      try {
        await until('a beat over the three', async () => extend.mock.calls.length >= 3);
      } finally {
        await heartbeat.stop();
        extend.mockRestore();
      }
      expect(warn).not.toHaveBeenCalled();
      expect(jobs.map((j) => j.lease?.aborted)).toEqual([false, false, false]);
    });

    it('an orderly stop that leaves a running job to its lease does not count that start as a crash', async (h) => {
      let release!: () => void;
      const released = new Promise<void>((r) => {
        release = r;
      });
      let started = false;
      const spy = runSlowJobsWith(async () => {
        started = true;
        await released;
      });
      await h.store.queue.enqueue({ kind: 'slow-stop', key: 'slow-stop:1' });
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, leaseMs: 30_000 });
      workers.start();
      try {
        await until('the job to start', async () => started);
        expect(await workers.stop(100)).toBe(false);
        // Still its worker's until the lease ends, but with no start held against it.
        expect(await jobRow(h, 'slow-stop:1')).toMatchObject({ status: 'running', attempts: 1, starts: 0 });
      } finally {
        release();
        spy.mockRestore();
      }
    });

    /** Takes a message in and lets `crashes` holders claim its process job and die with it. */
    async function crashed(h: Harness, control: number, crashes: number): Promise<string> {
      const { messageId } = await intake(h.ctx, {
        transport: 'file',
        partnerId: 'acme',
        bytes: Buffer.from(x12Interchange({ sender: 'ACME', control })),
        fileName: `crash-${control}.x12`,
      });
      for (let i = 0; i < crashes; i++) {
        const job = await until(
          'the process job',
          async () => (await h.store.queue.claim(`doomed-${i}`, 1, 1, ['process']))[0],
        );
        expect(job).toMatchObject({ messageId, starts: i + 1 });
        await sleep(10); // its 1 ms lease runs out: that holder is gone
      }
      return messageId;
    }

    it('a job whose every start killed its worker is dead-lettered, not run again: the message says why, with an event', async (h) => {
      const messageId = await crashed(h, 301, 3);
      const original = proto.run;
      const ran: Job[] = [];
      const spy = jest.spyOn(proto, 'run').mockImplementation(function (this: Workers, job: Job) {
        ran.push(job);
        return original.call(this, job);
      });
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, maxCrashes: 3 });
      workers.start();
      try {
        const row = await until('the job dead-lettered', async () => {
          const r = await jobRow(h, `${messageId}:process`);
          return r.status === 'dead' && r;
        });
        expect(row.lastError).toContain('stopped the worker 3 times');
        expect(row.lastError).toContain('EDIGW_JOB_CRASHED');
        expect(ran.filter((j) => j.messageId === messageId)).toEqual([]);
        const message = await h.store.message(messageId);
        expect(message).toMatchObject({ status: 'failed' });
        expect(message?.error).toContain('stopped the worker 3 times');
        const events = await h.store.ds.manager.findBy(EventRecord, { messageId, stage: 'dead-letter' });
        expect(events).toEqual([expect.objectContaining({ status: 'error', code: 'EDIGW_JOB_CRASHED' })]);
        expect(await h.store.ds.manager.countBy(InterchangeRecord, { messageId })).toBe(0);
      } finally {
        expect(await workers.stop(5_000)).toBe(true);
        spy.mockRestore();
      }
    });

    it('a job whose last worker died with it runs alone; the jobs claimed beside it are given back unstarted', async (h) => {
      const suspectId = await crashed(h, 303, 1);
      const { messageId: bystanderId } = await intake(h.ctx, {
        transport: 'file',
        partnerId: 'acme',
        bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 304 })),
        fileName: 'bystander.x12',
      });
      const original = proto.run;
      let running = 0;
      const besideSuspect: number[] = [];
      const spy = jest.spyOn(proto, 'run').mockImplementation(async function (this: Workers, job: Job) {
        running++;
        try {
          await sleep(50);
          if (job.messageId === suspectId) besideSuspect.push(running - 1);
          return await original.call(this, job);
        } finally {
          running--;
        }
      });
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, batch: 32, maxCrashes: 3 });
      workers.start();
      try {
        for (const id of [suspectId, bystanderId])
          await until('both messages processed', async () => (await h.store.message(id))?.status === 'processed');
        expect(besideSuspect).toEqual([0]);
        // The bystander's first claim was undone: one attempt, the one that ran it.
        expect(await jobRow(h, `${bystanderId}:process`)).toMatchObject({ status: 'done', attempts: 1, starts: 0 });
      } finally {
        expect(await workers.stop(5_000)).toBe(true);
        spy.mockRestore();
      }
    });

    it('a job that killed its worker fewer times than allowed runs again and is processed', async (h) => {
      const messageId = await crashed(h, 302, 2);
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, maxCrashes: 3 });
      workers.start();
      try {
        await until('the message processed', async () => (await h.store.message(messageId))?.status === 'processed');
        expect(await jobRow(h, `${messageId}:process`)).toMatchObject({ status: 'done', attempts: 3, starts: 0 });
      } finally {
        expect(await workers.stop(5_000)).toBe(true);
      }
    });

    it('a process job whose every attempt fails is dead-lettered with its message failed, an event and the last error', async (h) => {
      const { messageId } = await intake(h.ctx, {
        transport: 'file',
        partnerId: 'acme',
        bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 306 })),
        fileName: 'fails-306.x12',
      });
      await h.store.ds.manager.update(JobRecord, { key: `${messageId}:process` }, { maxAttempts: 2 });
      // An ordinary failure, thrown by the job at each attempt: no worker dies.
      const read = jest.spyOn(h.store, 'payload').mockRejectedValue(new Error('reading the payload: EIO'));
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, maxCrashes: 3 });
      workers.start();
      try {
        // The retry's backoff (2 s after the first attempt) is waited out, not shortened.
        const row = await until('the job dead-lettered', async () => {
          const r = await jobRow(h, `${messageId}:process`);
          return r.status === 'dead' && r;
        });
        expect(row.lastError).toContain('EDIGW_JOB_FAILED');
        expect(row.lastError).toContain('reading the payload: EIO');
        const message = await h.store.message(messageId);
        expect(message).toEqual(expect.objectContaining({ status: 'failed' }));
        expect(message?.error).toContain('attempt 2 of 2');
        const events = await h.store.ds.manager.findBy(EventRecord, { messageId, stage: 'dead-letter' });
        expect(events).toEqual([expect.objectContaining({ status: 'error', code: 'EDIGW_JOB_FAILED' })]);
        expect(read).toHaveBeenCalledTimes(2);
      } finally {
        read.mockRestore();
        expect(await workers.stop(5_000)).toBe(true);
      }
    });

    it('a job whose last attempt ended with its worker dead is dead-lettered with its message failed and an event, not silently', async (h) => {
      // Two attempts allowed; both holders died, fewer times than the crash guard counts (3).
      const { messageId } = await intake(h.ctx, {
        transport: 'file',
        partnerId: 'acme',
        bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 305 })),
        fileName: 'crash-305.x12',
      });
      await h.store.ds.manager.update(JobRecord, { key: `${messageId}:process` }, { maxAttempts: 2 });
      for (let i = 0; i < 2; i++) {
        await until('the process job', async () => (await h.store.queue.claim(`doomed-${i}`, 1, 1, ['process']))[0]);
        await sleep(10);
      }
      const workers = new Workers(h.ctx, { count: 1, idleMs: 20, maxCrashes: 3 });
      workers.start();
      try {
        const row = await until('the job dead-lettered', async () => {
          const r = await jobRow(h, `${messageId}:process`);
          return r.status === 'dead' && r;
        });
        expect(row.lastError).toContain('EDIGW_JOB_ABANDONED');
        const message = await until('the message failed', async () => {
          const m = await h.store.message(messageId);
          return m?.status === 'failed' && m;
        });
        expect(message.error).toContain('2 attempts');
        const events = await h.store.ds.manager.findBy(EventRecord, { messageId, stage: 'dead-letter' });
        expect(events).toEqual([expect.objectContaining({ status: 'error', code: 'EDIGW_JOB_ABANDONED' })]);
        expect(await h.store.ds.manager.countBy(InterchangeRecord, { messageId })).toBe(0);
      } finally {
        expect(await workers.stop(5_000)).toBe(true);
      }
    });
  });
}
