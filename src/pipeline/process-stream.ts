import { randomUUID } from 'node:crypto';
import type { LoadedPartner } from '../config/partners';
import { GatewayError, type ErrorCode } from '../errors';
import type { Diagnostic, Group, Interchange, Transaction } from '../edi/model';
import { diagnostic } from '../edi/diagnostic';
import { interchangeStatus, transactionStatus } from '../edi/ack/status';
import { refusalCode } from '../edi/ack/refusal';
import { assertReadable, parseStream, UnreadableInput, type ParseEvent } from '../edi/parse';
import { type MessageRecord, TransactionRecord } from '../store/entities';
import type { Job } from '../store/queue';
import type { PipelineContext } from './context';
import { plannedAcks, type PlannedAck } from './acks';
import { firstError, refusalIds, SETS_LISTED, type RefusedSet } from './refusal-log';
import { Batch, queueDelivery, safeName } from './outbound';
import {
  ACK_TYPES,
  countMessage,
  countSets,
  logUnreadable,
  identifyInterchange,
  queueAcks,
  routeTransaction,
  type RawRoutes,
  type Work,
} from './interchange-steps';
import { reconcileAcks } from './reconcile';
import { trackedFields } from './route';
import { outcomeSummary } from './outcome-summary';

export interface StreamOptions {
  /** Payloads from this size are streamed (default STREAM_FROM in process.ts). */
  streamFrom?: number;
  /** A batch commits after this many transaction sets (default 500) … */
  batchTransactions?: number;
  /** … or this many bytes of them (default 1 MiB), whichever comes first. */
  batchBytes?: number;
  /** Called after each batch that committed (not the last): tests stop a job here, as a crash would. */
  afterBatch?: (batches: number) => void | Promise<void>;
}

const BATCH_TRANSACTIONS = 500;
/** Parsed, a transaction set takes about 20 times its bytes in heap (segments, elements, its loop tree). */
const BATCH_BYTES = 1024 * 1024;
/** Parse events a batch holds at most, whatever their size (thousands of tiny interchanges). */
const BATCH_EVENTS = 2000;
/** Each batch's commit extends the job's lease by this much (the worker's default lease). */
const LEASE_MS = 60_000;

/** The interchange being recorded when a batch committed, as the job's data keeps it for a retake. */
interface OpenInterchange {
  offset: number;
  /** Null for a refused duplicate: it gets no rows, only its acknowledgement. */
  interchangeId: string | null;
  eventId: number;
  partnerId: string | null;
  refusals: Array<{ code: ErrorCode; ediCode: string; text: string }>;
  warning: string | null;
  /** No transaction set of it is routed: refused, its envelope rejected, or no partner. */
  rejectAll: boolean;
  /** Group rows by the group's position in the interchange. */
  groups: string[];
  raw: Array<[string, { to: string; endpoint: string; transactionId: string }]>;
  failed: number;
  total: number;
  /** Sets refused by their validation (R), and the first few of them for the warn line. */
  refused?: number;
  refusedSets?: RefusedSet[];
}

/** What of a streamed job has committed: the job's data carries it from batch to batch. */
interface Progress {
  /** Parse events whose effects are committed: a retake skips this many. */
  at: number;
  processed: number;
  rejected: number;
  partial: number;
  partnerId: string | null;
  open: OpenInterchange | null;
}

interface JobData {
  eventId?: number;
  progress?: Progress;
}

/**
 * The process step for a large payload (ADR 0010-c): the stored bytes are streamed through the
 * parser, which keeps of each transaction set only the summary its acknowledgement needs, and what the
 * step records (transaction sets, routed documents, acks, events) commits in batches. Each batch's
 * commit records how far it got in the job's data, fenced on the job's lease, so a retaken job skips
 * what committed and does nothing twice. Memory follows the batch and the largest transaction set,
 * not the file.
 */
