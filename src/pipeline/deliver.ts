import { resolve } from 'node:path';
import type { EntityManager } from 'typeorm';
import { endpointKind } from '../config/partner';
import type { LoadedPartner } from '../config/partners';
import { GatewayError } from '../errors';
import { DeliveryRecord, EventRecord, MessageRecord, TransactionRecord } from '../store/entities';
import type { Job } from '../store/queue';
import { findOutbound, type Outbound } from '../transports';
import type { PipelineContext } from './context';
import { endpointOf } from './outbound';

/** The delay before attempt n+1: exponential from `backoff`, capped at `maxBackoff`, with ±10% jitter. */
export function backoffMs(attempt: number, policy: { backoff: number; maxBackoff: number }, random = Math.random): number {
  const raw = Math.min(policy.maxBackoff, policy.backoff * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.9 + 0.2 * random()));
}

/** What an endpoint announces a document as, from the name the pipeline gave it. */
export function contentTypeOf(fileName: string): string {
  if (fileName.endsWith('.json')) return 'application/json';
  if (fileName.endsWith('.x12')) return 'application/edi-x12';
  if (fileName.endsWith('.edi')) return 'application/edifact';
  return 'application/octet-stream';
}

/**
 * The senders of the partners' endpoints, made once per endpoint configuration (so an edited partner
 * file takes effect at the next delivery, and an unchanged one reuses its connections).
 */
export class Senders {
  private readonly cache = new Map<string, Outbound>();

  constructor(private readonly ctx: PipelineContext) {}

