import { Between, type EntityManager, In } from 'typeorm';
import type { Driver } from './data-source';
import { ackSources } from './deliveries';
import {
  AckRecord,
  DeliveryRecord,
  EventRecord,
  GroupRecord,
  InterchangeRecord,
  MessageRecord,
  TransactionRecord,
} from './entities';
import { quote, rowDate, sqlDate } from './sql';

/**
 * What the store can tell of messages after the fact: search (the console's message list) and the
 * lineage of one message, from its bytes to every delivery attempt and operator action. Read-only.
 */

/** The filters of a message search; every one optional, all of them must hold. */
export interface MessageFilter {
  partner?: string;
  direction?: 'in' | 'out';
  transport?: string;
  status?: string;
  /** A transaction set type (850, ORDERS) the message carries, or delivers. */
  type?: string;
  /** The tracked reference (a PO number) of a transaction set the message carries, or delivers. */
  reference?: string;
  /** An interchange or transaction set control number, as written in the file. */
  controlNumber?: string;
  /** Received (inbound) or created (outbound) at or after. */
  from?: Date;
  /** ... and before. */
  to?: Date;
  /** Free text: the message id, or a part of its file name, remote path, AS2 Message-ID, error or a reference. */
  q?: string;
}

/** Where a page of results ends: the next page starts after this message. */
export interface MessageCursor {
  receivedAt: Date;
  id: string;
}

export interface TransactionSummary {
  id: string;
  type: string;
  controlNumber: string;
  reference: string | null;
  validation: string;
  ackStatus: string;
  deliveryStatus: string;
}

export interface DeliverySummary {
  id: string;
  endpoint: string;
  status: string;
  attempts: number;
  lastError: string | null;
  /** The transaction set it delivers, and the message that carried it in. */
  transactionId: string | null;
  type: string | null;
  reference: string | null;
  sourceMessageId: string | null;
}

export interface MessageSummary {
  id: string;
  direction: string;
  transport: string;
  partnerId: string | null;
  fileName: string | null;
  as2MessageId: string | null;
  size: number;
  status: string;
  error: string | null;
  receivedAt: Date;
  /** The transaction sets the message carries (inbound, or an outbound interchange we recorded). */
  transactions: TransactionSummary[];
  /** Its deliveries (outbound). */
  deliveries: DeliverySummary[];
}

export interface MessagePage {
  messages: MessageSummary[];
  /** Pass back for the next page; null when this is the last. */
  next: MessageCursor | null;
}

/** A delivery with every attempt's event (delivered, delivery-failed, dead-letter, replayed). */
export interface DeliveryLineage extends DeliveryRecord {
  history: EventRecord[];
}

export interface Lineage {
  message: MessageRecord;
  interchanges: Array<InterchangeRecord & { groups: Array<GroupRecord & { transactions: TransactionRecord[] }> }>;
  acks: { received: AckRecord[]; sent: AckRecord[] };
  deliveries: DeliveryLineage[];
  /** For an outbound message: the messages whose transaction sets it delivers. */
  sources: string[];
  /** Every event of the message and of the messages it led to (acks, deliveries), oldest first. */
  events: EventRecord[];
}

/** Stages a delivery's attempts and replays leave on its message. */
const DELIVERY_STAGES = new Set(['queued', 'delivered', 'delivery-failed', 'dead-letter', 'replayed']);

/** `LIKE` text with its wildcards taken literally (escaped with `!`, which both databases accept). */
const likeText = (s: string) => `%${s.replace(/[!%_]/g, (c) => `!${c}`)}%`;

export class MessageHistory {
  constructor(
    private readonly driver: Driver,
    private readonly query: <T>(sql: string, params?: unknown[]) => Promise<T>,
    private readonly read: <T>(work: (m: EntityManager) => Promise<T>) => Promise<T>,
  ) {}

