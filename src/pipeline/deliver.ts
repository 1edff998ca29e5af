import { endpointKind } from '../config/partner';
import type { LoadedPartner } from '../config/partners';
import { GatewayError } from '../errors';
import type { DeliveryRecord } from '../store/entities';
import type { Job } from '../store/queue';
import { INLINE_PAYLOAD_MAX } from '../store/store';
import { findOutbound, ReceiptError, type Outbound, type SendReceipt } from '../transports';
import type { PipelineContext } from './context';
import { Batch, type DeliverJobData, endpointOf } from './outbound';
import { recordAnnounced, recordSendReceipt } from './receipts';
import { mdnOutcome } from './meter';
import { transportConfig } from './transport-settings';

/** The delay before attempt n+1: exponential from `backoff`, capped at `maxBackoff`, with ±10% jitter. */
export function backoffMs(
  attempt: number,
  policy: { backoff: number; maxBackoff: number },
  random = Math.random,
): number {
  const raw = Math.min(policy.maxBackoff, policy.backoff * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.9 + 0.2 * random()));
}

/**
 * What a failed attempt of a job comes to: dead-lettered now (a permanent failure, or the job's last
 * attempt) or tried again after `delay`. The job's own attempts count, not a lifetime's: a replay is a
 * job of its own and starts a fresh round.
 */
