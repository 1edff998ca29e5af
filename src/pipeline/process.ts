import type { LoadedPartner } from '../config/partners';
import { GatewayError, type ErrorCode } from '../errors';
import type { Interchange, Transaction } from '../edi/model';
import { diagnostic } from '../edi/diagnostic';
import { interchangeStatus, transactionStatus } from '../edi/ack/status';
import { refusalCode } from '../edi/ack/refusal';
import { parseBuffer, UnreadableInput, type ParseResult } from '../edi/parse';
import type { MessageRecord, TransactionRecord } from '../store/entities';
import type { Job } from '../store/queue';
import type { RecordedInterchange, Tx } from '../store/store';
import type { PipelineContext } from './context';
import { plannedAcks, type PlannedAck } from './acks';
import { firstError, refusalIds, SETS_LISTED, type RefusedSet } from './refusal-log';
import { processStreamed, type StreamOptions } from './process-stream';
import { Batch } from './outbound';
import { trackedFields } from './route';
import { reconcileAcks } from './reconcile';
import {
  ACK_TYPES,
  countMessage,
  countSets,
  identifyInterchange,
  logUnreadable,
  queueAcks,
  routeTransaction,
  type RawRoutes,
  type Work,
} from './interchange-steps';
import { outcomeSummary } from './outcome-summary';

/**
 * Payloads from this size are processed streamed, in batches (process-stream.ts, ADR 0010-c); smaller
 * ones, the common case, whole and in one transaction, which is faster for them.
 */
export const STREAM_FROM = 8 * 1024 * 1024;

export interface ProcessOptions extends StreamOptions {
  /** Runs the job of a streamed (large) payload elsewhere: in a child process with a heap of its own (process-child.ts). */
  isolate?: (job: Job, message: MessageRecord) => Promise<void>;
}

/**
 * The `process` job: parse what arrived, identify and check each interchange, record it, acknowledge
 * it, and route, map and queue each transaction for delivery. All of it commits in one transaction with
 * the job's completion, so a retaken job (its worker died) starts from nothing done, and a finished one
 * is never done again. A large payload is streamed instead, in batches that each commit (STREAM_FROM).
 */
export async function processMessage(ctx: PipelineContext, job: Job, opts: ProcessOptions = {}): Promise<void> {
  const { store } = ctx;
  const message = job.messageId ? await store.message(job.messageId) : null;
  if (!message) {
    await store.queue.dead(job, `message ${job.messageId} does not exist`);
    return;
  }
  if (message.size >= (opts.streamFrom ?? STREAM_FROM)) {
    await (opts.isolate ? opts.isolate(job, message) : processStreamed(ctx, job, message, opts));
    return;
  }
  let read: Read | undefined = readPayload(ctx, job, message, await store.payload(message.sha256));
  const done = await store.transaction((m) => {
    // The parse and the payload are let go once the rows are written, before the commit and its WAL
    // sync: a 1 MiB set's segments waiting for that sync outlived the young generation and filled the
    // old one with garbage (docs/bench.md, AS2 rows, session 18). The callback runs once.
    const r = read!;
    read = undefined;
    return recordProcessed(ctx, m, r);
  });
  settled(ctx, message, done);
  ctx.kick?.();
}

/**
 * Payloads up to this size are processed several jobs to one transaction (processTogether): a small
 * file's work is short beside its commit. Larger ones keep a transaction each, and a batch's parsed
 * payloads stay small in memory.
 */
export const TOGETHER_UP_TO = 64 * 1024;

/**
 * Several `process` jobs of small payloads in one transaction (issue 17): each job does what
 * processMessage does, and all of them commit together, each with its completion, so each job is
 * still all done or not at all, and nothing is acknowledged or queued before that commit. Returns
 * the jobs to run alone: those not small enough, and every one of the batch when the shared
 * transaction failed (a fault of one job, a lost lease, the database), each then running in its own
 * transaction so that only a failing one fails (as the store's group commit does).
 */
