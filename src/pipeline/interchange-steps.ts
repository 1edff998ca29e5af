/**
 * The steps of processing an interchange that the whole path (process.ts) and the streamed one
 * (process-stream.ts) share: identify who sent it, queue its acknowledgements, route each transaction
 * set, and count what was done. Both import these; neither imports the other's steps.
 */
import { randomUUID } from 'node:crypto';
import { formatLoss, type TranslationLoss } from '../canonical/losses';
import type { LoadedPartner } from '../config/partners';
import { GatewayError, type ErrorCode } from '../errors';
import type { Interchange, Transaction } from '../edi/model';
import { refusalCode } from '../edi/ack/refusal';
import type { MessageRecord, TransactionRecord } from '../store/entities';
import type { Tx } from '../store/store';
import type { PipelineContext, PipelineView } from './context';
import { renderAck, type PlannedAck } from './acks';
import { Batch, interchangeDocument, queueDelivery, recordOutbound, safeName } from './outbound';
import { findRoute, produce } from './route';

/** The acknowledgement types that are reconciled against what we sent rather than routed (unless a route names them). */
export const ACK_TYPES = new Set(['997', '999', 'CONTRL']);

/** Who sent an interchange, and why it is refused when it is. */
export interface Identified {
  /** The partner the interchange is recorded under (its sender, or the channel it came through). */
  partner: LoadedPartner | undefined;
  refusal?: { code: ErrorCode; ediCode: string; message: string };
}

/**
 * Identifies the partner by the interchange's sender and checks the receiver is us. An interchange that
 * came through a partner's own channel (its folder, its AS2 id) must carry that partner's sender id.
 */
export function identifyInterchange(
  ctx: PipelineView,
  ic: Interchange,
  channel: LoadedPartner | undefined,
): Identified {
  const sender = ctx.partners.identify({ standard: ic.standard, qualifier: ic.sender.qualifier, id: ic.sender.id });
  const who = `${ic.sender.qualifier ? `${ic.sender.qualifier.trim()}/` : ''}${ic.sender.id.trim()}`;
  if (!sender) {
    return {
      partner: channel,
      refusal: {
        code: 'EDIGW_PARTNER_UNKNOWN',
        ediCode: refusalCode('senderUnknown', ic.standard),
        message: `no partner file claims sender ${who}`,
      },
    };
  }
  if (channel && sender.id !== channel.id) {
    return {
      partner: channel,
      refusal: {
        code: 'EDIGW_PARTNER_MISMATCH',
        ediCode: refusalCode('senderUnknown', ic.standard),
        message: `sender ${who} is partner ${sender.id}, but it came through partner ${channel.id}'s channel`,
      },
    };
  }
  const x12 = ic.standard === 'x12';
  const ours = x12 ? ctx.config.identity.x12 : ctx.config.identity.edifact;
  const rq = ic.receiver.qualifier.trim();
  const rid = ic.receiver.id.trim();
  if (ours.length > 0 && !ours.some((o) => o.id === rid && (o.qualifier === rq || (!x12 && rq === '')))) {
    return {
      partner: sender,
      refusal: {
        code: 'EDIGW_RECEIVER_UNKNOWN',
        ediCode: refusalCode('receiverNotUs', ic.standard),
        message: `receiver ${rq ? `${rq}/` : ''}${rid} is not one of our ids (${ours.map((o) => `${o.qualifier}/${o.id}`).join(', ')})`,
      },
    };
  }
  return { partner: sender };
}

export interface Work {
  ctx: PipelineContext;
  m: Tx;
  message: MessageRecord;
  /** The whole payload; undefined when it is streamed (process-stream.ts), which sends raw routes itself. */
  payload: Buffer | undefined;
  eventId: number | null;
  /** The partner whose channel the message came through, as received: not the sender found in it. */
  channel: LoadedPartner | undefined;
  batch: Batch;
}

/** Counts a processed message by its transport, partner and outcome (after the commit that recorded it). */
export function countMessage(ctx: PipelineContext, message: MessageRecord, status: string): void {
  const outcome = status === 'processed' || status === 'partial' ? status : 'rejected';
  ctx.meter?.messageReceived({ transport: message.transport, partner: message.partnerId ?? 'unknown', outcome });
}

