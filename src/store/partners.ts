import type { EntityManager } from 'typeorm';
import type { Driver } from './data-source';
import { DeliveryRecord, MessageRecord, PartnerStateRecord } from './entities';
import { quote, rowDate, sqlDate } from './sql';

/** One partner's traffic as the partners page shows it. */
export interface PartnerActivity {
  lastIn: Date | null;
  lastOut: Date | null;
  /** Messages since `since` (the start of the day, UTC). */
  today: {
    in: number;
    out: number;
    /** Inbound messages refused or failed (unknown sender, invalid, duplicate, a processing error). */
    refused: number;
    /** Outbound messages that failed. */
    failed: number;
  };
  /** Deliveries now waiting to go out (pending or between retries), and those dead-lettered. */
  deliveries: { waiting: number; dead: number };
}

/** Whether a partner's outbound deliveries are paused, who said so and when. */
export interface PartnerState {
  partnerId: string;
  paused: boolean;
  changedBy: string | null;
  reason: string | null;
  changedAt: Date;
}

const REFUSED = new Set(['rejected', 'failed']);
const LOOKUPS_PER_STATEMENT = 100;

const emptyActivity = (): PartnerActivity => ({
  lastIn: null,
  lastOut: null,
  today: { in: 0, out: 0, refused: 0, failed: 0 },
  deliveries: { waiting: 0, dead: 0 },
});

/**
 * Partner health and the operator's pause, read and written for the admin API. Every query is bounded
 * by an index: today's messages by ix_message_received, a partner's last message per direction by
 * ix_message_partner_direction (migrations/0005), open deliveries by ix_delivery_status.
 */
export class PartnerRecords {
  constructor(
    private readonly driver: Driver,
    private readonly clock: () => Date,
    private readonly read: <T>(work: (m: EntityManager) => Promise<T>) => Promise<T>,
  ) {}

  /** Traffic of each of `partnerIds` (the configured partners; rows of other ids are left out). */
  async activity(partnerIds: readonly string[], since: Date): Promise<Map<string, PartnerActivity>> {
    const out = new Map(partnerIds.map((id) => [id, emptyActivity()]));
    if (partnerIds.length === 0) return out;
    const q = (name: string) => quote(this.driver, name);
    await this.read(async (m) => {
      const today = await m
        .createQueryBuilder(MessageRecord, 'msg')
        .select(['msg.partnerId AS partnerId', 'msg.direction AS direction', 'msg.status AS status'])
        .addSelect('COUNT(*)', 'n')
        .where('msg.receivedAt >= :since AND msg.partnerId IS NOT NULL', { since: sqlDate(this.driver, since) })
        .groupBy('msg.partnerId')
        .addGroupBy('msg.direction')
        .addGroupBy('msg.status')
        .getRawMany<{ partnerId: string; direction: string; status: string; n: number | string }>();
      for (const r of today) {
        const a = out.get(r.partnerId);
        if (!a) continue;
        const n = Number(r.n);
        if (r.direction === 'in') {
          a.today.in += n;
          if (REFUSED.has(r.status)) a.today.refused += n;
        } else {
          a.today.out += n;
          if (r.status === 'failed') a.today.failed += n;
        }
      }
      // One MAX per partner and direction, each a single index lookup, sent as one statement per
      // 100: a GROUP BY would read every index entry of the partners (neither database skips within
      // a group here), and a statement each would pay a round trip each (1 ms apiece on MariaDB).
      const pairs = [...out.keys()].flatMap((id) => [
        [id, 'in'],
        [id, 'out'],
      ]);
      for (let i = 0; i < pairs.length; i += LOOKUPS_PER_STATEMENT) {
        const chunk = pairs.slice(i, i + LOOKUPS_PER_STATEMENT);
        const rows = (await m.query(
          chunk
            .map(
              () =>
                `SELECT ? AS p, ? AS d, (SELECT MAX(${q('receivedAt')}) FROM ${q('message')} WHERE ${q('partnerId')} = ? AND ${q('direction')} = ?) AS last`,
            )
            .join(' UNION ALL '),
          chunk.flatMap(([id, d]) => [id, d, id, d]),
        )) as Array<{ p: string; d: string; last: Date | string | null }>;
        for (const r of rows) {
          const a = out.get(r.p);
          if (!a || !r.last) continue;
          if (r.d === 'in') a.lastIn = rowDate(r.last);
          else a.lastOut = rowDate(r.last);
        }
      }
      const open = await m
        .createQueryBuilder(DeliveryRecord, 'd')
        .select(['d.partnerId AS partnerId', 'd.status AS status'])
        .addSelect('COUNT(*)', 'n')
        .where('d.status IN (:...open)', { open: ['pending', 'retrying', 'dead'] })
        .groupBy('d.partnerId')
        .addGroupBy('d.status')
        .getRawMany<{ partnerId: string | null; status: string; n: number | string }>();
      for (const r of open) {
        const a = r.partnerId === null ? undefined : out.get(r.partnerId);
        if (!a) continue;
        if (r.status === 'dead') a.deliveries.dead += Number(r.n);
        else a.deliveries.waiting += Number(r.n);
      }
    });
    return out;
  }

  /** Every partner an operator ever paused or resumed. */
  async states(): Promise<Map<string, PartnerState>> {
    const rows = await this.read((m) => m.find(PartnerStateRecord));
    return new Map(rows.map((r) => [r.partnerId, { ...r, paused: Boolean(r.paused) }]));
  }

  /** The partners whose outbound deliveries are paused now. */
  async paused(): Promise<Set<string>> {
    const rows = await this.read((m) => m.find(PartnerStateRecord, { where: { paused: true } }));
    return new Set(rows.map((r) => r.partnerId));
  }

  /** Pauses or resumes; returns the state before (undefined: never set). */
  async setPaused(
    partnerId: string,
    paused: boolean,
    by: string,
    reason: string | null = null,
  ): Promise<{ before: boolean; state: PartnerState }> {
    const state: PartnerState = { partnerId, paused, changedBy: by, reason, changedAt: this.clock() };
    const before = await this.read(async (m) => {
      const row = await m.findOneBy(PartnerStateRecord, { partnerId });
      await m.upsert(PartnerStateRecord, state, ['partnerId']);
      return row ? Boolean(row.paused) : false;
    });
    return { before, state };
  }
}