export async function processTogether(ctx: PipelineContext, jobs: Job[], opts: ProcessOptions = {}): Promise<Job[]> {
  const { store } = ctx;
  const messages = await store.messages(jobs.flatMap((j) => (j.messageId ? [j.messageId] : [])));
  const alone: Job[] = [];
  const small: Array<{ job: Job; message: MessageRecord }> = [];
  for (const job of jobs) {
    const message = job.messageId ? messages.get(job.messageId) : undefined;
    if (message && message.size <= Math.min(TOGETHER_UP_TO, (opts.streamFrom ?? STREAM_FROM) - 1))
      small.push({ job, message });
    else alone.push(job);
  }
  if (small.length < 2) return jobs;
  const bytes = await store.inlinePayloads([...new Set(small.map((s) => s.message.sha256))]);
  const reads: Read[] = [];
  for (const { job, message } of small)
    reads.push(
      readPayload(ctx, job, message, bytes.get(message.sha256) ?? (await store.payload(message.sha256, message.size))),
    );
  let done: Done[];
  try {
    done = await store.transaction(async (m) => {
      const out: Done[] = [];
      for (const read of reads) out.push(await recordProcessed(ctx, m, read, false));
      // The rows of every job in one set of multi-row inserts, then each job's fenced completion.
      const rows = new Batch();
      for (const d of out) rows.take(d.batch);
      await rows.flush(ctx, m);
      for (const read of reads) await completeFenced(ctx, m, read.job);
      return out;
    });
  } catch (e) {
    ctx.logger.info(
      { jobs: reads.length, err: (e as Error).message },
      'a batch of process jobs rolled back; each runs again alone',
    );
    return jobs;
  }
  reads.forEach((read, i) => settled(ctx, read.message, done[i]));
  ctx.kick?.();
  return alone;
}

/** A small payload read and parsed, before its transaction. */
interface Read {
  job: Job;
  message: MessageRecord;
  payload: Buffer;
  parsed: ParseResult | undefined;
  /** Why the payload is not X12 or EDIFACT, when it is not. */
  unreadable: string | undefined;
  eventId: number | null;
}

/** What a job's transaction came to, for what follows its commit. */
interface Done {
  status: string;
  batch: Batch;
}

function readPayload(ctx: PipelineContext, job: Job, message: MessageRecord, payload: Buffer): Read {
  let parsed: ParseResult | undefined;
  let unreadable: string | undefined;
  try {
    // No loop trees now: only a route that reads one builds it (produce), and for a 1 MiB set they
    // were most of what the parse kept alive until the job's commit.
    parsed = parseBuffer(payload, { level: 'full', profiles: ctx.profiles, tree: false });
  } catch (e) {
    if (!(e instanceof UnreadableInput)) throw e;
    unreadable = e.message;
  }
  const eventId = (job.data as { eventId?: number } | null)?.eventId ?? null;
  return { job, message, payload, parsed, unreadable, eventId };
}

/**
 * A job's work inside the transaction `m`, ending with its rows inserted and its fenced completion
 * (throws if the job is no longer ours); with `complete` false, the caller does both for a batch.
 */
async function recordProcessed(ctx: PipelineContext, m: Tx, read: Read, complete = true): Promise<Done> {
  const { store } = ctx;
  const { message, payload, parsed, eventId } = read;
  const w: Work = {
    ctx,
    m,
    message,
    payload,
    eventId,
    channel: message.partnerId ? ctx.partners.get(message.partnerId) : undefined,
    batch: new Batch(),
  };
  let status: string;
  if (!parsed) {
    const err = new GatewayError('EDIGW_EDI_UNREADABLE', `${message.fileName ?? message.id}`, {
      cause: new Error(read.unreadable),
    });
    await store.event(
      {
        stage: 'parsed',
        status: 'error',
        parentId: eventId,
        messageId: message.id,
        partnerId: message.partnerId,
        code: err.code,
        detail: err.describe(),
      },
      m,
    );
    status = 'rejected';
    await store.setMessageStatus(message.id, status, err.describe(), m);
    logUnreadable(w, err);
  } else {
    for (const d of parsed.diagnostics) {
      await store.event(
        {
          stage: 'parsed',
          status: d.severity === 'error' ? 'error' : 'warning',
          parentId: eventId,
          messageId: message.id,
          partnerId: message.partnerId,
          code: d.code,
          detail: d.message,
        },
        m,
      );
    }
    const outcomes: Outcome[] = [];
    for (const ic of parsed.interchanges) outcomes.push(await interchange(w, ic));
    status = messageOutcome(outcomes);
    const partnerId = w.message.partnerId;
    await store.recordOutcome(m, message.id, {
      status,
      partnerId,
      error:
        status === 'processed'
          ? null
          : outcomeSummary(
              outcomes.length,
              outcomes.filter((o) => o === 'rejected').length,
              outcomes.filter((o) => o === 'partial').length,
            ),
    });
  }
  w.batch.event(ctx, {
    stage: 'processed',
    status: status === 'processed' ? 'ok' : status === 'partial' ? 'warning' : 'error',
    parentId: eventId,
    messageId: message.id,
    partnerId: w.message.partnerId,
    detail: status,
  });
  countSets(w.batch);
  if (complete) {
    await w.batch.flush(ctx, m);
    await completeFenced(ctx, m, read.job);
  }
  return { status, batch: w.batch };
}

/** The fence: a worker whose lease ran out must not commit work another worker is redoing. */
async function completeFenced(ctx: PipelineContext, m: Tx, job: Job): Promise<void> {
  if (!(await ctx.store.queue.complete(job, m)))
    throw new Error(`job ${job.id} was taken over by another worker (lease expired); rolled back`);
}

