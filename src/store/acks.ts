import type { EntityManager } from 'typeorm';
import { AckRecord, GroupRecord, InterchangeRecord, TransactionRecord } from './entities';

/** An interchange we sent, with its groups: what an acknowledgement is matched to. */
export interface SentInterchange {
  interchange: InterchangeRecord;
  groups: GroupRecord[];
}

/** What an acknowledgement said of one of our interchanges, its groups and its transaction sets. */
export interface Acknowledgement {
  interchangeId: string;
  status: string;
  /** The acknowledgement as read, kept on the interchange's row. */
  report: object;
  transactions: Array<{ id: string; status: string }>;
  groups: Array<{ id: string; status: string }>;
}

/**
 * Acknowledgements: those we received, matched to what we sent, and the ack status they leave on
 * interchanges, groups and transaction sets. Every method runs inside the caller's transaction.
 */
export class Acks {
  /**
   * Our outbound interchange to a partner with one of these control numbers (tried in order: the
   * same number may be written with or without its leading zeros).
   */
  async sentInterchange(
    m: EntityManager,
    partnerId: string,
    controlNumbers: string[],
  ): Promise<SentInterchange | undefined> {
    for (const controlNumber of controlNumbers) {
      const hit = await this.withGroups(
        m,
        await m.findOneBy(InterchangeRecord, { partnerKey: partnerId, direction: 'out', controlNumber }),
      );
      if (hit) return hit;
    }
    return undefined;
  }

  /** Our latest outbound interchange to a partner that carried a group with this control number (and functional id). */
  async sentInterchangeOfGroup(
    m: EntityManager,
    partnerId: string,
    controlNumber: string,
    functionalId?: string | null,
  ): Promise<SentInterchange | undefined> {
    // Group control numbers are small counters every partner reuses: narrow to what we sent this
    // partner in the query itself (partnerKey leads the unique index), never after a LIMIT.
    const q = m
      .createQueryBuilder(GroupRecord, 'g')
      .innerJoin(InterchangeRecord, 'i', 'i.id = g.interchangeId')
      .where('i.partnerKey = :partnerId AND i.direction = :out AND g.controlNumber = :ctrl', {
        partnerId,
        out: 'out',
        ctrl: controlNumber,
      });
    if (functionalId) q.andWhere('g.functionalId = :fid', { fid: functionalId });
    const candidate = await q.orderBy('g.createdAt', 'DESC').getOne();
    return candidate
      ? this.withGroups(m, await m.findOneBy(InterchangeRecord, { id: candidate.interchangeId }))
      : undefined;
  }

  /** The transaction sets of an interchange. */
  transactionsOf(m: EntityManager, interchangeId: string): Promise<TransactionRecord[]> {
    return m.findBy(TransactionRecord, { interchangeId });
  }

  /** Records an acknowledgement we received (matched or not). */
  async recordReceived(m: EntityManager, ack: Omit<AckRecord, 'direction'>): Promise<void> {
    await m.insert(AckRecord, { ...ack, direction: 'in' });
  }

  /** What a received acknowledgement said, on the interchange it acknowledges, its transaction sets and groups. */
  async markAcknowledged(m: EntityManager, ack: Acknowledgement): Promise<void> {
    await m.update(InterchangeRecord, { id: ack.interchangeId }, { ackStatus: ack.status, ackReport: ack.report });
    for (const tx of ack.transactions) await m.update(TransactionRecord, { id: tx.id }, { ackStatus: tx.status });
    for (const g of ack.groups) await m.update(GroupRecord, { id: g.id }, { ackStatus: g.status });
  }

  /** The ack status of an interchange we received: what the acknowledgement we send says of it. */
  async markAnswered(m: EntityManager, interchangeId: string, status: string): Promise<void> {
    await m.update(InterchangeRecord, { id: interchangeId }, { ackStatus: status });
  }

  private async withGroups(m: EntityManager, ic: InterchangeRecord | null): Promise<SentInterchange | undefined> {
    return ic ? { interchange: ic, groups: await m.findBy(GroupRecord, { interchangeId: ic.id }) } : undefined;
  }
}