/** Counts the batch's transaction sets by type and ack status once it commits (its rows are cleared by the flush). */
export function countSets(batch: Batch): void {
  const sets = batch.transactions.map((t) => ({ type: t.type, ackStatus: t.ackStatus || 'none' }));
  batch.afterCommit((ctx) => {
    for (const s of sets) ctx.meter?.transactionSet(s);
  });
}

/** A payload that is not X12 or EDIFACT, told at warn once the step commits. */
export function logUnreadable(w: Pick<Work, 'message' | 'batch'>, err: GatewayError): void {
  const { message } = w;
  const fields = {
    messageId: message.id,
    partner: message.partnerId,
    transport: message.transport,
    fileName: message.fileName ?? undefined,
    code: err.code,
    reason: err.describe(),
    duplicate: false,
  };
  w.batch.afterCommit((ctx) => ctx.logger.warn(fields, 'message refused'));
}

/** Builds, numbers and queues the planned acknowledgements of an interchange (or records why one is not sent). */
export async function queueAcks(
  w: Work,
  ic: Interchange,
  partner: LoadedPartner | undefined,
  acks: PlannedAck[],
  icEvent: number,
  interchangeId: string | null,
): Promise<void> {
  const { ctx, message, batch } = w;
  const { store } = ctx;
  for (const a of acks) {
    const ctrl = await store.nextControlNumber(w.m, partner?.id ?? '*', ic.standard === 'x12' ? 'isa' : 'unb');
    const ackIc = renderAck(ic, a.kind, ctrl, ctx.clock(), partner);
    const doc = interchangeDocument(ackIc);
    const fileName = `${safeName(partner?.id ?? 'unknown', a.kind, ackIc.controlNumber)}.${ic.standard === 'x12' ? 'x12' : 'edi'}`;
    let messageId: string | null = null;
    if (partner?.acks?.to) {
      messageId = queueDelivery(
        ctx,
        batch,
        partner,
        partner.acks.to,
        { ...doc, fileName, parentEventId: icEvent },
        `${a.kind} ${a.status} for interchange ${ic.controlNumber} → ${partner.acks.to}`,
      ).messageId;
    } else {
      batch.event(ctx, {
        stage: 'ack',
        status: 'warning',
        parentId: icEvent,
        messageId: message.id,
        partnerId: partner?.id ?? null,
        detail: `${a.kind} ${a.status} built but not sent: ${partner ? `partner ${partner.id} names no acks.to endpoint` : 'no partner to send it to'}`,
      });
    }
    batch.acks.push({
      id: randomUUID(),
      direction: 'out',
      kind: a.kind,
      messageId,
      acknowledgesInterchangeId: interchangeId,
      partnerId: partner?.id ?? null,
      interchangeControlNumber: ic.controlNumber.slice(0, 14),
      groupControlNumber: ic.groups[0]?.controlNumber?.slice(0, 14) ?? null,
      transactionControlNumber: null,
      status: a.status,
      report: null,
      createdAt: ctx.clock(),
    });
  }
}

/** The raw routes an interchange's transaction sets took: `partner/endpoint` → where its one delivery goes, and for which row. */
export type RawRoutes = Map<string, { to: string; endpoint: string; transactionId: string }>;

/**
 * Routes, maps and queues one transaction; false when it could not be (recorded on its row and as an
 * event). A raw route sends the interchange once, for every transaction set of it that takes the route;
 * when the payload is streamed, the caller sends it at the interchange's end (rawSent says where).
 */
