import type { LoadedPartner } from '../config/partners';
import type { Interchange } from '../edi/model';
import { buildAck, type AckKind } from '../edi/ack/build';
import { groupStatus, interchangeStatus } from '../edi/ack/status';

export interface PlannedAck {
  kind: AckKind;
  /** A, E, P or R: what the acknowledgement says about the interchange. */
  status: string;
}

/**
 * The acknowledgements an interchange gets, from the partner's `acks` settings (an interchange from
 * no known partner gets only its rejection). X12: a TA1 always, on error or never (default on error),
 * then a 997 or 999 (default 997) for its groups unless the envelope itself was rejected; EDIFACT: a
 * CONTRL (default) or none. A partner without `acks.to` gets none: there is nowhere to send them.
 */
export function plannedAcks(ic: Interchange, partner: LoadedPartner | undefined): PlannedAck[] {
  const status = interchangeStatus(ic);
  if (!partner) return status === 'R' ? [{ kind: ic.standard === 'x12' ? 'TA1' : 'CONTRL', status }] : [];
  const a = partner.acks;
  if (!a?.to) return [];
  const out: PlannedAck[] = [];
  if (ic.standard === 'x12') {
    const ta1 = a.ta1 ?? 'on-error';
    if (ta1 === 'always' || (ta1 === 'on-error' && (status !== 'A' || ic.errors.length > 0)))
      out.push({ kind: 'TA1', status });
    const fa = a.x12 ?? '997';
    // Acknowledgements are not acknowledged (X12: no 997 for a functional group of 997s/999s).
    const business = ic.groups.some((g) => g.functionalId !== 'FA');
    if (fa !== 'none' && status !== 'R' && business) out.push({ kind: fa, status: summary(ic) });
  } else if (
    (a.edifact ?? 'CONTRL') === 'CONTRL' &&
    (status === 'R' || ic.groups.some((g) => g.transactions.some((t) => t.type !== 'CONTRL')))
  ) {
    out.push({ kind: 'CONTRL', status: status === 'R' ? 'R' : summary(ic) });
  }
  return out;
}

/** One status for all groups: R when every group is rejected, P when some are, else E or A. */
function summary(ic: Interchange): string {
  const s = ic.groups.map(groupStatus);
  if (s.length === 0) return interchangeStatus(ic);
  if (s.every((x) => x === 'R')) return 'R';
  if (s.some((x) => x === 'R' || x === 'P')) return 'P';
  return s.some((x) => x === 'E') || interchangeStatus(ic) === 'E' ? 'E' : 'A';
}

export function renderAck(
  ic: Interchange,
  kind: AckKind,
  controlNumber: number,
  now: Date,
  partner?: LoadedPartner,
): Interchange {
  const detail = partner?.acks?.detail;
  return buildAck(ic, kind, { controlNumber, now, ...(detail !== undefined ? { segmentDetail: detail } : {}) });
}