/** What follows a job's commit: its log lines and counts. */
function settled(ctx: PipelineContext, message: MessageRecord, done: Done): void {
  done.batch.committed(ctx);
  countMessage(ctx, message, done.status);
}

/** What became of an interchange, or of a message over its interchanges. */
export type Outcome = 'processed' | 'rejected' | 'partial';

/** A message is processed when every interchange is, rejected when every one is (or it has none), else partial. */
function messageOutcome(outcomes: Outcome[]): Outcome {
  if (outcomes.length > 0 && outcomes.every((o) => o === 'processed')) return 'processed';
  if (outcomes.every((o) => o === 'rejected')) return 'rejected';
  return 'partial';
}

/** A refusal of the interchange: a diagnostic its acknowledgement reports, and the error its event records. */
function refuseInterchange(ic: Interchange, code: ErrorCode, ediCode: string, text: string): GatewayError {
  ic.errors.push(diagnostic('interchange', ediCode, text, { interchange: ic.controlNumber, offset: ic.offset }));
  return new GatewayError(code, `interchange ${ic.controlNumber} from ${ic.sender.id.trim()}`, {
    cause: new Error(text),
  });
}

/**
 * One interchange: identify, dedupe and record it, then route its transaction sets (or reject them),
 * and acknowledge it last.
 */
async function interchange(w: Work, ic: Interchange): Promise<Outcome> {
  const { ctx, message, channel, batch } = w;
  const who = identifyInterchange(ctx, ic, channel);
  const partner = who.partner;
  if (partner && !message.partnerId) message.partnerId = partner.id;
  const refusals: GatewayError[] = [];
  if (who.refusal) refusals.push(refuseInterchange(ic, who.refusal.code, who.refusal.ediCode, who.refusal.message));

  const txs = ic.groups.flatMap((g) => g.transactions);
  const { rec, duplicate } = await recordOnce(w, ic, partner, txs, refusals);
  const recorded = !rec.duplicateOf || rec.transactions.length > 0;
  const icEvent = await interchangeEvent(w, ic, {
    partner,
    refusals,
    interchangeId: recorded ? rec.interchange.id : rec.duplicateOf!.id,
    summary: `${txs.length} transaction(s)${duplicate ? ' (duplicate accepted)' : ''}`,
  });

  // What the acknowledgements will say is known now; they are built and numbered last (below).
  const status = interchangeStatus(ic);
  const acks = plannedAcks(ic, refusals.length && !channel ? undefined : partner);
  if (recorded) await markAnswered(w, rec, txs, acks);

  logRefusals(w, ic, { partner, refusals, status, acks, duplicateOf: rec.duplicateOf?.messageId, txs });

  const rows = rec.transactions;
  let outcome: Outcome;
  if (refusals.length || status === 'R' || !partner) {
    for (const row of rows) row.deliveryStatus = 'rejected';
    outcome = 'rejected';
  } else {
    outcome = await routeInterchange(w, partner, ic, txs, rows, icEvent);
  }
  batch.transactions.push(...rows);

  // Last, so that on MariaDB the partner's control-number row is locked only until the commit that follows.
  await queueAcks(w, ic, partner, acks, icEvent, recorded ? rec.interchange.id : null);
  return outcome;
}

/**
 * A refused interchange, or refused transaction sets in an accepted one, told at warn once the step
 * commits: with the reason and the ids that find it again (message, partner, control numbers), and
 * whether it was a duplicate (and of which message). Normal traffic stays quiet.
 */
function logRefusals(
  w: Work,
  ic: Interchange,
  e: {
    partner: LoadedPartner | undefined;
    refusals: GatewayError[];
    status: string;
    acks: PlannedAck[];
    duplicateOf: string | undefined;
    txs: Transaction[];
  },
): void {
  const ids = refusalIds(w.message, ic, e.partner?.id, e.acks);
  const duplicate = e.refusals.some((r) => r.code === 'EDIGW_DUPLICATE_INTERCHANGE');
  if (e.refusals.length || e.status === 'R') {
    const first = e.refusals[0];
    const fields = {
      ...ids,
      code: first?.code ?? 'EDIGW_EDI_INVALID',
      reason: first ? first.describe() : (firstError(ic.errors) ?? 'the interchange is rejected'),
      duplicate,
      ...(duplicate && e.duplicateOf ? { duplicateOf: e.duplicateOf } : {}),
    };
    w.batch.afterCommit((ctx) => ctx.logger.warn(fields, 'interchange refused'));
    return;
  }
  const rejected = e.txs.filter((t) => transactionStatus(t) === 'R');
  if (!rejected.length) return;
  const sets: RefusedSet[] = rejected.slice(0, SETS_LISTED).map((t) => ({
    type: t.type,
    control: t.controlNumber,
    reason: firstError(t.errors) ?? 'rejected',
  }));
  const fields = { ...ids, rejected: rejected.length, of: e.txs.length, sets, duplicate: false };
  w.batch.afterCommit((ctx) => ctx.logger.warn(fields, 'transaction sets refused'));
}