  /** Messages matching `filter`, newest first, `limit` at a time; `after` continues a previous page. */
  async search(filter: MessageFilter, page: { limit: number; after?: MessageCursor }): Promise<MessagePage> {
    const d = this.driver;
    const [msg, tx, ic, dl] = ['message', 'edi_transaction', 'interchange', 'delivery'].map((t) => quote(d, t));
    const where: string[] = [];
    const params: unknown[] = [];
    const eq = (col: string, v: unknown) => {
      where.push(`m.${col} = ?`);
      params.push(v);
    };
    if (filter.partner !== undefined) eq('partnerId', filter.partner);
    if (filter.direction !== undefined) eq('direction', filter.direction);
    if (filter.transport !== undefined) eq('transport', filter.transport);
    if (filter.status !== undefined) eq('status', filter.status);
    // A transaction set of the message's own interchanges, or the one a delivery of it carries.
    const carries = (cond: string, v: unknown) => {
      where.push(
        `(EXISTS (SELECT 1 FROM ${ic} i JOIN ${tx} t ON t.interchangeId = i.id WHERE i.messageId = m.id AND ${cond})` +
          ` OR EXISTS (SELECT 1 FROM ${dl} d JOIN ${tx} t ON t.id = d.transactionId WHERE d.messageId = m.id AND ${cond}))`,
      );
      params.push(v, v);
    };
    if (filter.type !== undefined) carries('t.type = ?', filter.type);
    if (filter.reference !== undefined) {
      // By the reference index first: a PO number is rare, messages are many.
      where.push(
        `(m.id IN (SELECT t.messageId FROM ${tx} t WHERE t.reference = ?)` +
          ` OR m.id IN (SELECT d.messageId FROM ${dl} d JOIN ${tx} t ON t.id = d.transactionId WHERE t.reference = ?))`,
      );
      params.push(filter.reference, filter.reference);
    }
    if (filter.controlNumber !== undefined) {
      where.push(
        `(m.id IN (SELECT i.messageId FROM ${ic} i WHERE i.controlNumber = ?)` +
          ` OR EXISTS (SELECT 1 FROM ${ic} i JOIN ${tx} t ON t.interchangeId = i.id WHERE i.messageId = m.id AND t.controlNumber = ?))`,
      );
      params.push(filter.controlNumber, filter.controlNumber);
    }
    if (filter.from !== undefined) {
      where.push('m.receivedAt >= ?');
      params.push(sqlDate(d, filter.from));
    }
    if (filter.to !== undefined) {
      where.push('m.receivedAt < ?');
      params.push(sqlDate(d, filter.to));
    }
    if (filter.q !== undefined && filter.q.length > 0) {
      const like = likeText(filter.q);
      const cols = ['m.fileName', 'm.remotePath', 'm.as2MessageId', 'm.error'];
      where.push(
        `(m.id = ? OR ${cols.map((c) => `${c} LIKE ? ESCAPE '!'`).join(' OR ')}` +
          ` OR EXISTS (SELECT 1 FROM ${ic} i JOIN ${tx} t ON t.interchangeId = i.id WHERE i.messageId = m.id AND t.reference LIKE ? ESCAPE '!'))`,
      );
      params.push(filter.q, ...cols.map(() => like), like);
    }
    if (page.after) {
      const at = sqlDate(d, page.after.receivedAt);
      where.push('(m.receivedAt < ? OR (m.receivedAt = ? AND m.id < ?))');
      params.push(at, at, page.after.id);
    }
    const rows = await this.query<Array<Record<string, unknown>>>(
      `SELECT m.id, m.direction, m.transport, m.partnerId, m.fileName, m.as2MessageId, m.size, m.status, m.error, m.receivedAt
       FROM ${msg} m ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY m.receivedAt DESC, m.id DESC LIMIT ?`,
      [...params, page.limit + 1],
    );
    const more = rows.length > page.limit;
    const messages: MessageSummary[] = rows.slice(0, page.limit).map((r) => ({
      id: String(r.id),
      direction: String(r.direction),
      transport: String(r.transport),
      partnerId: (r.partnerId as string | null) ?? null,
      fileName: (r.fileName as string | null) ?? null,
      as2MessageId: (r.as2MessageId as string | null) ?? null,
      size: Number(r.size),
      status: String(r.status),
      error: (r.error as string | null) ?? null,
      receivedAt: rowDate(r.receivedAt),
      transactions: [],
      deliveries: [],
    }));
    await this.summarize(messages);
    const last = messages.at(-1);
    return { messages, next: more && last ? { receivedAt: last.receivedAt, id: last.id } : null };
  }

  /** Adds each message's transaction sets and deliveries, in two reads for the whole page. */
  private async summarize(messages: MessageSummary[]): Promise<void> {
    if (messages.length === 0) return;
    const byId = new Map(messages.map((m) => [m.id, m]));
    const ids = [...byId.keys()];
    await this.read(async (m) => {
      const txs = await m
        .createQueryBuilder(TransactionRecord, 't')
        .innerJoin(InterchangeRecord, 'i', 'i.id = t.interchangeId')
        .where('i.messageId IN (:...ids)', { ids })
        .orderBy('t.byteOffset', 'ASC')
        .getMany();
      for (const t of txs)
        byId.get(t.messageId)?.transactions.push({
          id: t.id,
          type: t.type,
          controlNumber: t.controlNumber,
          reference: t.reference,
          validation: t.validation,
          ackStatus: t.ackStatus,
          deliveryStatus: t.deliveryStatus,
        });
      const deliveries = await m.find(DeliveryRecord, { where: { messageId: In(ids) }, order: { createdAt: 'ASC' } });
      const carried = await this.transactionsById(
        m,
        deliveries.map((x) => x.transactionId),
      );
      // An ack we send carries no transaction set of ours: its source is the interchange it acknowledges.
      const acked = await ackSources(
        m,
        deliveries.filter((x) => x.transactionId === null).map((x) => x.messageId),
      );
      for (const x of deliveries) {
        const t = x.transactionId ? carried.get(x.transactionId) : undefined;
        const a = x.transactionId ? undefined : acked.get(x.messageId);
        byId.get(x.messageId)?.deliveries.push({
          id: x.id,
          endpoint: x.endpoint,
          status: x.status,
          attempts: x.attempts,
          lastError: x.lastError,
          transactionId: x.transactionId,
          type: t?.type ?? a?.kind ?? null,
          reference: t?.reference ?? a?.reference ?? null,
          sourceMessageId: t?.messageId ?? a?.sourceMessageId ?? null,
        });
      }
    });
  }