export async function processStreamed(
  ctx: PipelineContext,
  job: Job,
  message: MessageRecord,
  opts: StreamOptions,
): Promise<void> {
  const { store } = ctx;
  const data = (job.data ?? {}) as JobData;
  const eventId = data.eventId ?? null;
  const progress: Progress = data.progress ?? {
    at: 0,
    processed: 0,
    rejected: 0,
    partial: 0,
    partnerId: null,
    open: null,
  };
  // The message row keeps the channel's partner until the last batch records the sender found in it.
  const channel = message.partnerId ? ctx.partners.get(message.partnerId) : undefined;
  if (progress.partnerId && !message.partnerId) message.partnerId = progress.partnerId;
  const lease = leaseKeeper(ctx, job);
  const verdicts = await envelopeVerdicts(ctx, message.sha256, lease);

  let head = Buffer.alloc(0);
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const c of store.payloadChunks(message.sha256)) {
      if (head.length < 64) head = Buffer.concat([head, c.subarray(0, 64 - head.length)]);
      yield c;
    }
  }
  const events = parseStream(chunks(), { level: 'full', profiles: ctx.profiles, retain: 'summary', tree: false })[
    Symbol.asyncIterator
  ]();
  const state: StreamState = {
    ctx,
    job,
    message,
    progress,
    verdicts,
    channel,
    eventId,
    index: 0,
    sawInterchange: false,
    open: undefined,
    skipping: false,
  };
  const maxTx = opts.batchTransactions ?? BATCH_TRANSACTIONS;
  const maxBytes = opts.batchBytes ?? BATCH_BYTES;
  let finished = false;
  let batches = 0;
  while (!finished) {
    // Gathered before the transaction opens, so no connection is held (nor SQLite's writer) while reading.
    const pulled: ParseEvent[] = [];
    let txs = 0;
    let bytes = 0;
    while (txs < maxTx && bytes < maxBytes && pulled.length < BATCH_EVENTS) {
      const r = await events.next();
      if (r.done) {
        finished = true;
        break;
      }
      await lease();
      pulled.push(r.value);
      if (r.value.kind === 'transaction') {
        txs++;
        bytes += r.value.transaction.length;
      }
    }
    let batch: Batch | undefined;
    let status: string | undefined;
    await store.transaction(async (m) => {
      const w: Work = { ctx, m, message, payload: undefined, eventId, channel, batch: new Batch() };
      batch = w.batch;
      for (const ev of pulled) await handle(state, w, ev);
      pulled.length = 0;
      countSets(w.batch);
      if (finished) {
        status = await finish(state, w, head);
        await w.batch.flush(ctx, m);
        if (!(await store.queue.complete(job, m))) throw takenOver(job);
      } else {
        await w.batch.flush(ctx, m);
        // A retake's first batches may only have skipped what committed before: never move back.
        progress.at = Math.max(progress.at, state.index);
        progress.partnerId = message.partnerId;
        if (!(await store.queue.checkpoint(job, { ...data, progress }, LEASE_MS, m))) throw takenOver(job);
      }
    });
    (batch as Batch | undefined)?.committed(ctx);
    if (status !== undefined) countMessage(ctx, message, status);
    batches++;
    if (!finished) await opts.afterBatch?.(batches);
  }
  ctx.kick?.();
}

function takenOver(job: Job): Error {
  return new Error(`job ${job.id} was taken over by another worker (lease expired); rolled back`);
}

interface StreamState {
  ctx: PipelineContext;
  job: Job;
  message: MessageRecord;
  progress: Progress;
  verdicts: Map<number, string>;
  channel: LoadedPartner | undefined;
  eventId: number | null;
  /** The position of the next parse event in the stream. */
  index: number;
  sawInterchange: boolean;
  /** The interchange being recorded, with its partner. */
  open: (OpenInterchange & { partner: LoadedPartner | undefined; rawSent: RawRoutes }) | undefined;
  /** Inside an interchange a previous run finished: its events are skipped. */
  skipping: boolean;
}

/**
 * Each interchange's envelope verdict, from a first pass that reads envelopes only (fast): whether its
 * transaction sets may be routed must be known before they are, and a trailer (IEA/UNZ) that rejects
 * the interchange comes after them.
 */
