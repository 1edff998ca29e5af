import type { Segment, Transaction } from '../edi/model';
import { compact, some } from './common';
import { orderTypes } from './code-lists';
import type { OrderLine, PurchaseOrder } from './purchase-order';
import { type Seg, type Sections, sectionsFromSegments, sectionsFromTree, splitAt } from './sections';
import { dtmDates, dtmSegments, nadSegments, parties, references, rffSegments } from './edifact-parties';
import { TERMS_DATES, patSegments, terms } from './edifact-terms';
import { todSegments, todTerms } from './delivery-terms';
import { ftxPackagingNotes, ftxPackagingSegments, otherFtx } from './packaging-notes';
import { edifactLineMeasurementSegments, edifactLineMeasurements } from './line-measurements';
import { sccSegments, splitSchedules } from './schedules';
import {
  alcCharges,
  alcSegments,
  eqdEquipment,
  eqdSegments,
  ftxNotes,
  firstOf,
  ftxSegments,
  moaAmounts,
  moaSegments,
  pacPackaging,
  pacSegments as headerPacSegments,
  taxGroups,
  taxSegments,
  tdtCarriers,
  tdtSegments,
} from './edifact-charges';
import {
  aliSegments,
  edifactLineDetails,
  locSegments,
  pacSegments,
  piaSegments,
  priSegments,
  unitPriSegment,
} from './edifact-pricing';
import {
  amount,
  c,
  dateOf,
  dtm,
  edifactPurpose,
  imdDescription,
  imdSegments,
  itemIds,
  lineCount,
  linSegments,
  nadMembers,
  num,
  price,
  quantity,
  seg,
  t,
} from './edifact-common';

export { edifactPurpose };

/** DTM 137 is the order's date, DTM 2 its requestedDelivery. */
const OWN_DATES = ['137', '2'];

// Groups are found by their first segment, not their number: D01B numbers the line group SG28 (its SG25
// is an RCS group), so reading D96A's numbers there put every line into the header.
function sections(tx: Transaction): Sections {
  if (tx.tree) return sectionsFromTree(tx.tree, { party: 'NAD', line: 'LIN' });
  return sectionsFromSegments(tx.segments, {
    party: 'NAD',
    partyMembers: nadMembers,
    line: 'LIN',
    summary: 'UNS',
    skip: ['UNH', 'UNT'],
  });
}

function line(group: Seg[]): OrderLine {
  // The SCC groups come last in the line group: their QTYs and DTMs are the schedules', not the line's.
  const [segs, schedules] = splitSchedules(group);
  const qty = quantity(segs, '21', '1');
  const l: OrderLine = {
    lineNumber: t(segs[0], 1) || undefined,
    quantity: qty?.value ?? 0,
    quantityQualifier: qty && !quantity(segs, '21') ? 'discrete' : undefined,
    unit: qty?.unit,
    unitPrice: price(segs, 'AAA', 'AAB'),
    ...itemIds(segs),
    ...edifactLineDetails(segs, { unitPrice: ['AAA', 'AAB'], divided: false }),
  };
  const description = imdDescription(segs);
  if (description) l.description = description;
  l.references = some(references(segs));
  l.dates = some(dtmDates(segs));
  l.charges = some(alcCharges(segs));
  l.taxes = some(taxGroups(segs));
  l.notes = some(ftxNotes(segs));
  l.schedules = some(schedules);
  l.measurements = some(edifactLineMeasurements(segs));
  return compact(l);
}