export function afterFailure(
  job: Pick<Job, 'attempts' | 'maxAttempts'>,
  failure: GatewayError,
  policy: { backoff: number; maxBackoff: number },
): { last: boolean; delay: number } {
  const permanent = failure.kind === 'dead' || failure.kind === 'config' || failure.kind === 'usage';
  return { last: permanent || job.attempts >= job.maxAttempts, delay: backoffMs(job.attempts, policy) };
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
  /** partner/endpoint → the cache key of its current configuration. */
  private readonly bySlot = new Map<string, string>();

  constructor(private readonly ctx: PipelineContext) {}

  get(partner: LoadedPartner, name: string): Outbound {
    const endpoint = endpointOf(partner, name);
    const kind = endpointKind(endpoint);
    const spec = findOutbound(kind);
    if (!spec)
      throw new GatewayError('EDIGW_TRANSPORT_UNAVAILABLE', `partner ${partner.id}, endpoint ${name} (${kind})`);
    const config = transportConfig(this.ctx.config, partner, spec, endpoint[kind], ['endpoints', name, kind]);
    const key = `${kind}:${JSON.stringify(config)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const sender = spec.create(config, { logger: this.ctx.logger, clock: this.ctx.clock });
    // An edited endpoint replaces the sender of its old configuration: let that one go.
    const slot = `${partner.id}/${name}`;
    const before = this.bySlot.get(slot);
    this.bySlot.set(slot, key);
    if (before && before !== key && ![...this.bySlot.values()].includes(before)) {
      void this.cache.get(before)?.close?.();
      this.cache.delete(before);
    }
    this.cache.set(key, sender);
    return sender;
  }

  /** Closes every sender (their pooled connections); at shutdown. */
  async close(): Promise<void> {
    await Promise.all([...this.cache.values()].map((s) => s.close?.()));
    this.cache.clear();
    this.bySlot.clear();
  }
}

interface Attempt {
  job: Job;
  data: DeliverJobData;
  remoteName?: string;
  failure?: GatewayError;
  /** What the receiver's receipt said (AS2's MDN), to record on the outbound Message. */
  receipt?: SendReceipt;
  /** The endpoint's kind (as2, sftp, http …), for the metrics; `unknown` when the partner or endpoint is gone. */
  kind: string;
}

/** The kind of a partner's endpoint, for the metrics; never throws. */
function kindOf(ctx: PipelineContext, data: DeliverJobData): string {
  try {
    const partner = ctx.partners.get(data.partnerId);
    return partner ? endpointKind(endpointOf(partner, data.endpoint)) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The job's data; jobs queued before it carried everything (or by an older version) are completed from the rows. */
async function jobData(ctx: PipelineContext, job: Job): Promise<DeliverJobData | undefined> {
  const data = job.data as Partial<DeliverJobData> | null;
  if (data?.deliveryId && data.sha256 && data.endpoint && data.messageId) return data as DeliverJobData;
  if (!data?.deliveryId) return undefined;
  const d = await ctx.store.deliveries.byId(data.deliveryId);
  const message = d ? await ctx.store.message(d.messageId) : null;
  if (!d || !message) return undefined;
  return {
    deliveryId: d.id,
    messageId: d.messageId,
    sha256: message.sha256,
    size: message.size,
    fileName: message.fileName ?? `${d.id}.dat`,
    partnerId: d.partnerId ?? '',
    endpoint: d.endpoint,
    transactionId: d.transactionId,
  };
}

/** How long a paused partner's delivery waits before it looks again (a resume wakes it at once). */
export const PAUSED_WAIT_MS = 60_000;

/** The queue's note on a job that waits for its partner to be resumed; `Queue.wake` finds the jobs by it. */
export const pausedNote = (partnerId: string) => `paused: partner ${partnerId}'s outbound deliveries are paused`;

async function attempt(
  ctx: PipelineContext,
  job: Job,
  senders: Senders,
  paused: ReadonlySet<string>,
  read: ReadonlyMap<string, Buffer> = new Map(),
): Promise<Attempt | undefined> {
  const data = await jobData(ctx, job);
  if (!data) {
    await ctx.store.queue.dead(
      job,
      `delivery ${(job.data as { deliveryId?: string } | null)?.deliveryId} does not exist`,
    );
    return undefined;
  }
  // Waiting is not failing: the attempt is given back, so a long pause neither retries nor dead-letters.
  if (paused.has(data.partnerId)) {
    await ctx.store.queue.postpone(job, pausedNote(data.partnerId), PAUSED_WAIT_MS);
    return undefined;
  }
  try {
    const partner = ctx.partners.get(data.partnerId);
    if (!partner)
      throw new GatewayError(
        'EDIGW_DELIVERY_PARTNER_UNLOADED',
        `delivery ${data.deliveryId} to partner ${data.partnerId}`,
      );
    const sender = senders.get(partner, data.endpoint);
    const bytes = read.get(data.sha256) ?? (await ctx.store.payload(data.sha256, data.size));
    // Retries of this job send the same id (an AS2 Message-ID derives from it); a replay is a job of its own.
    const id = job.key.startsWith('deliver:') ? job.key.slice('deliver:'.length) : data.deliveryId;
    const announced = sender.announce?.({ id });
    if (announced) await recordAnnounced(ctx, data.messageId, announced);
    // Our lease ran out and another worker took the job over: it sends, so must not we.
    if (job.lease?.aborted) return undefined;
    const sent = await sender.send({ bytes, fileName: data.fileName, contentType: contentTypeOf(data.fileName), id });
    return { job, data, remoteName: sent.remoteName, receipt: sent.receipt, kind: kindOf(ctx, data) };
  } catch (e) {
    const receipt = e instanceof ReceiptError ? e.receipt : undefined;
    return {
      job,
      data,
      receipt,
      kind: kindOf(ctx, data),
      failure:
        e instanceof GatewayError
          ? e
          : new GatewayError('EDIGW_DELIVERY_FAILED', `delivery ${data.deliveryId} to ${data.endpoint}`, { cause: e }),
    };
  }
}

/**
 * `deliver` jobs: each sends one queued document through its endpoint; a worker's batch is sent
 * concurrently and recorded in one transaction. A success is recorded with its job's completion; a
 * transient failure is retried with exponential backoff up to gateway.yaml's `delivery.attempts`,
 * then dead-lettered (the bytes stay stored for `replay`); a permanent failure (a 4xx, a refused file
 * name) is dead-lettered at once.
 */
export async function deliverJobs(ctx: PipelineContext, jobs: Job[], senders: Senders): Promise<void> {
  const { store } = ctx;
  const paused = await store.partners.paused();
  // The documents we made are small and in their rows: read in one statement for the whole batch.
  const hashes = jobs.flatMap((j) => {
    const d = j.data as Partial<DeliverJobData> | null;
    return d?.sha256 && (d.size ?? Infinity) <= INLINE_PAYLOAD_MAX ? [d.sha256] : [];
  });
  const read = await store.inlinePayloads([...new Set(hashes)]);
  const attempts = (await Promise.all(jobs.map((j) => attempt(ctx, j, senders, paused, read)))).filter(
    (a): a is Attempt => a !== undefined,
  );
  if (attempts.length === 0) return;
  const logs: Array<() => void> = [];
  await store.transaction(async (m) => {
    const now = ctx.clock();
    const batch = new Batch();
    const delivered: Attempt[] = [];
    // Every sent one's completion in one fenced statement (a job taken over by another worker is not among them).
    const completed = await store.queue.completeMany(
      attempts.filter((a) => a.failure === undefined).map((a) => a.job),
      m,
    );
    for (const a of attempts) {
      if (a.failure === undefined) {
        if (completed.has(a.job.id)) delivered.push(a);
        else
          logs.push(() =>
            ctx.logger.warn(
              { delivery: a.data.deliveryId, job: a.job.id },
              'delivered, but the job had been taken over by another worker',
            ),
          );
        continue;
      }
      const failure = a.failure;
      const error = failure.describe();
      const { last, delay } = afterFailure(a.job, failure, ctx.config.delivery);
      const ok = last
        ? await store.queue.dead(a.job, error, m)
        : (await store.queue.retry(a.job, error, delay, m)) === 'retry';
      if (!ok) continue;
      logs.push(() => countAttempt(ctx, a, last ? 'dead' : 'retry'));
      const { data } = a;
      if (a.receipt) await recordSendReceipt(ctx, m, data.messageId, a.receipt);
      const dr = { id: data.deliveryId, messageId: data.messageId, transactionId: data.transactionId };
      const ev = {
        messageId: data.messageId,
        transactionId: data.transactionId,
        partnerId: data.partnerId,
        code: failure.code,
      };
      if (last) {
        await store.deliveries.deadLetter(m, dr, error, data.carries);
        batch.event(ctx, {
          ...ev,
          stage: 'dead-letter',
          status: 'error',
          detail:
            `${data.endpoint}: ${error} (after ${a.job.attempts} attempt${a.job.attempts === 1 ? '' : 's'}; ` +
            `edi-gateway replay ${data.deliveryId} sends it again)`,
        });
      } else {
        await store.deliveries.retrying(m, dr, error, new Date(now.getTime() + delay), data.carries);
        batch.event(ctx, {
          ...ev,
          stage: 'delivery-failed',
          status: 'warning',
          detail: `${data.endpoint}: ${error} (attempt ${a.job.attempts} of ${a.job.maxAttempts}; next in ${Math.round(delay / 1000)}s)`,
        });
      }
      await store.deliveries.countAttempt(m, data.deliveryId);
      logs.push(() =>
        ctx.logger.warn(
          { delivery: data.deliveryId, endpoint: data.endpoint, attempt: a.job.attempts, error, dead: last },
          last ? 'delivery dead-lettered' : 'delivery failed; will retry',
        ),
      );
    }
    if (delivered.length) {
      await store.deliveries.markDelivered(
        m,
        delivered.map((a) => a.data),
        now,
      );
      for (const a of delivered) {
        logs.push(() => countAttempt(ctx, a, 'delivered'));
        if (a.receipt) await recordSendReceipt(ctx, m, a.data.messageId, a.receipt);
        const mdn = a.receipt?.disposition ? `; MDN ${a.receipt.disposition}` : '';
        batch.event(ctx, {
          stage: 'delivered',
          messageId: a.data.messageId,
          transactionId: a.data.transactionId,
          partnerId: a.data.partnerId,
          detail: `${a.data.endpoint}: ${a.remoteName} (attempt ${a.job.attempts}${mdn})`,
        });
      }
    }
    await batch.flush(ctx, m);
  });
  for (const log of logs) log();
}

/** Counts a delivery attempt's outcome, and the MDN that came back with it (a sync AS2 receipt). */
function countAttempt(ctx: PipelineContext, a: Attempt, outcome: 'delivered' | 'retry' | 'dead'): void {
  ctx.meter?.delivery({ endpointKind: a.kind, outcome });
  if (a.receipt?.disposition) ctx.meter?.mdn({ direction: 'received', outcome: mdnOutcome(a.receipt.disposition) });
}

/** One deliver job (the CLI's send and replay run the one they queued). */
export function deliverJob(ctx: PipelineContext, job: Job, senders: Senders): Promise<void> {
  return deliverJobs(ctx, [job], senders);
}

/**
 * Sends a dead-lettered delivery again (`edi-gateway replay ID`): the same stored bytes, a fresh
 * round of attempts. ID is the delivery's id or its outbound message's id.
 */
export async function replayDelivery(ctx: PipelineContext, id: string): Promise<DeliveryRecord> {
  const { store } = ctx;
  return store.transaction(async (m) => {
    const d = await store.deliveries.byIdOrMessage(m, id);
    if (!d) throw new GatewayError('EDIGW_DELIVERY_NOT_FOUND', `replay ${id}`);
    if (d.status !== 'dead') throw new GatewayError('EDIGW_NOT_DEAD', `delivery ${d.id} is ${d.status}`);
    const replays = await store.eventCount(m, d.messageId, 'replayed');
    // What the first job carried (a raw interchange's transaction sets) is not in the delivery's row.
    const first = await store.queue.byKey(`deliver:${d.id}`, m);
    const carries = (first?.data as Partial<DeliverJobData> | null | undefined)?.carries;
    await store.deliveries.reopen(m, d, carries);
    await store.queue.retireReplayed(`deliver:${d.id}`, m);
    const message = await store.message(d.messageId, m);
    if (!message) throw new Error(`delivery ${d.id}: its message ${d.messageId} does not exist`);
    const data: DeliverJobData = {
      deliveryId: d.id,
      messageId: d.messageId,
      sha256: message.sha256,
      size: message.size,
      fileName: message.fileName ?? `${d.id}.dat`,
      partnerId: d.partnerId ?? '',
      endpoint: d.endpoint,
      transactionId: d.transactionId,
      ...(carries ? { carries } : {}),
    };
    await store.queue.enqueue(
      {
        kind: 'deliver',
        key: `deliver:${d.id}:replay:${replays + 1}`,
        messageId: d.messageId,
        data,
        maxAttempts: ctx.config.delivery.attempts,
      },
      m,
    );
    await store.event(
      {
        stage: 'replayed',
        messageId: d.messageId,
        transactionId: d.transactionId,
        partnerId: d.partnerId,
        detail: `delivery ${d.id} to ${d.endpoint} queued again (replay ${replays + 1})`,
      },
      m,
    );
    return { ...d, status: 'pending' };
  });
}