  get(partner: LoadedPartner, name: string): Outbound {
    const endpoint = endpointOf(partner, name);
    const kind = endpointKind(endpoint);
    const raw = { ...(endpoint[kind] as Record<string, unknown>) };
    // Folders in partner files are relative to gateway.yaml's folder, like every other path there.
    if (kind === 'file' && typeof raw.dir === 'string') raw.dir = resolve(this.ctx.config.dir, raw.dir);
    const key = `${kind}:${JSON.stringify(raw)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const spec = findOutbound(kind);
    if (!spec) throw new GatewayError('EDIGW_TRANSPORT_UNAVAILABLE', `partner ${partner.id}, endpoint ${name} (${kind})`);
    const sender = spec.create(spec.config.parse(raw), { logger: this.ctx.logger, clock: this.ctx.clock });
    this.cache.set(key, sender);
    return sender;
  }
}

async function settle(ctx: PipelineContext, m: EntityManager, d: DeliveryRecord, set: Partial<DeliveryRecord>, txStatus: string | null, messageStatus: string, error: string | null): Promise<void> {
  const now = ctx.clock();
  await m.update(DeliveryRecord, { id: d.id }, { ...set, updatedAt: now });
  await m.update(MessageRecord, { id: d.messageId }, { status: messageStatus, error, updatedAt: now });
  if (d.transactionId && txStatus) {
    await m.update(TransactionRecord, { id: d.transactionId }, { deliveryStatus: txStatus, ...(txStatus === 'delivered' ? { deliveredAt: now } : {}) });
  }
}

/**
 * The `deliver` job: sends one queued document through its endpoint. Success is recorded with the
 * job's completion in one transaction; a transient failure is retried with exponential backoff up to
 * gateway.yaml's `delivery.attempts`, then dead-lettered (the bytes stay stored for `replay`); a
 * permanent failure (a 4xx, a refused file name) is dead-lettered at once.
 */
export async function deliverJob(ctx: PipelineContext, job: Job, senders: Senders): Promise<void> {
  const { store } = ctx;
  const deliveryId = (job.data as { deliveryId?: string } | null)?.deliveryId;
  const d = deliveryId ? await store.read((m) => m.findOneBy(DeliveryRecord, { id: deliveryId })) : null;
  if (!d) {
    await store.queue.dead(job, `delivery ${deliveryId} does not exist`);
    return;
  }
  if (d.status === 'delivered') {
    await store.queue.complete(job);
    return;
  }
  const message = await store.message(d.messageId);
  const attempt = d.attempts + 1;
  let failure: GatewayError;
  try {
    if (!message) throw new GatewayError('EDIGW_DELIVERY_NOT_FOUND', `message ${d.messageId} of delivery ${d.id}`);
    const partner = d.partnerId ? ctx.partners.get(d.partnerId) : undefined;
    if (!partner) throw new GatewayError('EDIGW_ENDPOINT_UNKNOWN', `delivery ${d.id}`, { cause: new Error(`partner ${d.partnerId} is not loaded (its file was removed or never loaded)`) });
    const sender = senders.get(partner, d.endpoint);
    const bytes = await store.payload(message.sha256);
    await store.transaction(async (m) => { await m.update(DeliveryRecord, { id: d.id }, { status: 'delivering', updatedAt: ctx.clock() }); });
    const fileName = message.fileName ?? `${d.id}.dat`;
    const sent = await sender.send({ bytes, fileName, contentType: contentTypeOf(fileName) });
    const done = await store.transaction(async (m) => {
      if (!(await store.queue.complete(job, m))) return false;
      await settle(ctx, m, d, { status: 'delivered', attempts: attempt, lastError: null, deliveredAt: ctx.clock(), nextAttemptAt: null }, 'delivered', 'sent', null);
      await store.event({ stage: 'delivered', messageId: d.messageId, transactionId: d.transactionId, partnerId: d.partnerId, detail: `${d.endpoint}: ${sent.remoteName} (attempt ${attempt})` }, m);
      return true;
    });
    if (!done) ctx.logger.warn({ delivery: d.id, job: job.id }, 'delivered, but the job had been taken over by another worker');
    return;
  } catch (e) {
    failure = e instanceof GatewayError ? e : new GatewayError('EDIGW_DELIVERY_FAILED', `delivery ${d.id} to ${d.endpoint}`, { cause: e });
  }
  const error = failure.describe();
  const permanent = failure.kind === 'dead' || failure.kind === 'config' || failure.kind === 'usage';
  const last = permanent || job.attempts >= job.maxAttempts;
  // The job's own attempts, not the delivery's lifetime count: a replay starts a fresh round.
  const delay = backoffMs(job.attempts, ctx.config.delivery);
  await store.transaction(async (m) => {
    const ok = last ? await store.queue.dead(job, error) : (await store.queue.retry(job, error, delay)) === 'retry';
    if (!ok) return;
    if (last) {
      await settle(ctx, m, d, { status: 'dead', attempts: attempt, lastError: error, nextAttemptAt: null }, 'dead', 'failed', error);
      await store.event({ stage: 'dead-letter', status: 'error', messageId: d.messageId, transactionId: d.transactionId, partnerId: d.partnerId, code: failure.code, detail: `${d.endpoint}: ${error} (after ${attempt} attempt${attempt === 1 ? '' : 's'}; edi-gateway replay ${d.id} sends it again)` }, m);
    } else {
      await settle(ctx, m, d, { status: 'retrying', attempts: attempt, lastError: error, nextAttemptAt: new Date(ctx.clock().getTime() + delay) }, 'retrying', 'queued', error);
      await store.event({ stage: 'delivery-failed', status: 'warning', messageId: d.messageId, transactionId: d.transactionId, partnerId: d.partnerId, code: failure.code, detail: `${d.endpoint}: ${error} (attempt ${job.attempts} of ${job.maxAttempts}; next in ${Math.round(delay / 1000)}s)` }, m);
    }
  });
  ctx.logger.warn({ delivery: d.id, endpoint: d.endpoint, attempt, error, dead: last }, last ? 'delivery dead-lettered' : 'delivery failed; will retry');
}

/**
 * Sends a dead-lettered delivery again (`edi-gateway replay ID`): the same stored bytes, a fresh
 * round of attempts. ID is the delivery's id or its outbound message's id.
 */
export async function replayDelivery(ctx: PipelineContext, id: string): Promise<DeliveryRecord> {
  const { store } = ctx;
  return store.transaction(async (m) => {
    const d = (await m.findOneBy(DeliveryRecord, { id })) ?? (await m.findOneBy(DeliveryRecord, { messageId: id }));
    if (!d) throw new GatewayError('EDIGW_DELIVERY_NOT_FOUND', `replay ${id}`);
    if (d.status !== 'dead') throw new GatewayError('EDIGW_NOT_DEAD', `delivery ${d.id} is ${d.status}`);
    const replays = await m.countBy(EventRecord, { messageId: d.messageId, stage: 'replayed' });
    await settle(ctx, m, d, { status: 'pending', nextAttemptAt: ctx.clock(), lastError: d.lastError }, 'pending', 'queued', null);
    await store.queue.enqueue({ kind: 'deliver', key: `deliver:${d.id}:replay:${replays + 1}`, messageId: d.messageId, data: { deliveryId: d.id }, maxAttempts: ctx.config.delivery.attempts }, m);
    await store.event({ stage: 'replayed', messageId: d.messageId, transactionId: d.transactionId, partnerId: d.partnerId, detail: `delivery ${d.id} to ${d.endpoint} queued again (replay ${replays + 1})` }, m);
    return { ...d, status: 'pending' };
  });
}
