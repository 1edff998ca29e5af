/**
 * The deliver job on a real store: retry with backoff, the dead letter after the last attempt or at
 * once for a permanent failure, and replay of a dead letter.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../src/errors';
import { DeliveryRecord, EventRecord, JobRecord, MessageRecord, TransactionRecord } from '../../src/store/entities';
import { backoffMs, deliverJob, replayDelivery, Senders } from '../../src/pipeline/deliver';
import { processMessage } from '../../src/pipeline/process';
import { DATABASES, describeOn, testWith } from '../helpers/databases';
import { type Deployment, deployment, type Harness, manualClock, pipelineContext, x12Interchange } from './support';

describe('deliver: backoffMs', () => {
  const policy = { backoff: 1000, maxBackoff: 30_000 };

  it('doubles with each attempt from `backoff`', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('is capped at `maxBackoff`, however many attempts there were', () => {
    expect(backoffMs(6, policy, () => 0.5)).toBe(30_000);
    expect(backoffMs(60, policy, () => 0.5)).toBe(30_000);
    expect(backoffMs(2000, policy, () => 0.5)).toBe(30_000);
  });

  it('jitters within ±10%, both ways', () => {
    expect(backoffMs(3, policy, () => 0)).toBe(3600);
    expect(backoffMs(3, policy, () => 0.999999)).toBe(4400);
    const seen = Array.from({ length: 500 }, () => backoffMs(3, policy));
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(3600);
    expect(Math.max(...seen)).toBeLessThanOrEqual(4400);
    expect(new Set(seen).size).toBeGreaterThan(10);
  });
});

for (const kind of DATABASES) {
  describeOn(kind, `deliver job on ${kind}`, () => {
    let d: Deployment;
    let h: Harness | undefined;
    let http: Server;
    const time = manualClock();

    beforeAll(async () => {
      // An ERP that refuses every request for good: a 400 is not worth retrying.
      http = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(400).end('no such customer'));
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      d = deployment({
        // `out/blocked` is a file, so nothing can be written below it until it is removed: a transient failure.
        'out/blocked': 'in the way\n',
        'partners/flaky.yaml': [
          'id: flaky',
          'identifiers: { x12: [{ qualifier: ZZ, id: FLAKY }] }',
          "routes: [{ match: { type: '850' }, to: erp }]",
          'endpoints: { erp: { file: { dir: out/blocked/erp } } }',
        ].join('\n'),
        'partners/strict.yaml': [
          'id: strict',
          'identifiers: { x12: [{ qualifier: ZZ, id: STRICT }] }',
          "routes: [{ match: { type: '850' }, to: erp }]",
          `endpoints: { erp: { http: { url: 'http://127.0.0.1:${(http.address() as AddressInfo).port}/orders' } } }`,
        ].join('\n'),
      });
      h = await pipelineContext(d, kind, time.clock);
    });
    afterAll(async () => {
      await h?.close();
      d?.remove();
      if (http) await new Promise<void>((r) => http.close(() => r()));
    });
    const it = testWith(() => h);

    const rows = (h: Harness) => h.store.ds.manager;
    /** Receives and processes an 850 from `sender`; returns its transaction and the delivery queued for it. */
    const routed = async (h: Harness, sender: string, control: number) => {
      const r = await h.store.receive({
        direction: 'in',
        transport: 'file',
        bytes: Buffer.from(x12Interchange({ sender, control })),
        fileName: 'po.x12',
      });
      await processMessage(h.ctx, (await h.store.queue.claimKey(`${r.message.id}:process`, 'w'))!);
      const tx = await rows(h).findOneByOrFail(TransactionRecord, { messageId: r.message.id });
      const delivery = await rows(h).findOneByOrFail(DeliveryRecord, { transactionId: tx.id });
      return { tx, delivery };
    };
    const run = async (h: Harness, key: string) => {
      const job = await h.store.queue.claimKey(key, 'w');
      if (!job) throw new Error(`no queued job ${key}`);
      await deliverJob(h.ctx, job, new Senders(h.ctx));
    };
    const delivery = (h: Harness, id: string) => rows(h).findOneByOrFail(DeliveryRecord, { id });
    const job = (h: Harness, key: string) => rows(h).findOneByOrFail(JobRecord, { key });
    const events = (h: Harness, messageId: string, stage: string) =>
      rows(h).find(EventRecord, { where: { messageId, stage }, order: { id: 'ASC' } });

    it('a transient failure goes back to the queue with a growing backoff; after the last attempt it is dead-lettered', async (h) => {
      const {
        tx,
        delivery: { id, messageId },
      } = await routed(h, 'FLAKY', 1);
      const key = `deliver:${id}`;

      const start = time.clock().getTime();
      await run(h, key);
      const first = await delivery(h, id);
      expect(first).toMatchObject({ status: 'retrying', attempts: 1 });
      // (Under jest the ENOTDIR cause is left out: node's errors come from another realm than jest's Error.)
      expect(first.lastError).toMatch(
        /^writing flaky-850-000000001-0001\.json to .*out\/blocked\/erp: file system error.* \[EDIGW_FILE_IO\]$/,
      );
      const wait1 = first.nextAttemptAt!.getTime() - start;
      expect(wait1).toBeGreaterThanOrEqual(900);
      expect(wait1).toBeLessThanOrEqual(1100);
      // The job waits for the same moment and is not due before it.
      expect(await job(h, key)).toMatchObject({ status: 'queued', attempts: 1, runAt: first.nextAttemptAt });
      expect((await h.store.queue.claim('other', 10, 60_000, ['deliver'])).filter((j) => j.key === key)).toEqual([]);
      expect(await rows(h).findOneByOrFail(TransactionRecord, { id: tx.id })).toMatchObject({
        deliveryStatus: 'retrying',
      });
      expect(await rows(h).findOneByOrFail(MessageRecord, { id: messageId })).toMatchObject({ status: 'queued' });
      const [warning] = await events(h, messageId, 'delivery-failed');
      expect(warning).toMatchObject({ status: 'warning', code: 'EDIGW_FILE_IO', transactionId: tx.id });
      expect(warning.detail).toMatch(/\(attempt 1 of 3; next in 1s\)$/);

      time.advance(wait1);
      await run(h, key);
      const second = await delivery(h, id);
      expect(second).toMatchObject({ status: 'retrying', attempts: 2 });
      const wait2 = second.nextAttemptAt!.getTime() - time.clock().getTime();
      expect(wait2).toBeGreaterThanOrEqual(1800);
      expect(wait2).toBeLessThanOrEqual(2200);

      time.advance(wait2);
      await run(h, key);
      const dead = await delivery(h, id);
      expect(dead).toMatchObject({ status: 'dead', attempts: 3, nextAttemptAt: null });
      expect(await job(h, key)).toMatchObject({ status: 'dead', attempts: 3 });
      expect(await rows(h).findOneByOrFail(TransactionRecord, { id: tx.id })).toMatchObject({ deliveryStatus: 'dead' });
      expect(await rows(h).findOneByOrFail(MessageRecord, { id: messageId })).toMatchObject({ status: 'failed' });
      const [letter] = await events(h, messageId, 'dead-letter');
      expect(letter).toMatchObject({ status: 'error', code: 'EDIGW_FILE_IO', transactionId: tx.id });
      expect(letter.detail).toContain(`(after 3 attempts; edi-gateway replay ${id} sends it again)`);
      expect(await events(h, messageId, 'delivery-failed')).toHaveLength(2);

      // Replay: a fresh job with a fresh round of attempts and backoff, the same stored bytes.
      const replayed = await replayDelivery(h.ctx, id);
      expect(replayed).toMatchObject({ id, status: 'pending' });
      expect(await delivery(h, id)).toMatchObject({ status: 'pending' });
      expect(await job(h, `${key}:replay:1`)).toMatchObject({ status: 'queued', attempts: 0, maxAttempts: 3 });
      expect(await events(h, messageId, 'replayed')).toHaveLength(1);
      await run(h, `${key}:replay:1`);
      const retried = await delivery(h, id);
      expect(retried).toMatchObject({ status: 'retrying', attempts: 4 });
      const wait3 = retried.nextAttemptAt!.getTime() - time.clock().getTime();
      expect(wait3).toBeGreaterThanOrEqual(900);
      expect(wait3).toBeLessThanOrEqual(1100);
      expect((await events(h, messageId, 'delivery-failed')).at(-1)?.detail).toMatch(/\(attempt 1 of 3; next in 1s\)$/);

      // Once the folder can be written, the replay's next attempt delivers.
      rmSync(join(d.dir, 'out/blocked'));
      mkdirSync(join(d.dir, 'out/blocked'));
      time.advance(wait3);
      await run(h, `${key}:replay:1`);
      expect(await delivery(h, id)).toMatchObject({ status: 'delivered', attempts: 5, lastError: null });
      expect(await rows(h).findOneByOrFail(TransactionRecord, { id: tx.id })).toMatchObject({
        deliveryStatus: 'delivered',
      });
      const files = readdirSync(join(d.dir, 'out/blocked/erp'));
      expect(files).toHaveLength(1);
      expect(JSON.parse(readFileSync(join(d.dir, 'out/blocked/erp', files[0]), 'utf8'))).toHaveProperty(
        'BEG.BEG03',
        'PO-1',
      );

      // A delivered delivery is not dead: nothing to replay.
      const again = await replayDelivery(h.ctx, id).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(GatewayError);
      expect((again as GatewayError).describe()).toBe(
        `delivery ${id} is delivered: only a dead-lettered delivery, or a message whose processing was dead-lettered, can be replayed [EDIGW_NOT_DEAD]`,
      );
    });

    it('a permanent failure (the server refuses with 400) is dead-lettered at the first attempt', async (h) => {
      const {
        tx,
        delivery: { id, messageId },
      } = await routed(h, 'STRICT', 2);
      await run(h, `deliver:${id}`);
      const dead = await delivery(h, id);
      expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
      expect(dead.lastError).toContain('[EDIGW_HTTP_REJECTED]');
      expect(await job(h, `deliver:${id}`)).toMatchObject({ status: 'dead', attempts: 1 });
      expect(await rows(h).findOneByOrFail(TransactionRecord, { id: tx.id })).toMatchObject({ deliveryStatus: 'dead' });
      expect(await events(h, messageId, 'delivery-failed')).toEqual([]);
      const [letter] = await events(h, messageId, 'dead-letter');
      expect(letter).toMatchObject({ code: 'EDIGW_HTTP_REJECTED' });
      expect(letter.detail).toContain('(after 1 attempt;');
      // Replay takes the outbound message id too.
      await replayDelivery(h.ctx, messageId);
      expect(await job(h, `deliver:${id}:replay:1`)).toMatchObject({ status: 'queued' });
    });

    it('a configuration error found at delivery time is dead-lettered at once, located in the partner file', async (h) => {
      const {
        delivery: { id, messageId },
      } = await routed(h, 'STRICT', 5);
      // What partners check would refuse, arriving by another way (the loaded partner edited in memory):
      // the sender's own schema refuses it, and no retry would mend it.
      const http = h.ctx.partners.get('strict')!.endpoints!.erp.http!;
      const headers = http.headers;
      http.headers = { 'X Tenant': 'acme' };
      try {
        await run(h, `deliver:${id}`);
      } finally {
        http.headers = headers;
      }
      const dead = await delivery(h, id);
      expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
      expect(dead.lastError).toMatch(
        new RegExp(
          String.raw`^partner strict, http: .*partners\/strict\.yaml:4:\d+: endpoints\.erp\.http\.headers: ` +
            String.raw`header names must be HTTP tokens .*\[EDIGW_TRANSPORT_CONFIG_INVALID\]$`,
        ),
      );
      expect(await job(h, `deliver:${id}`)).toMatchObject({ status: 'dead', attempts: 1 });
      expect(await events(h, messageId, 'delivery-failed')).toEqual([]);
      const [letter] = await events(h, messageId, 'dead-letter');
      expect(letter).toMatchObject({ code: 'EDIGW_TRANSPORT_CONFIG_INVALID' });
    });

    it('replay refuses a delivery that is not dead, and one that does not exist', async (h) => {
      const {
        delivery: { id },
      } = await routed(h, 'STRICT', 3);
      await expect(replayDelivery(h.ctx, id)).rejects.toMatchObject({
        code: 'EDIGW_NOT_DEAD',
        context: `delivery ${id} is pending`,
      });
      await expect(replayDelivery(h.ctx, 'no-such-delivery')).rejects.toMatchObject({
        code: 'EDIGW_DELIVERY_NOT_FOUND',
      });
      expect(await rows(h).countBy(JobRecord, { key: `deliver:${id}:replay:1` })).toBe(0);
    });

    it('a delivery whose partner file is gone is dead-lettered at once, saying so', async (h) => {
      const {
        delivery: { id },
      } = await routed(h, 'FLAKY', 4);
      rmSync(join(d.dir, 'partners/flaky.yaml'));
      h.ctx.partners.reload(true);
      expect(h.ctx.partners.get('flaky')).toBeUndefined();
      await run(h, `deliver:${id}`);
      const dead = await delivery(h, id);
      expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
      expect(dead.lastError).toBe(
        `delivery ${id} to partner flaky: the partner of this delivery is not loaded (its file was removed or never loaded) [EDIGW_DELIVERY_PARTNER_UNLOADED]`,
      );
    });
  });
}