/** Reads an EDIFACT ORDERS (D96A with its profile tree, or any directory from its segments) into a PurchaseOrder. */
export function fromOrders(tx: Transaction): PurchaseOrder {
  const s = sections(tx);
  const all = [...s.header, ...s.summary];
  const bgm = s.header.find((x) => x.id === 'BGM');
  const cux = all.find((x) => x.id === 'CUX' && ['2', '9'].includes(c(x, 1)[0] ?? ''));
  const lines = s.lines.map(line);
  // In a tree the summary (UNS, MOA, CNT, the SG54 ALC totals) sits among the top-level segments.
  const [head] = splitAt(s.header, 'UNS');
  return compact<PurchaseOrder>({
    number: bgm ? t(bgm, 2) : '',
    date: dateOf(s.header, '137'),
    purpose: (bgm && edifactPurpose.name(t(bgm, 3))) ?? 'original',
    type: (bgm && orderTypes.read('edifact', c(bgm, 1)[0])) ?? 'order',
    currency: cux ? c(cux, 1)[1] || undefined : undefined,
    parties: parties(s.parties),
    references: references(s.header),
    requestedDelivery: dateOf(s.header, '2'),
    dates: dtmDates(s.header, [...OWN_DATES, ...TERMS_DATES]),
    terms: terms(s.header),
    deliveryTerms: todTerms(head),
    charges: some(alcCharges(head)),
    taxes: some(taxGroups(head)),
    carriers: some(tdtCarriers(head)),
    packaging: some(pacPackaging(head)),
    packagingNotes: some(ftxPackagingNotes(s.header)),
    equipment: some(eqdEquipment(head)),
    lines,
    // MOA 86 is the total; 79 (line items total) and the others are further amounts, never read as it.
    totals: compact({
      lineCount: lineCount(all) ?? lines.length,
      amount: amount(all, '86'),
      amounts: some(moaAmounts(all, [firstOf(all, 'MOA', ['86'])])),
    }),
    notes: ftxNotes(otherFtx(s.header)),
  });
}

/** The body of a D96A ORDERS for a PurchaseOrder, BGM to CNT in the message's order (no UNH or UNT). */
export function toOrders(po: PurchaseOrder): Segment[] {
  const out: Segment[] = [];
  // A type EDIFACT has no code for is written without one (C002 is conditional), not as 220.
  out.push(seg('BGM', orderTypes.write('edifact', po.type) ?? '', po.number, edifactPurpose.code(po.purpose) ?? '9'));
  if (po.date) out.push(dtm('137', po.date));
  if (po.requestedDelivery) out.push(dtm('2', po.requestedDelivery));
  out.push(...dtmSegments(po.dates));
  out.push(...ftxSegments(po.notes), ...ftxPackagingSegments(po.packagingNotes));
  out.push(...rffSegments(po.references));
  for (const p of po.parties) out.push(...nadSegments(p));
  out.push(...taxSegments(po.taxes));
  if (po.currency) out.push(seg('CUX', ['2', po.currency, '9']));
  out.push(...patSegments(po.terms));
  out.push(...tdtSegments(po.carriers), ...todSegments(po.deliveryTerms));
  out.push(...headerPacSegments(po.packaging), ...eqdSegments(po.equipment));
  out.push(...alcSegments(po.charges));
  for (const l of po.lines) {
    out.push(...linSegments(l.lineNumber, l), ...piaSegments(l.productIds));
    out.push(...imdSegments(l.description), ...edifactLineMeasurementSegments(l.measurements));
    const qty = l.quantityQualifier === 'discrete' ? '1' : '21';
    out.push(seg('QTY', [qty, num(l.quantity), l.unit ?? '']), ...aliSegments(l.countryOfOrigin));
    out.push(...dtmSegments(l.dates), ...ftxSegments(l.notes ?? []));
    out.push(...unitPriSegment(l), ...priSegments(l.prices));
    out.push(...rffSegments(l.references), ...pacSegments(l.packaging), ...locSegments(l.allocations));
    out.push(...taxSegments(l.taxes), ...alcSegments(l.charges), ...sccSegments(l.schedules));
  }
  out.push(seg('UNS', 'S'));
  if (po.totals.amount !== undefined) out.push(seg('MOA', ['86', num(po.totals.amount)]));
  out.push(...moaSegments(po.totals.amounts));
  out.push(seg('CNT', ['2', String(po.totals.lineCount)]));
  return out;
}