async function envelopeVerdicts(
  ctx: PipelineContext,
  sha256: string,
  lease: () => Promise<void>,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for await (const ev of parseStream(ctx.store.payloadChunks(sha256), { level: 'envelope' })) {
    if (ev.kind === 'interchange-end') out.set(ev.interchange.offset, interchangeStatus(ev.interchange));
    await lease();
  }
  return out;
}

/**
 * Extends the job's lease while it reads between commits (the envelope pass over a large file, one
 * very large transaction set): every commit extends it too, but a read may outlast a lease. Throws
 * once another worker has the job.
 */
function leaseKeeper(ctx: PipelineContext, job: Job): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < LEASE_MS / 4) return;
    last = Date.now();
    if (!(await ctx.store.queue.extend(job, LEASE_MS))) throw takenOver(job);
  };
}

async function handle(s: StreamState, w: Work, ev: ParseEvent): Promise<void> {
  const replay = s.index < s.progress.at;
  s.index++;
  switch (ev.kind) {
    case 'diagnostic':
      if (!replay) diagnosticEvent(s, w, ev.diagnostic);
      return;
    case 'interchange-start':
      s.sawInterchange = true;
      return startInterchange(s, w, ev.interchange, replay);
    case 'transaction':
      if (replay || s.skipping || !s.open) return;
      return transaction(s, w, ev.interchange, ev.group, ev.transaction);
    case 'interchange-end':
      if (replay || s.skipping || !s.open) {
        s.skipping = false;
        s.open = undefined;
        return;
      }
      return endInterchange(s, w, ev.interchange);
  }
}

function diagnosticEvent(s: StreamState, w: Work, d: Diagnostic): void {
  w.batch.event(s.ctx, {
    stage: 'parsed',
    status: d.severity === 'error' ? 'error' : 'warning',
    parentId: s.eventId,
    messageId: s.message.id,
    partnerId: s.message.partnerId,
    code: d.code,
    detail: d.message,
  });
}

function refusalError(ic: Interchange, r: { code: ErrorCode; ediCode: string; text: string }): GatewayError {
  ic.errors.push(diagnostic('interchange', r.ediCode, r.text, { interchange: ic.controlNumber, offset: ic.offset }));
  return refusalOf(ic, r);
}

/** The error a refusal is recorded and logged as. */
function refusalOf(ic: Interchange, r: { code: ErrorCode; text: string }): GatewayError {
  return new GatewayError(r.code, `interchange ${ic.controlNumber} from ${ic.sender.id.trim()}`, {
    cause: new Error(r.text),
  });
}

