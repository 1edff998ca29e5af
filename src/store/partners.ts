import type { EntityManager } from 'typeorm';
import type { Driver } from './data-source';
import { DeliveryRecord, MessageRecord, PartnerStateRecord } from './entities';
import { rowDate, sqlDate } from './sql';

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
      // One MAX per partner and direction: each is a single index lookup, where a GROUP BY over the
      // whole table would read every message the gateway ever kept (SQLite has no loose index scan).
      for (const [id, a] of out) {
        for (const direction of ['in', 'out'] as const) {
          const row = await m
            .createQueryBuilder(MessageRecord, 'msg')
            .select('MAX(msg.receivedAt)', 'last')
            .where('msg.partnerId = :id AND msg.direction = :direction', { id, direction })
            .getRawOne<{ last: Date | string | null }>();
          const last = row?.last ? rowDate(row.last) : null;
          if (direction === 'in') a.lastIn = last;
          else a.lastOut = last;
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
