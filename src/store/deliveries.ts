import { In, type EntityManager } from 'typeorm';
import type { Driver } from './data-source';
import { AckRecord, DeliveryRecord, InterchangeRecord, MessageRecord, TransactionRecord } from './entities';
import { quote, rowDate, sqlDate } from './sql';

/** Which dead letters: every filter optional, all must hold. */
export interface DeadLetterFilter {
  partner?: string;
  endpoint?: string;
  /** Dead-lettered at or after, and before. */
  from?: Date;
  to?: Date;
  /** These deliveries only (by their ids). */
  ids?: string[];
}

/** A dead letter as the console lists it: the delivery, what it carries, and where that came from. */
export interface DeadLetter {
  id: string;
  messageId: string;
  partnerId: string | null;
  endpoint: string;
  attempts: number;
  lastError: string | null;
  /** When it was given up. */
  deadAt: Date;
  fileName: string | null;
  size: number;
  transactionId: string | null;
  type: string | null;
  reference: string | null;
  /**
   * The inbound message whose transaction set it delivers; for an acknowledgement we send (997, TA1,
   * CONTRL…), the message that carried the interchange it acknowledges.
   */
  sourceMessageId: string | null;
}

/** What an acknowledgement message we send stands for: its kind, and the source of what it acknowledges. */
export interface AckSource {
  kind: string;
  sourceMessageId: string | null;
  reference: string | null;
}

/** The transaction sets a raw interchange delivery carries: those of the interchange the route took. */
export interface Carried {
  interchangeId: string;
  route: string;
}

/** What settling a delivery needs to know of it: its row's ids. */
export type DeliveryRef = Pick<DeliveryRecord, 'id' | 'messageId' | 'transactionId'>;

/** A delivery whose endpoint said yes, as the deliver step marks it. */
export interface Delivered {
  deliveryId: string;
  messageId: string;
  transactionId: string | null;
  carries?: Carried;
}

/**
 * The life of a delivery (document × endpoint) and of what follows it: its outbound Message and the
 * transaction set it was made from. Every state change of a delivery goes through here, so the three
 * rows never disagree. Methods taking a manager run inside the caller's transaction.
 */
export class Deliveries {
  constructor(
    private readonly driver: Driver,
    private readonly clock: () => Date,
    private readonly read: <T>(work: (m: EntityManager) => Promise<T>) => Promise<T>,
  ) {}

