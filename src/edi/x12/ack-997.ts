import type { Element, Group, Interchange, Segment, Transaction } from '../model';
import { text } from '../model';
import { type AckOptions, DEFAULT_SEGMENT_DETAIL } from '../ack/options';
import { groupStatus, segmentReports, transactionStatus } from '../ack/status';
import { ackCode997 } from '../profile/codes';
import { replyGroup, replyInterchange, transactionOf } from './ack-envelope';

type Row = [string, ...Element[]];

const IMPLEMENTATION_999 = '005010X231A1';

function elementPosition(
  d: { location: { element?: number; component?: number; repeat?: number } },
  withRepeat: boolean,
): Element {
  const l = d.location;
  const parts = [String(l.element ?? 0)];
  if (l.component !== undefined || (withRepeat && l.repeat !== undefined))
    parts.push(l.component !== undefined ? String(l.component) : '');
  if (withRepeat && l.repeat !== undefined) parts.push(String(l.repeat));
  return parts.length === 1 ? parts[0] : parts;
}

/** The element that names the business document a 999 error belongs to (CTX01), per transaction set. */
export const BUSINESS_UNITS: Record<string, { tag: string; element: number }> = {
  '837': { tag: 'CLM', element: 1 },
  '835': { tag: 'CLP', element: 1 },
  '270': { tag: 'TRN', element: 2 },
  '271': { tag: 'TRN', element: 2 },
  '276': { tag: 'TRN', element: 2 },
  '277': { tag: 'TRN', element: 2 },
  '278': { tag: 'TRN', element: 2 },
};

/** The 999 business unit context of a segment: the nearest preceding claim (CLM01) or trace (TRN02). */
function businessUnit(tx: Transaction, position: number): Element | undefined {
  const unit = BUSINESS_UNITS[tx.type];
  if (!unit) return undefined;
  for (let i = Math.min(position, tx.segments.length) - 1; i >= 0; i--) {
    const s = tx.segments[i] as Segment | undefined;
    if (!s || s.id !== unit.tag) continue; // an ackSummary keeps only the segments read here
    const v = text(s.elements[unit.element - 1]);
    return v ? [`${unit.tag}${String(unit.element).padStart(2, '0')}`, v] : undefined;
  }
  return undefined;
}

/** AK2…AK5 (997) or AK2…IK5 (999) for one transaction set. */
function transactionRows(tx: Transaction, kind: '997' | '999', version: string, detail: number): Row[] {
  const v5010 = version >= '005010';
  const rows: Row[] = [];
  rows.push(v5010 ? ['AK2', tx.type, tx.controlNumber, tx.implementation ?? ''] : ['AK2', tx.type, tx.controlNumber]);
  // Each code in the list of the version the ack is sent in (a 999 is always 005010 and takes its own codes).
  const code = (element: '718' | '720' | '723', c: string) =>
    kind === '997' ? (ackCode997(element, version, c) ?? '') : c;
  const reports = segmentReports(tx);
  // AK5/IK5 says "segments in error" for all of them, also those past the detail cap.
  const segmentErrors = reports.length > 0;
  for (const r of reports.slice(0, detail)) {
    const segCode = r.segment.length > 0 ? code('720', r.segment[0].code) : '8';
    rows.push([kind === '997' ? 'AK3' : 'IK3', r.segmentId, String(r.position), r.loop ?? '', segCode]);
    if (kind === '999') {
      const unit = businessUnit(tx, r.position);
      if (unit) rows.push(['CTX', unit]);
    }
    for (const e of r.elements.slice(0, 99)) {
      const value = e.value !== undefined ? e.value.replace(/[^\x20-\x7e]/g, '') : '';
      rows.push([
        kind === '997' ? 'AK4' : 'IK4',
        elementPosition(e, v5010),
        e.elementRef && /^\d+$/.test(e.elementRef) ? e.elementRef : '',
        code('723', e.code),
        value,
      ]);
    }
  }
  const status = transactionStatus(tx);
  const codes = [...new Set(tx.errors.filter((d) => d.level === 'transaction').map((d) => code('718', d.code)))].filter(
    (c) => c !== '',
  );
  if (segmentErrors && status !== 'A') codes.push(kind === '999' && tx.implementation ? 'I5' : '5');
  rows.push([kind === '997' ? 'AK5' : 'IK5', status, ...codes.slice(0, 5)]);
  return rows;
}

function groupRows(g: Group, kind: '997' | '999', detail: number): Row[] {
  const v5010 = g.version >= '005010' || kind === '999';
  const rows: Row[] = [
    v5010
      ? ['AK1', g.functionalId ?? '', g.controlNumber ?? '', g.version]
      : ['AK1', g.functionalId ?? '', g.controlNumber ?? ''],
  ];
  const version = kind === '999' ? '005010' : g.version || '004010';
  for (const tx of g.transactions) rows.push(...transactionRows(tx, kind, version, detail));
  const statuses = g.transactions.map(transactionStatus);
  const accepted = statuses.filter((s) => s !== 'R').length;
  const included = g.trailer ? String(g.trailer.elements[0] ?? g.transactions.length) : String(g.transactions.length);
  const codes = [
    ...new Set(
      g.errors
        .filter((d) => d.severity === 'error')
        .map((d) => (kind === '997' ? (ackCode997('716', version, d.code) ?? '') : d.code)),
    ),
  ].filter((c) => /^\d+$/.test(c));
  rows.push([
    'AK9',
    groupStatus(g),
    /^\d+$/.test(included) ? included : String(g.transactions.length),
    String(g.transactions.length),
    String(accepted),
    ...codes.slice(0, 5),
  ]);
  return rows;
}

/**
 * Renders 997 functional acknowledgements (or 999 implementation acknowledgements) for every
 * functional group of an interchange, from the diagnostics the engine recorded. One ack group per
 * original group, so each echoes its group's version; one 997/999 per group.
 */
export function build997(orig: Interchange, kind: '997' | '999', opts: AckOptions = {}): Interchange {
  const now = opts.now ?? new Date();
  const reply = replyInterchange(orig, opts);
  let control = Number(opts.groupControlNumber ?? opts.controlNumber ?? 1);
  for (const g of orig.groups) {
    // The X231A1 guide is for HIPAA groups; anything else gets the plain 005010 999.
    const guide = kind === '999' && /^005010X/.test(g.version) ? IMPLEMENTATION_999 : undefined;
    const version = kind === '999' ? (guide ?? '005010') : g.version || '004010';
    const ackGroup = replyGroup(reply, g, 'FA', version, String(control++), now);
    const tx = transactionOf(kind, '0001', version, [
      guide ? ['ST', kind, '0001', guide] : ['ST', kind, '0001'],
      ...groupRows(g, kind, opts.segmentDetail ?? DEFAULT_SEGMENT_DETAIL),
    ]);
    if (guide) tx.implementation = guide;
    ackGroup.transactions.push(tx);
    reply.groups.push(ackGroup);
  }
  return reply;
}
