import type { TransactionRow } from '../reports/query';

/** One row of the landing page's "recent messages" table: a transaction set, newest first. */
export interface RecentMessage {
  /** ISO 8601, UTC: received (inbound) or created (outbound). */
  at: string | null;
  partner: string | null;
  direction: 'in' | 'out';
  type: string;
  reference: string | null;
  ackStatus: string;
  deliveryStatus: string;
  /** Why the row needs a look, in words; null when nothing is wrong. */
  reason: string | null;
  messageId: string;
}

/**
 * What went wrong with a report row, in words: the report's first error (with its TA1/AK5/UCM code)
 * first, then what its statuses say beyond it (rejected, overdue, delivery dead-lettered).
 */
export function reasonOf(r: TransactionRow): string | null {
  const reasons: string[] = r.reason ? [r.reason] : [];
  if (r.validation === 'invalid' && !r.reason) reasons.push('failed validation');
  if (r.ackStatus === 'R') reasons.push('rejected by the acknowledgement');
  if (r.ackStatus === 'P' || r.ackStatus === 'E') reasons.push('accepted with errors');
  if (r.ackOverdue) reasons.push('acknowledgement overdue');
  if (r.deliveryStatus === 'failed') reasons.push('delivery failing');
  if (r.deliveryStatus === 'dead') reasons.push('delivery dead-lettered');
  return reasons.length ? reasons.join('; ') : null;
}

export function recentOf(r: TransactionRow): RecentMessage {
  return {
    at: r.receivedAt,
    partner: r.partner,
    direction: r.direction,
    type: r.type,
    reference: r.reference,
    ackStatus: r.ackStatus,
    deliveryStatus: r.deliveryStatus,
    reason: reasonOf(r),
    messageId: r.messageId,
  };
}