  /**
   * Dead letters matching `filter`, the latest given up first, `limit` at a time; `after` (the last
   * one of the previous page) continues.
   */
  async deadLetters(
    filter: DeadLetterFilter,
    page: { limit: number; after?: { deadAt: Date; id: string } },
  ): Promise<{ deadLetters: DeadLetter[]; next: { deadAt: Date; id: string } | null }> {
    if (filter.ids && filter.ids.length === 0) return { deadLetters: [], next: null };
    const rows = await this.read((m) => {
      const q = m
        .createQueryBuilder(DeliveryRecord, 'd')
        .leftJoin(MessageRecord, 'm', 'm.id = d.messageId')
        .leftJoin(TransactionRecord, 't', 't.id = d.transactionId')
        .select([
          'd.id AS id',
          'd.messageId AS messageId',
          'd.partnerId AS partnerId',
          'd.endpoint AS endpoint',
          'd.attempts AS attempts',
          'd.lastError AS lastError',
          'd.updatedAt AS deadAt',
          'm.fileName AS fileName',
          'm.size AS size',
          'd.transactionId AS transactionId',
          't.type AS type',
          't.reference AS reference',
          't.messageId AS sourceMessageId',
        ])
        .where("d.status = 'dead'");
      if (filter.partner !== undefined) q.andWhere('d.partnerId = :partner', { partner: filter.partner });
      if (filter.endpoint !== undefined) q.andWhere('d.endpoint = :endpoint', { endpoint: filter.endpoint });
      if (filter.from !== undefined) q.andWhere('d.updatedAt >= :from', { from: sqlDate(this.driver, filter.from) });
      if (filter.to !== undefined) q.andWhere('d.updatedAt < :to', { to: sqlDate(this.driver, filter.to) });
      if (filter.ids !== undefined) q.andWhere('d.id IN (:...ids)', { ids: filter.ids });
      if (page.after) {
        const at = sqlDate(this.driver, page.after.deadAt);
        q.andWhere('(d.updatedAt < :at OR (d.updatedAt = :at AND d.id < :afterId))', { at, afterId: page.after.id });
      }
      return q
        .orderBy('d.updatedAt', 'DESC')
        .addOrderBy('d.id', 'DESC')
        .limit(page.limit + 1)
        .getRawMany<Record<string, unknown>>();
    });
    const list: DeadLetter[] = rows.slice(0, page.limit).map((r) => ({
      id: String(r.id),
      messageId: String(r.messageId),
      partnerId: (r.partnerId as string | null) ?? null,
      endpoint: String(r.endpoint),
      attempts: Number(r.attempts),
      lastError: (r.lastError as string | null) ?? null,
      deadAt: rowDate(r.deadAt),
      fileName: (r.fileName as string | null) ?? null,
      size: Number(r.size ?? 0),
      transactionId: (r.transactionId as string | null) ?? null,
      type: (r.type as string | null) ?? null,
      reference: (r.reference as string | null) ?? null,
      sourceMessageId: (r.sourceMessageId as string | null) ?? null,
    }));
    await this.fillAckSources(list);
    const last = list.at(-1);
    return { deadLetters: list, next: rows.length > page.limit && last ? { deadAt: last.deadAt, id: last.id } : null };
  }

  /**
   * A dead acknowledgement delivers no transaction set of ours, so the join through `transactionId`
   * leaves it blank; it is found through its ack row instead (ack.messageId, ix_ack_message), then the
   * interchange it acknowledges (ack.acknowledgesInterchangeId → interchange.messageId). Its type is the
   * ack's kind; its reference, the tracked references of the acknowledged interchange's transaction sets.
   */
  private async fillAckSources(list: DeadLetter[]): Promise<void> {
    const wanted = list.filter((d) => d.transactionId === null).map((d) => d.messageId);
    if (wanted.length === 0) return;
    const sources = await this.read((m) => ackSources(m, wanted));
    for (const d of list) {
      const a = d.transactionId === null ? sources.get(d.messageId) : undefined;
      if (!a) continue;
      d.type ??= a.kind;
      d.reference ??= a.reference;
      d.sourceMessageId ??= a.sourceMessageId;
    }
  }

  /** A delivery by its id; inside the caller's transaction with `m`. */
  byId(id: string, m?: EntityManager): Promise<DeliveryRecord | null> {
    return m ? m.findOneBy(DeliveryRecord, { id }) : this.read((mm) => mm.findOneBy(DeliveryRecord, { id }));
  }

  /** The delivery of an outbound message (an AS2 MDN finds it so); inside the caller's transaction with `m`. */
  ofMessage(messageId: string, m?: EntityManager): Promise<DeliveryRecord | null> {
    const find = (mm: EntityManager) => mm.findOneBy(DeliveryRecord, { messageId });
    return m ? find(m) : this.read(find);
  }