/** Identify, dedupe and record the interchange's row (its sets follow); on a retake, take up the one in progress. */
// The streamed twin of process.ts interchange(), kept whole while issue 13 changes this file; split it the same way after.
// eslint-disable-next-line complexity -- see above
async function startInterchange(s: StreamState, w: Work, ic: Interchange, replay: boolean): Promise<void> {
  const { ctx, message } = s;
  const saved = s.progress.open;
  if (replay) {
    if (saved && saved.offset === ic.offset) {
      // Its refusals are part of what its acknowledgement will say.
      for (const r of saved.refusals) refusalError(ic, r);
      if (saved.warning)
        ic.errors.push(
          diagnostic(
            'interchange',
            refusalCode('duplicate', ic.standard),
            saved.warning,
            { interchange: ic.controlNumber },
            { severity: 'warning' },
          ),
        );
      s.open = {
        ...saved,
        partner: saved.partnerId ? ctx.partners.get(saved.partnerId) : undefined,
        rawSent: new Map(saved.raw),
      };
      s.skipping = false;
    } else {
      s.skipping = true;
    }
    return;
  }
  s.skipping = false;
  const who = identifyInterchange(ctx, ic, s.channel);
  const partner = who.partner;
  if (partner && !message.partnerId) message.partnerId = partner.id;
  const refusals: OpenInterchange['refusals'] = [];
  const errors: GatewayError[] = [];
  if (who.refusal) refusals.push({ code: who.refusal.code, ediCode: who.refusal.ediCode, text: who.refusal.message });
  // The parser reads ahead of its events: by now the interchange may hold groups, recorded as they come.
  const record = {
    message,
    interchange: { ...ic, groups: [] },
    partnerId: partner?.id ?? null,
    deferTransactions: true,
  };
  let rec = await ctx.store.recordInterchange(w.m, record);
  let duplicate = false;
  let warning: string | null = null;
  if (rec.duplicateOf) {
    const policy = partner?.duplicates?.interchange ?? 'reject';
    duplicate = true;
    const text =
      `interchange ${ic.controlNumber} was received from ${partner?.id ?? ic.sender.id.trim()} before ` +
      `(message ${rec.duplicateOf.messageId}, ${rec.duplicateOf.createdAt.toISOString()})`;
    if (policy === 'reject')
      refusals.push({ code: 'EDIGW_DUPLICATE_INTERCHANGE', ediCode: refusalCode('duplicate', ic.standard), text });
    else {
      if (policy === 'warn') {
        warning = text;
        ic.errors.push(
          diagnostic(
            'interchange',
            refusalCode('duplicate', ic.standard),
            text,
            { interchange: ic.controlNumber },
            { severity: 'warning' },
          ),
        );
      }
      rec = await ctx.store.recordInterchange(w.m, { ...record, acceptDuplicate: true });
    }
  }
  for (const r of refusals) errors.push(refusalError(ic, r));
  const recorded = !rec.duplicateOf;
  const eventId = await ctx.store.event(
    {
      stage: 'interchange',
      status: errors.length ? 'error' : 'ok',
      parentId: s.eventId,
      messageId: message.id,
      interchangeId: recorded ? rec.interchange.id : rec.duplicateOf!.id,
      partnerId: partner?.id ?? null,
      code: errors[0]?.code ?? null,
      detail: errors.length
        ? errors.map((r) => r.describe()).join('; ')
        : `${ic.standard === 'x12' ? 'X12' : 'EDIFACT'} ${ic.controlNumber} from ${ic.sender.id.trim()} (streamed)${duplicate ? ' (duplicate accepted)' : ''}`,
    },
    w.m,
  );
  const verdict = s.verdicts.get(ic.offset) ?? interchangeStatus(ic);
  s.open = {
    offset: ic.offset,
    interchangeId: recorded ? rec.interchange.id : null,
    eventId,
    partnerId: partner?.id ?? null,
    refusals,
    warning,
    rejectAll: refusals.length > 0 || verdict === 'R' || !partner,
    groups: [],
    raw: [],
    failed: 0,
    total: 0,
    partner,
    rawSent: new Map(),
  };
  saveOpen(s);
}

/** The open interchange as the job's data keeps it. */
function saveOpen(s: StreamState): void {
  if (!s.open) {
    s.progress.open = null;
    return;
  }
  const { partner: _p, rawSent, ...rest } = s.open;
  s.progress.open = { ...rest, raw: [...rawSent] };
}

/** The group's row, made when its first transaction set arrives (its counts are completed at the interchange's end). */
async function groupRow(s: StreamState, w: Work, ic: Interchange, group: Group): Promise<string> {
  const open = s.open!;
  const at = Math.max(0, ic.groups.indexOf(group));
  if (open.groups[at]) return open.groups[at];
  open.groups[at] = await s.ctx.store.recordGroup(w.m, open.interchangeId!, group);
  return open.groups[at];
}

const REPORT_LIMIT = 200;
function reportOf(list: Diagnostic[]): object | null {
  if (list.length === 0) return null;
  return list.length <= REPORT_LIMIT
    ? list
    : { diagnostics: list.slice(0, REPORT_LIMIT), omitted: list.length - REPORT_LIMIT };
}
function validationOf(list: Diagnostic[]): string {
  return list.some((d) => d.severity === 'error') ? 'invalid' : list.length > 0 ? 'warnings' : 'valid';
}

