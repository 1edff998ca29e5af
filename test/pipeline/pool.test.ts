/**
 * MariaDB connection pool under load (issue 13 §1): queued work must drain with a pool smaller than
 * the jobs claimed, and a wait for a connection or a lock is bounded, said, and retried.
 */
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { EntityManager } from 'typeorm';
import { GatewayError } from '../../src/errors';
import { createAdminApp, listenAdmin } from '../../src/admin/server';
import { JobRecord, MessageRecord } from '../../src/store/entities';
import { intake } from '../../src/pipeline/intake';
import { processMessage } from '../../src/pipeline/process';
import type { Logger } from '../../src/pipeline/logger';
import { Workers } from '../../src/pipeline/worker';
import { Store } from '../../src/store/store';
import type { PipelineContext } from '../../src/pipeline/context';
import { describeOn, freshDatabase, type TestDatabase } from '../helpers/databases';
import { type Deployment, deployment, pipelineView, x12Interchange } from './support';
import { until } from '../helpers/until';

const PARTNER = [
  'id: acme',
  'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
  "acks: { x12: '997', to: acks }",
  "routes: [{ match: { type: '850' }, to: erp }]",
  'endpoints: { erp: { file: { dir: out/erp } }, acks: { file: { dir: out/acks } } }',
].join('\n');

/** Holds every connection of the store's pool in open transactions until the returned function is called. */
async function exhaust(store: Store): Promise<() => Promise<void>> {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const size = store.pool()!.size;
  const held = Promise.all(
    Array.from({ length: size }, () =>
      store.transaction(async (m: EntityManager) => {
        await m.query('SELECT 1');
        await gate;
      }),
    ),
  );
  await until('every pooled connection taken', async () => store.pool()!.busy === size, 10_000);
  return async () => {
    release();
    await held;
  };
}

/** A logger that keeps what it is told. */
function capture() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    lines.push({ level, obj, msg });
  };
  const logger = {
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    child: () => logger,
  } as unknown as Logger;
  return { lines, logger };
}

