import type { Diagnostic, Group, Interchange, Transaction } from '../model';

/** A accepted, E accepted with errors noted, P partially accepted, R rejected. */
export type AckStatus = 'A' | 'E' | 'P' | 'R';

function worst(list: readonly Diagnostic[]): 'error' | 'warning' | undefined {
  let w: 'warning' | undefined;
  for (const d of list) {
    if (d.severity === 'error') return 'error';
    w = 'warning';
  }
  return w;
}

export function transactionStatus(tx: Transaction): 'A' | 'E' | 'R' {
  const w = worst(tx.errors);
  return w === 'error' ? 'R' : w === 'warning' ? 'E' : 'A';
}

/** A group is rejected for its own errors; otherwise its status summarises its transaction sets. */
export function groupStatus(g: Group): AckStatus {
  const own = worst(g.errors);
  if (own === 'error') return 'R';
  const statuses = g.transactions.map(transactionStatus);
  const rejected = statuses.filter((s) => s === 'R').length;
  if (rejected > 0) return rejected === statuses.length ? 'R' : 'P';
  if (own === 'warning' || statuses.includes('E')) return 'E';
  return 'A';
}

export function interchangeStatus(ic: Interchange): 'A' | 'E' | 'R' {
  const w = worst(ic.errors);
  return w === 'error' ? 'R' : w === 'warning' ? 'E' : 'A';
}

export interface SegmentReport {
  position: number;
  segmentId: string;
  loop?: string;
  /** Segment-level findings at this position (IK3 / UCS codes). */
  segment: Diagnostic[];
  /** Element-level findings in this segment (IK4 / UCD). */
  elements: Diagnostic[];
}

/** The findings of a transaction below its own level, gathered per segment in position order. */
export function segmentReports(tx: Transaction): SegmentReport[] {
  const by = new Map<number, SegmentReport>();
  for (const d of tx.errors) {
    if (d.level !== 'segment' && d.level !== 'element') continue;
    const pos = d.location.segment ?? 0;
    let r = by.get(pos);
    if (!r) {
      r = {
        position: pos,
        segmentId: d.location.segmentId ?? '',
        segment: [],
        elements: [],
        ...(d.location.loop ? { loop: d.location.loop } : {}),
      };
      by.set(pos, r);
    }
    (d.level === 'segment' ? r.segment : r.elements).push(d);
  }
  return [...by.values()].sort((a, b) => a.position - b.position);
}