/** One transaction set: its row, then reconcile (an ack of ours) or route, map and queue it. */
async function transaction(s: StreamState, w: Work, ic: Interchange, group: Group, tx: Transaction): Promise<void> {
  const open = s.open!;
  if (!open.interchangeId) return;
  const { message } = s;
  const groupId = await groupRow(s, w, ic, group);
  const tracked = trackedFields(open.partner?.tracking, tx);
  const row = Object.assign(new TransactionRecord(), {
    id: randomUUID(),
    interchangeId: open.interchangeId,
    groupId,
    messageId: message.id,
    direction: message.direction,
    partnerId: open.partnerId,
    standard: ic.standard,
    version: tx.version.slice(0, 16),
    implementation: tx.implementation?.slice(0, 35) ?? null,
    type: tx.type.slice(0, 6),
    controlNumber: tx.controlNumber.slice(0, 14),
    segmentCount: tx.segmentCount,
    validation: validationOf(tx.errors),
    validationReport: reportOf(tx.errors),
    ackStatus: 'none',
    tracked,
    reference: tracked ? (Object.values(tracked)[0] ?? null) : null,
    deliveryStatus: 'none',
    route: null,
    deliveredAt: null,
    byteOffset: tx.offset,
    byteLength: tx.length,
    createdAt: s.ctx.clock(),
  });
  open.total++;
  if (open.rejectAll || !open.partner) {
    row.deliveryStatus = 'rejected';
  } else if (transactionStatus(tx) === 'R') {
    row.deliveryStatus = 'rejected';
    open.failed++;
    open.refused = (open.refused ?? 0) + 1;
    if ((open.refusedSets ??= []).length < SETS_LISTED)
      open.refusedSets.push({ type: tx.type, control: tx.controlNumber, reason: firstError(tx.errors) ?? 'rejected' });
  } else {
    if (ACK_TYPES.has(tx.type)) {
      // An acknowledgement of ours, matched as it arrives (a set of its own: the interchange keeps no segments).
      await reconcileAcks(
        s.ctx,
        w.m,
        open.partner.id,
        { ...ic, ta1: undefined, groups: [{ ...group, transactions: [tx] }] },
        { messageId: message.id, eventId: open.eventId },
      );
    }
    if (!(await routeTransaction(w, open.partner, ic, tx, row, open.eventId, open.rawSent))) open.failed++;
  }
  w.batch.transactions.push(row);
  saveOpen(s);
}

/** The streamed twin of process.ts logRefusals: the same lines, once the batch that ends the interchange commits. */
function logRefused(
  w: Work,
  ic: Interchange,
  open: NonNullable<StreamState['open']>,
  status: string,
  acks: PlannedAck[],
): void {
  const ids = refusalIds(w.message, ic, open.partner?.id ?? open.partnerId, acks);
  const first = open.refusals[0];
  if (first || status === 'R') {
    const fields = {
      ...ids,
      code: first?.code ?? 'EDIGW_EDI_INVALID',
      reason: first ? refusalOf(ic, first).describe() : (firstError(ic.errors) ?? 'the interchange is rejected'),
      duplicate: open.refusals.some((r) => r.code === 'EDIGW_DUPLICATE_INTERCHANGE'),
      streamed: true,
    };
    w.batch.afterCommit((ctx) => ctx.logger.warn(fields, 'interchange refused'));
    return;
  }
  if (!open.refused) return;
  const fields = { ...ids, rejected: open.refused, of: open.total, sets: open.refusedSets ?? [], duplicate: false };
  w.batch.afterCommit((ctx) => ctx.logger.warn({ ...fields, streamed: true }, 'transaction sets refused'));
}

