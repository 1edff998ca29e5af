import { randomUUID } from 'node:crypto';
import { type Endpoint, endpointKind } from '../config/partner';
import type { LoadedPartner } from '../config/partners';
import { GatewayError } from '../errors';
import type { Interchange, PartyId, Standard } from '../edi/model';
import { parseBuffer } from '../edi/parse';
import { write } from '../edi/write';
import { fitSyntaxLevel } from '../edi/edifact/syntax-level';
import { fitX12Delimiters } from '../edi/x12/delimiters';
import { locate, TextRefused, type TextProblem } from '../edi/text-refused';
import { checkGenerated } from '../edi/generated-check';
import { formatDiagnostic } from '../edi/diagnostic';
import type { ProfileSet } from '../edi/profile/profile-set';
import { DeliveryRecord, MessageRecord, type TransactionRecord } from '../store/entities';
import type { Carried } from '../store/deliveries';
import type { EventInput, Tx } from '../store/store';
import type { PipelineContext, PipelineView } from './context';

export interface OutboundDocument {
  bytes: Buffer;
  fileName: string;
  contentType: string;
  /** The transaction this document was made from, whose delivery status it carries. */
  transactionId?: string | null;
  parentEventId?: number | null;
  /** Bytes already stored (a range of a large payload, copied in pieces): `bytes` is then not read. */
  stored?: { sha256: string; size: number; row: Record<string, unknown> };
  /** A raw interchange: every transaction set of it the route took gets this delivery's status. */
  carries?: Carried;
}

export type { Carried };

export interface Queued {
  deliveryId: string;
  messageId: string;
  message: MessageRecord;
}

/** The endpoint a partner file names, or a dead GatewayError saying which endpoints there are. */
export function endpointOf(partner: LoadedPartner, name: string): Endpoint {
  const e = partner.endpoints?.[name];
  if (!e) {
    const known = Object.keys(partner.endpoints ?? {});
    throw new GatewayError(
      'EDIGW_ENDPOINT_UNKNOWN',
      `partner ${partner.id}, endpoint "${name}" (${known.length ? `endpoints: ${known.join(', ')}` : 'it has no endpoints'})`,
    );
  }
  return e;
}

/** A file name fit for any endpoint: letters, digits, `.`, `-` and `_`. */
export function safeName(...parts: Array<string | number | undefined | null>): string {
  return parts
    .filter((p) => p !== undefined && p !== null && p !== '')
    .map((p) => String(p).replace(/[^A-Za-z0-9._-]+/g, '_'))
    .join('-')
    .slice(0, 180);
}

/**
 * Rows a step writes, gathered and inserted together (a few multi-row statements instead of several
 * statements per document): payloads, outbound messages, deliveries, their jobs, events and deferred
 * transaction rows. `flush` runs inside the step's transaction, before its commit.
 */