  /**
   * The dead letters an id stands for that names no delivery and no outbound message: a transaction
   * set's (what was made from it) or an inbound message's (what was made from its transaction sets,
   * and the acks we sent for it). These are the ids the report and the console show for a document.
   */
  async deadOf(id: string): Promise<DeliveryRecord[]> {
    return this.read(async (m) => {
      const txs = await m.find(TransactionRecord, { select: { id: true }, where: [{ id }, { messageId: id }] });
      const ics = await m.find(InterchangeRecord, { select: { id: true }, where: { messageId: id } });
      const acks = ics.length
        ? await m.find(AckRecord, {
            select: { messageId: true },
            where: { direction: 'out', acknowledgesInterchangeId: In(ics.map((i) => i.id)) },
          })
        : [];
      const ackMessages = acks.map((a) => a.messageId).filter((x): x is string => x !== null);
      const where = [
        ...(txs.length ? [{ status: 'dead' as const, transactionId: In(txs.map((t) => t.id)) }] : []),
        ...(ackMessages.length ? [{ status: 'dead' as const, messageId: In(ackMessages) }] : []),
      ];
      return where.length ? m.find(DeliveryRecord, { where, order: { createdAt: 'ASC', id: 'ASC' } }) : [];
    });
  }

  /** A delivery named by its own id or by its outbound message's id (what `replay` accepts). */
  async byIdOrMessage(m: EntityManager, id: string): Promise<DeliveryRecord | null> {
    return (await m.findOneBy(DeliveryRecord, { id })) ?? (await m.findOneBy(DeliveryRecord, { messageId: id }));
  }

  /**
   * Deliveries whose endpoint said yes: delivered, their messages sent, their transaction sets (and
   * those a raw interchange carried) delivered, in a few statements for the whole batch.
   */
  async markDelivered(m: EntityManager, list: Delivered[], now = this.clock()): Promise<void> {
    if (list.length === 0) return;
    const d = this.driver;
    const at = sqlDate(d, now);
    const ids = (f: (a: Delivered) => string | null) => list.map(f).filter((x): x is string => x !== null);
    const inList = (n: number) => Array.from({ length: n }, () => '?').join(', ');
    const deliveries = ids((a) => a.deliveryId);
    await m.query(
      `UPDATE ${quote(d, 'delivery')} SET status = 'delivered', attempts = attempts + 1, lastError = NULL, ` +
        `deliveredAt = ?, nextAttemptAt = NULL, updatedAt = ? WHERE id IN (${inList(deliveries.length)})`,
      [at, at, ...deliveries],
    );
    const messages = ids((a) => a.messageId);
    await m.query(
      `UPDATE ${quote(d, 'message')} SET status = 'sent', error = NULL, updatedAt = ? WHERE id IN (${inList(messages.length)})`,
      [at, ...messages],
    );
    const txs = ids((a) => a.transactionId);
    if (txs.length)
      await m.query(
        `UPDATE ${quote(d, 'edi_transaction')} SET deliveryStatus = 'delivered', deliveredAt = ? WHERE id IN (${inList(txs.length)})`,
        [at, ...txs],
      );
    for (const a of list) if (a.carries) await this.settleCarried(m, a.carries, 'delivered', now);
  }

  /** A failed attempt to be tried again at `nextAttemptAt`: the delivery retrying, its message queued. */
  async retrying(m: EntityManager, d: DeliveryRef, error: string, nextAttemptAt: Date, carries?: Carried) {
    await this.settle(
      m,
      d,
      { status: 'retrying', lastError: error, nextAttemptAt },
      'retrying',
      'queued',
      error,
      carries,
    );
  }

  /**
   * A delivery given up (its attempts spent, a permanent failure, a refusing MDN, a job that kept
   * crashing): dead, its message failed, its transaction sets dead. `replay` can send it again.
   */
  async deadLetter(m: EntityManager, d: DeliveryRef, error: string, carries?: Carried): Promise<void> {
    await this.settle(
      m,
      d,
      { status: 'dead', lastError: error, nextAttemptAt: null },
      'dead',
      'failed',
      error,
      carries,
    );
  }

  /** A dead delivery queued again by `replay`: pending now, its message queued (its last error kept). */
  async reopen(m: EntityManager, d: DeliveryRecord, carries?: Carried): Promise<void> {
    await this.settle(
      m,
      d,
      { status: 'pending', nextAttemptAt: this.clock(), lastError: d.lastError },
      'pending',
      'queued',
      null,
      carries,
    );
  }

