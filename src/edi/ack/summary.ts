import type { Segment, Transaction } from '../model';
import { BUSINESS_UNITS } from '../x12/ack-997';
import { segmentReports } from './status';

/**
 * What the 997, 999 and CONTRL builders read of a transaction set, without the rest of it: its
 * envelope fields and findings, the header (CONTRL echoes UNH S009) and, for a 999, the claim or trace
 * segment that gives each faulty segment its CTX. `segments` holds only those few, at their own
 * positions (a sparse array; its length is not the set's, which nothing there reads: setting it would
 * make V8 allocate every slot), so acknowledging a file keeps a summary per set, not the sets.
 */
export function ackSummary(tx: Transaction): Transaction {
  const segments: Segment[] = [];
  if (tx.segments.length > 0) segments[0] = tx.segments[0];
  const unit = BUSINESS_UNITS[tx.type];
  if (unit) {
    for (const r of segmentReports(tx)) {
      for (let i = Math.min(r.position, tx.segments.length) - 1; i >= 0; i--) {
        if (tx.segments[i].id === unit.tag) {
          segments[i] = tx.segments[i];
          break;
        }
      }
    }
  }
  const { tree: _tree, ...summary } = tx;
  return { ...summary, segments };
}