/**
 * Records the interchange, once: one received before (same partner, sender, receiver and control
 * number) is refused, or, when the partner's duplicates policy accepts it, recorded again under a key
 * of its own (with a warning when the policy says so).
 */
async function recordOnce(
  w: Work,
  ic: Interchange,
  partner: LoadedPartner | undefined,
  txs: Transaction[],
  refusals: GatewayError[],
): Promise<{ rec: RecordedInterchange; duplicate: boolean }> {
  const { ctx, m, message } = w;
  const tracked = (i: number) => trackedFields(partner?.tracking, txs[i]);
  const record = { message, interchange: ic, partnerId: partner?.id ?? null, tracked, deferTransactions: true };
  const rec = await ctx.store.recordInterchange(m, record);
  if (!rec.duplicateOf) return { rec, duplicate: false };
  const policy = partner?.duplicates?.interchange ?? 'reject';
  const code = refusalCode('duplicate', ic.standard);
  const text =
    `interchange ${ic.controlNumber} was received from ${partner?.id ?? ic.sender.id.trim()} before ` +
    `(message ${rec.duplicateOf.messageId}, ${rec.duplicateOf.createdAt.toISOString()})`;
  if (policy === 'reject') {
    refusals.push(refuseInterchange(ic, 'EDIGW_DUPLICATE_INTERCHANGE', code, text));
    return { rec, duplicate: true };
  }
  if (policy === 'warn')
    ic.errors.push(diagnostic('interchange', code, text, { interchange: ic.controlNumber }, { severity: 'warning' }));
  return { rec: await ctx.store.recordInterchange(m, { ...record, acceptDuplicate: true }), duplicate: true };
}

/** The interchange's event: why it was refused, or what it holds. Returns its id, the parent of what follows. */
function interchangeEvent(
  w: Work,
  ic: Interchange,
  e: { partner: LoadedPartner | undefined; refusals: GatewayError[]; interchangeId: string; summary: string },
): Promise<number> {
  const refused = e.refusals.length > 0;
  return w.ctx.store.event(
    {
      stage: 'interchange',
      status: refused ? 'error' : 'ok',
      parentId: w.eventId,
      messageId: w.message.id,
      interchangeId: e.interchangeId,
      partnerId: e.partner?.id ?? null,
      code: e.refusals[0]?.code ?? null,
      detail: refused
        ? e.refusals.map((r) => r.describe()).join('; ')
        : `${ic.standard === 'x12' ? 'X12' : 'EDIFACT'} ${ic.controlNumber} from ${ic.sender.id.trim()}: ${e.summary}`,
    },
    w.m,
  );
}

/**
 * The ack status our acknowledgement gives the interchange, and its transaction sets: the TA1's
 * status when only a TA1 answers, else each set's own.
 */
async function markAnswered(w: Work, rec: RecordedInterchange, txs: Transaction[], acks: PlannedAck[]): Promise<void> {
  const said = acks.find((a) => a.kind !== 'TA1') ?? acks[0];
  if (!said) return;
  await w.ctx.store.acks.markAnswered(w.m, rec.interchange.id, said.status);
  rec.transactions.forEach((row, i) => {
    row.ackStatus = said.kind === 'TA1' ? said.status : transactionStatus(txs[i]);
  });
}

/**
 * An accepted interchange's transaction sets: the acknowledgements of what we sent are matched (not
 * routed, unless a route names their type); each other set is routed, mapped and queued, or rejected.
 */
async function routeInterchange(
  w: Work,
  partner: LoadedPartner,
  ic: Interchange,
  txs: Transaction[],
  rows: TransactionRecord[],
  icEvent: number,
): Promise<Outcome> {
  if (ic.ta1?.length || txs.some((t) => ACK_TYPES.has(t.type)))
    await reconcileAcks(w.ctx, w.m, partner.id, ic, { messageId: w.message.id, eventId: icEvent });
  let failed = 0;
  const rawSent: RawRoutes = new Map();
  for (const [i, tx] of txs.entries()) {
    const row = rows[i];
    if (!row) continue;
    if (transactionStatus(tx) === 'R') {
      row.deliveryStatus = 'rejected';
      failed++;
      continue;
    }
    if (!(await routeTransaction(w, partner, ic, tx, row, icEvent, rawSent))) failed++;
  }
  return failed === 0 ? 'processed' : failed === txs.length ? 'rejected' : 'partial';
}