  private async transactionsById(m: EntityManager, ids: Array<string | null>): Promise<Map<string, TransactionRecord>> {
    const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
    if (wanted.length === 0) return new Map();
    const rows = await m.findBy(TransactionRecord, { id: In(wanted) });
    return new Map(rows.map((t) => [t.id, t]));
  }

  /**
   * The outbound messages of the TA1s and CONTRLs sent for interchanges of message `id` that were refused
   * before they were recorded (a duplicate, a receiver that is not us): such an ack has no interchange
   * row to point to, but its `queued` event names the refusal event as its parent. Both are written in
   * the one job, so the search stays within the message's own events' times (the stage and time index).
   */
  private async refusalAckMessages(m: EntityManager, id: string): Promise<string[]> {
    const own = await m.find(EventRecord, {
      select: { id: true, stage: true, status: true, createdAt: true },
      where: { messageId: id },
    });
    const refusals = own.filter((e) => e.stage === 'interchange' && e.status === 'error');
    if (refusals.length === 0) return [];
    const first = Math.min(...refusals.map((e) => e.createdAt.getTime()));
    const last = Math.max(...own.map((e) => e.createdAt.getTime()));
    const children = await m.find(EventRecord, {
      select: { messageId: true },
      where: {
        stage: 'queued',
        createdAt: Between(new Date(first), new Date(last + 1000)),
        parentId: In(refusals.map((e) => e.id)),
      },
    });
    return [...new Set(children.map((e) => e.messageId).filter((x): x is string => x !== null && x !== id))];
  }

  /** A message's lineage, or undefined when there is no such message. */
  async lineage(id: string): Promise<Lineage | undefined> {
    return this.read(async (m) => {
      const message = await m.findOneBy(MessageRecord, { id });
      if (!message) return undefined;
      const interchanges = await m.find(InterchangeRecord, { where: { messageId: id }, order: { byteOffset: 'ASC' } });
      const icIds = interchanges.map((i) => i.id);
      const groups = icIds.length
        ? await m.find(GroupRecord, { where: { interchangeId: In(icIds) }, order: { createdAt: 'ASC' } })
        : [];
      const txs = icIds.length
        ? await m.find(TransactionRecord, { where: { interchangeId: In(icIds) }, order: { byteOffset: 'ASC' } })
        : [];
      const refusalAcks = await this.refusalAckMessages(m, id);
      const acks = await m.find(AckRecord, {
        where: [
          { messageId: In([id, ...refusalAcks]) },
          ...(icIds.length ? [{ acknowledgesInterchangeId: In(icIds) }] : []),
        ],
        order: { createdAt: 'ASC' },
      });
      // The deliveries of this message, of the documents made from its transaction sets, and of the acks we sent for it.
      const ackMessages = acks.map((a) => a.messageId).filter((x): x is string => x !== null && x !== id);
      const txIds = txs.map((t) => t.id);
      const deliveries = await m.find(DeliveryRecord, {
        where: [{ messageId: In([id, ...ackMessages]) }, ...(txIds.length ? [{ transactionId: In(txIds) }] : [])],
        order: { createdAt: 'ASC' },
      });
      const eventMessages = [...new Set([id, ...ackMessages, ...deliveries.map((x) => x.messageId)])];
      const events = await m.find(EventRecord, {
        where: { messageId: In(eventMessages) },
        order: { createdAt: 'ASC', id: 'ASC' },
      });
      const carried = await this.transactionsById(
        m,
        deliveries.filter((x) => x.messageId === id).map((x) => x.transactionId),
      );
      return {
        message,
        interchanges: interchanges.map((i) => ({
          ...i,
          groups: groups
            .filter((g) => g.interchangeId === i.id)
            .map((g) => ({ ...g, transactions: txs.filter((t) => t.groupId === g.id) })),
        })),
        acks: { received: acks.filter((a) => a.direction === 'in'), sent: acks.filter((a) => a.direction === 'out') },
        deliveries: deliveries.map((x) => ({
          ...x,
          history: events.filter((e) => e.messageId === x.messageId && DELIVERY_STAGES.has(e.stage)),
        })),
        sources: [...new Set([...carried.values()].map((t) => t.messageId))],
        events,
      };
    });
  }
}
