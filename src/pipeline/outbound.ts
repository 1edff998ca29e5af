import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type Endpoint, endpointKind } from '../config/partner';
import type { LoadedPartner } from '../config/partners';
import { GatewayError } from '../errors';
import type { Interchange, PartyId, Standard } from '../edi/model';
import { parseBuffer } from '../edi/parse';
import { write } from '../edi/write';
import { DeliveryRecord, MessageRecord } from '../store/entities';
import type { PipelineContext, PipelineView } from './context';

export interface OutboundDocument {
  bytes: Buffer;
  fileName: string;
  contentType: string;
  /** The transaction this document was made from, whose delivery status it carries. */
  transactionId?: string | null;
  parentEventId?: number | null;
}

export interface Queued {
  deliveryId: string;
  messageId: string;
}

/** The endpoint a partner file names, or a dead GatewayError saying which endpoints there are. */
export function endpointOf(partner: LoadedPartner, name: string): Endpoint {
  const e = partner.endpoints?.[name];
  if (!e) {
    const known = Object.keys(partner.endpoints ?? {});
    throw new GatewayError('EDIGW_ENDPOINT_UNKNOWN', `partner ${partner.id}, endpoint "${name}" (${known.length ? `endpoints: ${known.join(', ')}` : 'it has no endpoints'})`);
  }
  return e;
}

/** A file name fit for any endpoint: letters, digits, `.`, `-` and `_`. */
export function safeName(...parts: Array<string | number | undefined | null>): string {
  return parts.filter((p) => p !== undefined && p !== null && p !== '').map((p) => String(p).replace(/[^A-Za-z0-9._-]+/g, '_')).join('-').slice(0, 180);
}

/**
 * Queues one document for one endpoint, inside the caller's transaction: its bytes (durable before the
 * commit), the outbound Message, the Delivery and the job that sends it. Nothing is sent here; the
 * deliver job runs only once all of it has committed.
 */
export async function queueDelivery(ctx: PipelineContext, m: EntityManager, partner: LoadedPartner, endpointName: string, doc: OutboundDocument): Promise<Queued> {
  const endpoint = endpointOf(partner, endpointName);
  const store = ctx.store;
  const now = ctx.clock();
  const hash = await store.putPayload(m, doc.bytes);
  const message = Object.assign(new MessageRecord(), {
    id: randomUUID(), direction: 'out', transport: endpointKind(endpoint), partnerId: partner.id, as2MessageId: null, as2From: null,
    fileName: doc.fileName, remotePath: null, sha256: hash, size: doc.bytes.length, status: 'queued', mdnDisposition: null, mic: null, error: null,
    receivedAt: now, updatedAt: now,
  });
  await m.insert(MessageRecord, message);
  const delivery = Object.assign(new DeliveryRecord(), {
    id: randomUUID(), messageId: message.id, transactionId: doc.transactionId ?? null, partnerId: partner.id, endpoint: endpointName,
    status: 'pending', attempts: 0, nextAttemptAt: now, lastError: null, deliveredAt: null, createdAt: now, updatedAt: now,
  });
  await m.insert(DeliveryRecord, delivery);
  await store.queue.enqueue({ kind: 'deliver', key: `deliver:${delivery.id}`, messageId: message.id, data: { deliveryId: delivery.id }, maxAttempts: ctx.config.delivery.attempts }, m);
  await store.event({ stage: 'queued', parentId: doc.parentEventId ?? null, messageId: message.id, transactionId: doc.transactionId ?? null, partnerId: partner.id, detail: `${doc.fileName} for ${endpointName} (${doc.bytes.length} bytes)` }, m);
  return { deliveryId: delivery.id, messageId: message.id };
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

/** Applies a partner's outbound ISA settings (authorization, security, test, ack requested) to a built interchange. */
export function applyOutboundSettings(ic: Interchange, partner: LoadedPartner): Interchange {
  if (ic.standard === 'x12') {
    const isa = partner.outbound?.x12?.isa;
    if (isa) {
      const e = ic.header.elements;
      e[0] = isa.authorization;
      e[2] = isa.security;
      e[13] = isa.ackRequested ? '1' : '0';
      e[14] = isa.test || ic.test ? 'T' : 'P';
      ic.test = isa.test || ic.test;
    }
  }
  return ic;
}

/**
 * Records an interchange we send (direction out) so that the acknowledgement the partner owes can be
 * matched and, past its deadline, flagged overdue.
 */
export async function recordOutbound(ctx: PipelineContext, m: EntityManager, partner: LoadedPartner, bytes: Buffer, messageId: string): Promise<void> {
  const within = partner.acks?.expectWithin;
  const ackDueAt = within ? new Date(ctx.clock().getTime() + within) : null;
  const row = await m.findOneByOrFail(MessageRecord, { id: messageId });
  for (const ic of parseBuffer(bytes, { level: 'envelope' }).interchanges) {
    await ctx.store.recordInterchange(m, { message: row, interchange: ic, partnerId: partner.id, ackDueAt });
  }
}

/** An interchange as bytes, with the content type an endpoint announces it by. */
export function interchangeDocument(ic: Interchange): { bytes: Buffer; contentType: string } {
  return { bytes: write(ic), contentType: ic.standard === 'x12' ? 'application/edi-x12' : 'application/edifact' };
}