  /** Counts a failed attempt on the delivery's row (a success counts in markDelivered). */
  async countAttempt(m: EntityManager, deliveryId: string): Promise<void> {
    await m.query(`UPDATE ${quote(this.driver, 'delivery')} SET attempts = attempts + 1 WHERE id = ?`, [deliveryId]);
  }

  private async settle(
    m: EntityManager,
    d: DeliveryRef,
    set: Partial<DeliveryRecord>,
    txStatus: string,
    messageStatus: string,
    error: string | null,
    carries?: Carried,
  ): Promise<void> {
    const now = this.clock();
    await m.update(DeliveryRecord, { id: d.id }, { ...set, updatedAt: now });
    await m.update(MessageRecord, { id: d.messageId }, { status: messageStatus, error, updatedAt: now });
    if (d.transactionId) {
      await m.update(
        TransactionRecord,
        { id: d.transactionId },
        { deliveryStatus: txStatus, ...(txStatus === 'delivered' ? { deliveredAt: now } : {}) },
      );
    }
    if (carries) await this.settleCarried(m, carries, txStatus, now);
  }

  /**
   * A raw route delivers an interchange once for all the transaction sets it took: each of them gets
   * that delivery's status (those the route refused, or that failed on their own, keep theirs).
   */
  private async settleCarried(m: EntityManager, carries: Carried, txStatus: string, now: Date): Promise<void> {
    const d = this.driver;
    const delivered = txStatus === 'delivered';
    await m.query(
      `UPDATE ${quote(d, 'edi_transaction')} SET deliveryStatus = ?${delivered ? ', deliveredAt = ?' : ''} ` +
        `WHERE interchangeId = ? AND route = ? AND deliveryStatus IN ('pending', 'retrying', 'dead', 'delivered')`,
      [txStatus, ...(delivered ? [sqlDate(d, now)] : []), carries.interchangeId, carries.route],
    );
  }
}

/** The acknowledgements among `messageIds` (outbound messages), by message id: see Deliveries.fillAckSources. */
export async function ackSources(m: EntityManager, messageIds: string[]): Promise<Map<string, AckSource>> {
  if (messageIds.length === 0) return new Map();
  const acks = await m.find(AckRecord, {
    select: { messageId: true, kind: true, acknowledgesInterchangeId: true, createdAt: true },
    where: { direction: 'out', messageId: In([...new Set(messageIds)]) },
    order: { createdAt: 'ASC' },
  });
  if (acks.length === 0) return new Map();
  const icIds = [...new Set(acks.map((a) => a.acknowledgesInterchangeId).filter((x): x is string => x !== null))];
  const ics = icIds.length
    ? await m.find(InterchangeRecord, { select: { id: true, messageId: true }, where: { id: In(icIds) } })
    : [];
  const txs = icIds.length
    ? await m.find(TransactionRecord, {
        select: { interchangeId: true, reference: true, byteOffset: true },
        where: { interchangeId: In(icIds) },
        order: { byteOffset: 'ASC' },
      })
    : [];
  const sourceOf = new Map(ics.map((i) => [i.id, i.messageId]));
  const refsOf = new Map<string, Set<string>>();
  for (const t of txs) {
    if (!t.reference) continue;
    const refs = refsOf.get(t.interchangeId) ?? new Set<string>();
    refsOf.set(t.interchangeId, refs.add(t.reference));
  }
  const out = new Map<string, AckSource>();
  for (const a of acks) {
    if (a.messageId === null || out.has(a.messageId)) continue;
    const ic = a.acknowledgesInterchangeId;
    const refs = [...((ic !== null && refsOf.get(ic)) || [])];
    out.set(a.messageId, {
      kind: a.kind,
      sourceMessageId: (ic !== null ? sourceOf.get(ic) : undefined) ?? null,
      reference: refs.length ? refs.join(', ') : null,
    });
  }
  return out;
}