export async function routeTransaction(
  w: Work,
  partner: LoadedPartner,
  ic: Interchange,
  tx: Transaction,
  row: TransactionRecord,
  parentEvent: number,
  rawSent: RawRoutes,
): Promise<boolean> {
  const { ctx, m, message, batch } = w;
  const { store } = ctx;
  const route = findRoute(partner, ic, tx);
  const routeEvent = (e: GatewayError, status: 'ok' | 'error' | 'warning') =>
    batch.event(ctx, {
      stage: 'route',
      status,
      parentId: parentEvent,
      messageId: message.id,
      interchangeId: row.interchangeId,
      transactionId: row.id,
      partnerId: partner.id,
      code: e.code,
      detail: e.describe(),
    });
  const fail = (e: GatewayError, deliveryStatus = 'failed') => {
    row.deliveryStatus = deliveryStatus;
    routeEvent(e, deliveryStatus === 'unrouted' && ACK_TYPES.has(tx.type) ? 'ok' : 'error');
    return deliveryStatus === 'unrouted';
  };
  if (!route || (ACK_TYPES.has(tx.type) && route.match?.type !== tx.type)) {
    return fail(
      new GatewayError(
        'EDIGW_NO_ROUTE',
        `partner ${partner.id}, ${ic.standard === 'x12' ? 'X12' : 'EDIFACT'} ${tx.type} ${tx.version} ${tx.controlNumber}`,
      ),
      'unrouted',
    );
  }
  const to = route.partner ? ctx.partners.get(route.partner) : partner;
  if (!to)
    return fail(
      new GatewayError('EDIGW_ROUTE_PARTNER_UNKNOWN', `route of partner ${partner.id} to partner ${route.partner}`),
    );
  const where = `${to.id}/${route.to}`;
  row.route = where.slice(0, 128);
  if (route.format === 'raw') {
    // Pending until the one delivery of the interchange settles, which then settles this row too (deliver.ts).
    row.deliveryStatus = 'pending';
    if (rawSent.has(where)) return true;
    rawSent.set(where, { to: to.id, endpoint: route.to, transactionId: row.id });
    if (!w.payload) return true;
  }
  // What the route sent, but not as it came: recorded on the transaction, visible in the report.
  const warn = (e: GatewayError) => routeEvent(e, 'warning');
  try {
    const doc = await produce(ctx, route, { partner, ic, tx, payload: w.payload ?? Buffer.alloc(0) }, to, (standard) =>
      store.nextControlNumber(m, to.id, standard === 'x12' ? 'isa' : 'unb'),
    );
    if (doc.losses?.length) {
      const lost = new GatewayError(
        'EDIGW_TRANSLATION_LOSS',
        `route to ${where}: ${doc.losses.length} segment(s) or element(s) of ${tx.type} ${tx.controlNumber} ` +
          `have no counterpart in the ${route.format.toUpperCase()} written`,
        { cause: new Error(lossList(doc.losses)) },
      );
      // A strict route refuses what it cannot carry whole: dead-lettered with the located list, never sent.
      if (route.strict) return fail(lost);
      warn(lost);
    }
    if (doc.transliterated?.length) {
      const changed = new GatewayError(
        'EDIGW_TEXT_TRANSLITERATED',
        `route to ${where}: ${doc.transliterated.length} value(s) of ${tx.type} ${tx.controlNumber} transliterated`,
        { cause: new Error(doc.transliterated.slice(0, 20).join('; ')) },
      );
      warn(changed);
    }
    const carries = route.format === 'raw' ? { interchangeId: row.interchangeId, route: row.route! } : undefined;
    const q = queueDelivery(
      ctx,
      batch,
      to,
      route.to,
      {
        bytes: doc.bytes,
        fileName: doc.fileName,
        contentType: doc.contentType,
        transactionId: row.id,
        parentEventId: parentEvent,
        carries,
      },
      `${tx.type} ${tx.controlNumber} → ${where}${route.map ? ` via ${route.map}` : ''} as ${route.format}: ${doc.fileName} (${doc.bytes.length} bytes)`,
    );
    if (doc.interchange) await recordOutbound(ctx, m, to, doc.bytes, q.message);
    row.deliveryStatus = 'pending';
    return true;
  } catch (e) {
    if (e instanceof GatewayError && e.kind !== 'retry') return fail(e);
    throw e;
  }
}

/** The located losses of a route, one per line; a very long list is cut, saying how many more there are. */
function lossList(losses: TranslationLoss[]): string {
  const shown = losses.slice(0, 200).map(formatLoss);
  return [...shown, ...(losses.length > shown.length ? [`and ${losses.length - shown.length} more`] : [])].join('\n');
}
