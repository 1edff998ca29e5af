import { And, In, LessThanOrEqual, MoreThanOrEqual, Not, type EntityManager } from 'typeorm';
import { AckRecord, EventRecord, InterchangeRecord, MessageRecord } from './entities';
import { rowDate } from './sql';

/** A time window [since, until]; scans overlap, and the alert jobs' keys make that harmless. */
export interface Window {
  since: Date;
  until: Date;
}

const within = (w: Window) => And(MoreThanOrEqual(w.since), LessThanOrEqual(w.until));

/** The acknowledgement kinds whose status says whether a partner took what we sent (an MDN's failures dead-letter). */
const EDI_ACKS = ['TA1', '997', '999', 'CONTRL'];

/**
 * What alerts are made of, read from the audit rows the pipeline writes anyway: alerts never add work
 * to intake or processing, and a scan that runs late (after a restart) still finds everything.
 */
export class AlertSources {
  constructor(private readonly read: <T>(work: (m: EntityManager) => Promise<T>) => Promise<T>) {}

  /** Dead letters: deliveries out of attempts, jobs that stopped their worker. */
  deadLetters(w: Window): Promise<EventRecord[]> {
    return this.read((m) =>
      m.find(EventRecord, { where: { stage: 'dead-letter', createdAt: within(w) }, order: { id: 'ASC' } }),
    );
  }

  /** Acks a partner sent us that reject or partly accept, and acks we sent that reject. */
  async rejectingAcks(w: Window): Promise<AckRecord[]> {
    return this.read((m) =>
      m.find(AckRecord, {
        where: [
          { direction: 'in', kind: In(EDI_ACKS), status: Not(In(['A'])), createdAt: within(w) },
          { direction: 'out', kind: In(EDI_ACKS), status: 'R', createdAt: within(w) },
        ],
        order: { createdAt: 'ASC' },
      }),
    );
  }

  /** Interchanges we sent whose acknowledgement fell due in the window and never came. */
  overdueAcks(w: Window): Promise<InterchangeRecord[]> {
    return this.read((m) =>
      m.find(InterchangeRecord, { where: { ackStatus: 'overdue', ackDueAt: within(w) }, order: { ackDueAt: 'ASC' } }),
    );
  }

  /** When each partner last sent us anything (partners that never did are absent). */
  async lastReceived(): Promise<Map<string, Date>> {
    const rows = await this.read((m) =>
      m
        .createQueryBuilder(MessageRecord, 'msg')
        .select('msg.partnerId', 'partnerId')
        .addSelect('MAX(msg.receivedAt)', 'last')
        .where('msg.direction = :d AND msg.partnerId IS NOT NULL', { d: 'in' })
        .groupBy('msg.partnerId')
        .getRawMany<{ partnerId: string; last: Date | string }>(),
    );
    return new Map(rows.map((r) => [r.partnerId, rowDate(r.last)]));
  }
}