describeOn('mariadb', 'MariaDB pool', () => {
  let d: Deployment;
  let db: TestDatabase | undefined;
  let store: Store | undefined;

  beforeAll(async () => {
    d = deployment({ 'partners/acme.yaml': PARTNER });
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await db?.drop();
    db = undefined;
  });
  afterAll(() => d?.remove());

  async function open(pool: {
    size?: number;
    acquireTimeoutMs?: number;
    lockWaitTimeoutS?: number;
  }): Promise<PipelineContext> {
    db = await freshDatabase('mariadb');
    store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads'), pool });
    await store.migrate();
    return { ...pipelineView(d, () => new Date()), store };
  }

  test('a restart with many queued process jobs and no control-number rows yet drains with a pool smaller than the batch', async () => {
    const ctx = await open({ size: 4 });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push(
        (
          await intake(ctx, {
            transport: 'http',
            partnerId: 'acme',
            bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 100 + i })),
            fileName: `po-${i}.x12`,
          })
        ).messageId,
      );
    }
    // A fresh process: every job of the first batch allocates the partner's first ISA control number.
    const workers = new Workers(ctx, { count: 2, batch: 32, idleMs: 50 });
    ctx.kick = () => workers.kick();
    workers.start();
    try {
      await until(
        'all 40 messages processed',
        async () =>
          (await ctx.store.ds.manager.countBy(MessageRecord, { direction: 'in', status: 'processed' })) === 40,
        45_000,
      );
    } finally {
      await workers.stop(5_000);
    }
    const numbers: Array<{ value: number }> = await ctx.store.ds.query(
      "SELECT value FROM control_number WHERE scope = 'acme' AND kind = 'isa'",
    );
    expect(Number(numbers[0].value)).toBe(40);
  }, 60_000);

  test('with every connection taken, a job fails as retry within the bound, saying what it waited for; the worker log says so too', async () => {
    const ctx = await open({ size: 2, acquireTimeoutMs: 300 });
    const { messageId } = await intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 7 })),
      fileName: 'po.x12',
    });
    const [job] = await ctx.store.queue.claim('test', 1);
    const release = await exhaust(ctx.store);
    const { lines, logger } = capture();
    const workers = new Workers({ ...ctx, logger }, { count: 1, idleMs: 50 });
    try {
      const failed = await processMessage(ctx, job).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failed).toBeInstanceOf(GatewayError);
      expect(failed).toMatchObject({ code: 'EDIGW_DB_POOL_TIMEOUT', kind: 'retry' });
      expect((failed as GatewayError).describe()).toMatch(
        /waiting 300 ms for a database connection \(all 2 of the pool in use/,
      );
      // A worker that cannot even claim says why, and keeps going.
      workers.start();
      const line = await until('a log line', async () => lines.find((l) => l.level === 'error'), 10_000);
      expect(String(line.obj.err)).toMatch(/waiting 300 ms for a database connection/);
    } finally {
      await release();
      await workers.stop(5_000);
    }
    // Nothing was half done, and the pool is whole again: the job runs once connections are free.
    expect((await ctx.store.message(messageId))?.status).toBe('received');
    expect(ctx.store.pool()).toMatchObject({ busy: 0, waiting: 0 });
    expect(await ctx.store.queue.retry(job, 'the pool was exhausted', 0)).toBe('retry');
    const again = new Workers(ctx, { count: 1, idleMs: 50 });
    again.start();
    try {
      await until(
        'the job retaken and done',
        async () => (await ctx.store.ds.manager.findOneByOrFail(JobRecord, { id: String(job.id) })).status === 'done',
        20_000,
      );
    } finally {
      await again.stop(5_000);
    }
    expect((await ctx.store.message(messageId))?.status).toBe('processed');
  });

  test('a row lock held past innodb_lock_wait_timeout fails the job as retry, rolled back, its connection released', async () => {
    const ctx = await open({ size: 3, lockWaitTimeoutS: 1 });
    const { messageId } = await intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 8 })),
      fileName: 'po.x12',
    });
    const [job] = await ctx.store.queue.claim('test', 1);
    // Another node, mid-transaction, holding the partner's control-number row.
    const other = await createConnection({ uri: db!.url });
    try {
      await other.query('START TRANSACTION');
      await other.query("INSERT INTO control_number (scope, kind, value, updatedAt) VALUES ('acme', 'isa', 5, NOW(3))");
      const failed = await processMessage(ctx, job).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failed).toMatchObject({ code: 'EDIGW_DB_LOCK_TIMEOUT', kind: 'retry' });
      expect((failed as GatewayError).describe()).toMatch(
        /waiting for a row lock another transaction holds, in: INSERT INTO `control_number`/,
      );
      expect(ctx.store.pool()!.busy).toBe(0);
      expect((await ctx.store.message(messageId))?.status).toBe('received');
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  });

  test('a job that keeps waiting on a row lock goes back each time without using an attempt, and runs once the lock is gone', async () => {
    const ctx = await open({ size: 3, lockWaitTimeoutS: 1 });
    const { messageId } = await intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 10 })),
      fileName: 'po.x12',
    });
    // One attempt only: were a database wait counted, the first would dead-letter the job.
    await ctx.store.ds.query('UPDATE job SET maxAttempts = 1 WHERE messageId = ?', [messageId]);
    const { lines, logger } = capture();
    const other = await createConnection({ uri: db!.url });
    const workers = new Workers({ ...ctx, logger }, { count: 1, idleMs: 50 });
    const jobRow = () => ctx.store.ds.manager.findOneByOrFail(JobRecord, { messageId: messageId });
    try {
      await other.query('START TRANSACTION');
      await other.query("INSERT INTO control_number (scope, kind, value, updatedAt) VALUES ('acme', 'isa', 5, NOW(3))");
      workers.start();
      await until(
        'two lock waits logged',
        async () => (lines.filter((l) => /its attempt not counted/.test(l.msg)).length >= 2 ? true : undefined),
        30_000,
      );
      const row = await jobRow();
      expect(row.status).not.toBe('dead');
      expect(row.lastError).toMatch(/EDIGW_DB_LOCK_TIMEOUT/);
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      await other.query('ROLLBACK');
      await until('the job done', async () => (await jobRow()).status === 'done', 20_000);
    } finally {
      await other.end();
      await workers.stop(5_000);
    }
    expect((await jobRow()).attempts).toBe(1);
    expect((await ctx.store.message(messageId))?.status).toBe('processed');
  }, 60_000);

  test('/health answers from its own connection while every pooled one is taken; a submit gets 503, a stable code and Retry-After', async () => {
    const ctx = await open({ size: 2, acquireTimeoutMs: 300 });
    const { lines, logger } = capture();
    const app = createAdminApp({
      token: 'tok',
      maxBytes: 1024 * 1024,
      partnerExists: () => true,
      logger,
      submit: (i) => intake(ctx, { transport: 'http', partnerId: i.partnerId, bytes: i.bytes }),
      send: async () => ({ messageId: 'x' }),
      health: async () => {
        const { ok, ...detail } = await ctx.store.health();
        return { ok, detail };
      },
    });
    const admin = await listenAdmin(app, 0, '127.0.0.1');
    const release = await exhaust(ctx.store);
    try {
      const health = await fetch(`http://127.0.0.1:${admin.port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        ok: true,
        detail: { database: 'up', pool: { size: 2, busy: 2 }, queue: {} },
      });
      const submit = await fetch(`http://127.0.0.1:${admin.port}/api/partners/acme/submit`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok' },
        body: x12Interchange({ sender: 'ACME', control: 9 }),
      });
      expect(submit.status).toBe(503);
      expect(submit.headers.get('retry-after')).toBe('5');
      expect(await submit.json()).toMatchObject({ error: { code: 'EDIGW_DB_POOL_TIMEOUT' } });
      expect(
        lines.some((l) => l.level === 'error' && /waiting 300 ms for a database connection/.test(String(l.obj.detail))),
      ).toBe(true);
    } finally {
      await release();
      await admin.close();
    }
    // And once connections are free the same submit is taken.
    const again = intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 9 })),
    });
    await expect(again).resolves.toMatchObject({ duplicate: false });
  });
});

test('/health on SQLite does not wait behind a long transaction of its own process', async () => {
  const db = await freshDatabase('sqlite');
  const store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads') });
  await store.migrate();
  let release!: () => void;
  const held = store.transaction(
    () =>
      new Promise<void>((r) => {
        release = r;
      }),
  );
  try {
    expect(await store.health(200)).toEqual({ ok: true, database: 'busy' });
  } finally {
    release();
    await held;
  }
  expect(await store.health(2_000)).toMatchObject({ ok: true, database: 'up', queue: {} });
  await store.close();
  await db.drop();
});