/** The interchange's end: its final validation, group counts, raw deliveries and acknowledgements. */
async function endInterchange(s: StreamState, w: Work, ic: Interchange): Promise<void> {
  const open = s.open!;
  const { ctx, message } = s;
  const { m } = w;
  // Its transaction rows first: the statements below update them.
  await w.batch.flush(ctx, m);
  const partner = open.partner;
  const status = interchangeStatus(ic);
  const acks = plannedAcks(ic, open.refusals.length && !s.channel ? undefined : partner);
  const said = acks.find((a) => a.kind !== 'TA1') ?? acks[0];
  if (open.interchangeId) {
    await ctx.store.completeInterchange(m, {
      interchangeId: open.interchangeId,
      interchange: ic,
      groupIds: open.groups,
      answer: said,
    });
    if (status === 'R' && !open.rejectAll) {
      ctx.logger.warn(
        { message: message.id, interchange: ic.controlNumber },
        'the full parse rejected an interchange its envelope pass accepted; its transaction sets were routed',
      );
    }
  }
  for (const [where, raw] of open.rawSent) await queueRaw(s, w, ic, where, raw);
  if (partner && !open.rejectAll && ic.ta1?.length)
    await reconcileAcks(ctx, m, partner.id, { ...ic, groups: [] }, { messageId: message.id, eventId: open.eventId });
  const outcome =
    open.rejectAll || status === 'R' || !partner
      ? 'rejected'
      : open.failed === 0
        ? 'processed'
        : open.failed === open.total
          ? 'rejected'
          : 'partial';
  s.progress[outcome]++;
  await queueAcks(w, ic, partner, acks, open.eventId, open.interchangeId);
  logRefused(w, ic, open, status, acks);
  s.open = undefined;
  saveOpen(s);
}

/** A raw route's one delivery: the interchange's bytes, copied out of the stored payload in pieces. */
async function queueRaw(
  s: StreamState,
  w: Work,
  ic: Interchange,
  where: string,
  raw: { to: string; endpoint: string; transactionId: string },
): Promise<void> {
  const { ctx, message } = s;
  const open = s.open!;
  const to = ctx.partners.get(raw.to);
  if (!to || !open.interchangeId) return;
  const stored = await ctx.store.copyPayloadRange(message.sha256, ic.offset, ic.offset + ic.length);
  const fileName = `${safeName(open.partnerId ?? to.id, ic.controlNumber)}.${ic.standard === 'x12' ? 'x12' : 'edi'}`;
  queueDelivery(
    ctx,
    w.batch,
    to,
    raw.endpoint,
    {
      bytes: Buffer.alloc(0),
      stored,
      fileName,
      contentType: ic.standard === 'x12' ? 'application/edi-x12' : 'application/edifact',
      transactionId: raw.transactionId,
      parentEventId: open.eventId,
      carries: { interchangeId: open.interchangeId, route: where.slice(0, 128) },
    },
    `interchange ${ic.controlNumber} → ${where} as raw: ${fileName} (${stored.size} bytes)`,
  );
}

/** The message's outcome, once every interchange is recorded. */
async function finish(s: StreamState, w: Work, head: Buffer): Promise<string> {
  const { ctx, message, progress } = s;
  const { m } = w;
  let status: string;
  try {
    assertReadable(head, s.sawInterchange);
  } catch (e) {
    if (!(e instanceof UnreadableInput)) throw e;
    const err = new GatewayError('EDIGW_EDI_UNREADABLE', `${message.fileName ?? message.id}`, {
      cause: new Error(e.message),
    });
    await ctx.store.event(
      {
        stage: 'parsed',
        status: 'error',
        parentId: s.eventId,
        messageId: message.id,
        partnerId: message.partnerId,
        code: err.code,
        detail: err.describe(),
      },
      m,
    );
    status = 'rejected';
    await ctx.store.setMessageStatus(message.id, status, err.describe(), m);
    logUnreadable(w, err);
    w.batch.event(ctx, {
      stage: 'processed',
      status: 'error',
      parentId: s.eventId,
      messageId: message.id,
      partnerId: message.partnerId,
      detail: status,
    });
    return status;
  }
  const total = progress.processed + progress.rejected + progress.partial;
  status =
    total === 0
      ? 'rejected'
      : progress.processed === total
        ? 'processed'
        : progress.rejected === total
          ? 'rejected'
          : 'partial';
  await ctx.store.recordOutcome(m, message.id, {
    status,
    partnerId: message.partnerId,
    error: status === 'processed' ? null : outcomeSummary(total, progress.rejected, progress.partial),
  });
  w.batch.event(ctx, {
    stage: 'processed',
    status: status === 'processed' ? 'ok' : status === 'partial' ? 'warning' : 'error',
    parentId: s.eventId,
    messageId: message.id,
    partnerId: message.partnerId,
    detail: status,
  });
  return status;
}