export class Batch {
  readonly payloads: Array<Record<string, unknown>> = [];
  readonly messages: MessageRecord[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  readonly jobs: Array<Record<string, unknown>> = [];
  readonly events: Array<Record<string, unknown>> = [];
  readonly transactions: TransactionRecord[] = [];
  readonly acks: Array<Record<string, unknown>> = [];
  /** What to do once the step's transaction has committed (log lines, counts): run by committed(). */
  private readonly after: Array<(ctx: PipelineView) => void> = [];

  /** Runs `note` after the commit (committed()), never for a step that rolls back. */
  afterCommit(note: (ctx: PipelineView) => void): void {
    this.after.push(note);
  }

  /** The step committed: logs and counts what it noted. */
  committed(ctx: PipelineView): void {
    for (const note of this.after.splice(0)) note(ctx);
  }

  event(ctx: PipelineView, e: EventInput): void {
    this.events.push({
      parentId: e.parentId ?? null,
      messageId: e.messageId ?? null,
      interchangeId: e.interchangeId ?? null,
      transactionId: e.transactionId ?? null,
      partnerId: e.partnerId ?? null,
      stage: e.stage,
      status: e.status ?? 'ok',
      code: e.code ?? null,
      detail: e.detail ?? null,
      createdAt: ctx.clock(),
    });
  }

  /** Moves the rows another batch gathered into this one (its after-commit notes stay with it). */
  take(other: Batch): void {
    for (const [to, from] of this.lists(other)) to.push(...from.splice(0));
  }

  private lists(other: Batch): Array<[Array<unknown>, Array<unknown>]> {
    return [
      [this.payloads, other.payloads],
      [this.messages, other.messages],
      [this.deliveries, other.deliveries],
      [this.jobs, other.jobs],
      [this.events, other.events],
      [this.transactions, other.transactions],
      [this.acks, other.acks],
    ];
  }

  async flush(ctx: PipelineContext, m: Tx): Promise<void> {
    await ctx.store.recordStep(m, this);
    for (const list of [
      this.payloads,
      this.messages,
      this.deliveries,
      this.jobs,
      this.events,
      this.transactions,
      this.acks,
    ])
      list.length = 0;
  }
}

/** What a deliver job carries, so that running it needs no lookups. */
export interface DeliverJobData {
  deliveryId: string;
  messageId: string;
  sha256: string;
  size: number;
  fileName: string;
  partnerId: string;
  endpoint: string;
  transactionId: string | null;
  carries?: Carried;
}

/**
 * Queues one document for one endpoint into `batch` (the caller flushes it inside its transaction):
 * its bytes (durable before the commit), the outbound Message, the Delivery and the job that sends it.
 * Nothing is sent here; the deliver job runs only once all of it has committed.
 */
export function queueDelivery(
  ctx: PipelineContext,
  batch: Batch,
  partner: LoadedPartner,
  endpointName: string,
  doc: OutboundDocument,
  detail?: string,
): Queued {
  const endpoint = endpointOf(partner, endpointName);
  const now = ctx.clock();
  const payload = doc.stored ?? ctx.store.preparePayload(doc.bytes);
  const size = doc.stored?.size ?? doc.bytes.length;
  batch.payloads.push(payload.row);
  const message = Object.assign(new MessageRecord(), {
    id: randomUUID(),
    direction: 'out',
    transport: endpointKind(endpoint),
    partnerId: partner.id,
    as2MessageId: null,
    as2From: null,
    fileName: doc.fileName,
    remotePath: null,
    sha256: payload.sha256,
    size,
    status: 'queued',
    mdnDisposition: null,
    mic: null,
    error: null,
    receivedAt: now,
    updatedAt: now,
  });
  batch.messages.push(message);
  const delivery = Object.assign(new DeliveryRecord(), {
    id: randomUUID(),
    messageId: message.id,
    transactionId: doc.transactionId ?? null,
    partnerId: partner.id,
    endpoint: endpointName,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    deliveredAt: null,
    createdAt: now,
    updatedAt: now,
  });
  batch.deliveries.push(delivery);
  const data: DeliverJobData = {
    deliveryId: delivery.id,
    messageId: message.id,
    sha256: payload.sha256,
    size,
    fileName: doc.fileName,
    partnerId: partner.id,
    endpoint: endpointName,
    transactionId: doc.transactionId ?? null,
    ...(doc.carries ? { carries: doc.carries } : {}),
  };
  batch.jobs.push({
    kind: 'deliver',
    key: `deliver:${delivery.id}`,
    messageId: message.id,
    data,
    status: 'queued',
    runAt: now,
    attempts: 0,
    maxAttempts: ctx.config.delivery.attempts,
    claimedBy: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
  });
  batch.event(ctx, {
    stage: 'queued',
    parentId: doc.parentEventId ?? null,
    messageId: message.id,
    transactionId: doc.transactionId ?? null,
    partnerId: partner.id,
    detail: detail ?? `${doc.fileName} for ${endpointName} (${size} bytes)`,
  });
  return { deliveryId: delivery.id, messageId: message.id, message };
}

/** Who we are in a standard: the first identity gateway.yaml gives, else the id the partner addressed. */
export function ourParty(ctx: PipelineView, standard: Standard, fallback?: PartyId): PartyId | undefined {
  const ids = standard === 'x12' ? ctx.config.identity.x12 : ctx.config.identity.edifact;
  return ids[0] ? { qualifier: ids[0].qualifier, id: ids[0].id } : fallback;
}

/** The partner's party in a standard: its first identifier there. */
export function partnerParty(partner: LoadedPartner, standard: Standard): PartyId | undefined {
  if (standard === 'x12') {
    const p = partner.identifiers.x12?.[0];
    return p ? { qualifier: p.qualifier, id: p.id } : undefined;
  }
  const p = partner.identifiers.edifact?.[0];
  return p ? { qualifier: p.qualifier ?? '14', id: p.id } : undefined;
}

/**
 * The version a document made from a canonical one is written in for this partner: GS08 from
 * outbound.x12.version (004010 or 005010, an implementation suffix like VICS kept), the UNH directory
 * from outbound.edifact.directory. The writers know these two of each; a GS08 of any other version
 * would label content it does not describe, so it is refused rather than sent.
 */
export function outboundVersion(
  kind: { x12: { version: string }; edifact: { version: string } },
  standard: Standard,
  partner: LoadedPartner | undefined,
): string {
  if (standard === 'edifact') return partner?.outbound?.edifact?.directory ?? kind.edifact.version;
  const version = partner?.outbound?.x12?.version;
  if (!partner || version === undefined) return kind.x12.version;
  if (!/^00[45]010/.test(version))
    throw new GatewayError(
      'EDIGW_SERIALIZE_FAILED',
      `partner ${partner.id}, outbound.x12.version ${version}: documents made from canonical ones are written as 004010 or 005010 only`,
    );
  return version;
}

/**
 * Applies a partner's outbound settings (ISA authorization, security, test, ack requested; the EDIFACT
 * syntax and UNA) to a built interchange, and fits its text to what will carry it: the EDIFACT syntax
 * level (the lowest that carries the text, or the pinned one), X12 delimiters the data does not use.
 * Text that cannot be sent as it is refuses the document (a dead GatewayError naming each place), so a
 * different document is never written. Without a partner, the defaults apply (no alternative delimiters).
 * Each value a partner's `transliterate: true` changed is added to `transliterated`, located.
 */
export function applyOutboundSettings(
  ic: Interchange,
  partner: LoadedPartner | undefined,
  transliterated?: string[],
): Interchange {
  if (ic.standard === 'x12') {
    const isa = partner?.outbound?.x12?.isa;
    if (isa) {
      const e = ic.header.elements;
      e[0] = isa.authorization;
      e[2] = isa.security;
      e[13] = isa.ackRequested ? '1' : '0';
      e[14] = isa.test || ic.test ? 'T' : 'P';
      ic.test = isa.test || ic.test;
    }
    return fitted(ic, partner, () => fitX12Delimiters(ic, partner?.outbound?.x12?.delimiters ?? {}));
  }
  const ef = partner?.outbound?.edifact;
  if (ef) ic.syntax = { ...ic.syntax, una: ef.una };
  const told = transliterated
    ? { onTransliterated: (c: TextProblem) => transliterated.push(`${locate(c)}: ${c.reason}`) }
    : {};
  return fitted(ic, partner, () => fitSyntaxLevel(ic, { ...ef, ...told }));
}

function fitted(ic: Interchange, partner: LoadedPartner | undefined, fit: () => Interchange): Interchange {
  try {
    return fit();
  } catch (e) {
    if (!(e instanceof TextRefused)) throw e;
    const kind = ic.standard === 'x12' ? 'X12' : 'EDIFACT';
    throw new GatewayError(
      'EDIGW_SERIALIZE_FAILED',
      `writing ${kind} interchange ${ic.controlNumber}${partner ? ` for partner ${partner.id}` : ''}`,
      { cause: e },
    );
  }
}

/**
 * Records an interchange we send (direction out) so that the acknowledgement the partner owes can be
 * matched and, past its deadline, flagged overdue.
 */
export async function recordOutbound(
  ctx: PipelineContext,
  m: Tx,
  partner: LoadedPartner,
  bytes: Buffer,
  message: MessageRecord,
): Promise<void> {
  const within = partner.acks?.expectWithin;
  const ackDueAt = within ? new Date(ctx.clock().getTime() + within) : null;
  for (const ic of parseBuffer(bytes, { level: 'envelope' }).interchanges) {
    await ctx.store.recordInterchange(m, { message, interchange: ic, partnerId: partner.id, ackDueAt });
  }
}

/**
 * An interchange as bytes, with the content type an endpoint announces it by. With `profiles` (a
 * document we generated), the bytes are first read back against the target profile: a document the
 * receiving standard would refuse is a dead GatewayError naming each finding, never a delivery.
 */
export function interchangeDocument(ic: Interchange, profiles?: ProfileSet): { bytes: Buffer; contentType: string } {
  const bytes = write(ic);
  if (profiles) {
    const { errors } = checkGenerated(bytes, profiles);
    if (errors.length)
      throw new GatewayError(
        'EDIGW_SERIALIZE_FAILED',
        `checking the ${ic.standard === 'x12' ? 'X12' : 'EDIFACT'} interchange ${ic.controlNumber} we wrote against its profile`,
        {
          cause: new Error(
            errors
              .slice(0, 5)
              .map((d) => formatDiagnostic(d))
              .join('; ') + (errors.length > 5 ? `; and ${errors.length - 5} more` : ''),
          ),
        },
      );
  }
  return { bytes, contentType: ic.standard === 'x12' ? 'application/edi-x12' : 'application/edifact' };
}
