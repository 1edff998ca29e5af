import type { Segment, Transaction } from '../edi/model';
import { ccyymmdd, chunks, compact, isoDate, numberOf, some, unitFromX12Code, unitToX12Code } from './common';
import type { OrderLine, PurchaseOrder } from './purchase-order';
import { orderTypes } from './code-lists';
import { type Seg, type Sections, sectionsFromSegments, sectionsFromTree } from './sections';
import { itemIdElements, itemIds, num, pidDescription, pidSegments, seg, t, x12Purpose } from './x12-common';
import { dtmDates, dtmSegments, n1Segments, parties, refSegments, references, withHeaderContacts } from './x12-parties';
import { itdSegments, itdTerms } from './x12-terms';
import { fobSegments, fobTerms } from './delivery-terms';
import { pkgNotes, pkgSegments } from './packaging-notes';
import { x12LineMeasurementSegments, x12LineMeasurements } from './line-measurements';
import { schSchedules, schSegments } from './schedules';
import {
  amtAmounts,
  amtSegments,
  msgNotes,
  msgSegments,
  n9Notes,
  n9Segments,
  sacCharges,
  sacSegments,
  td1Packaging,
  td1Segments,
  td3Equipment,
  td3Segments,
  td5Carriers,
  td5Segments,
  txiSegments,
  txiTaxes,
} from './x12-charges';
import { ctpSegments, po4Segments, productIdElements, sdqSegments, x12LineDetails, x12PriceBasis } from './x12-pricing';

export { x12Purpose };

/** DTM 002 is the order's requestedDelivery. */
const OWN_DATES = ['002'];

function sections(tx: Transaction): Sections {
  if (tx.tree) return sectionsFromTree(tx.tree, { party: 'N1', line: 'PO1', note: 'N9', summary: 'CTT' });
  return sectionsFromSegments(tx.segments, {
    party: 'N1',
    partyMembers: ['N2', 'N3', 'N4', 'NX2', 'REF', 'PER', 'SI', 'FOB', 'TD1', 'TD5', 'TD3', 'TD4', 'PKG'],
    line: 'PO1',
    note: 'N9',
    noteMembers: ['DTM', 'MSG', 'MTX'],
    summary: 'CTT',
    skip: ['ST', 'SE'],
  });
}

function line(segs: Seg[]): OrderLine {
  const po1 = segs[0];
  const l: OrderLine = {
    lineNumber: t(po1, 1) || undefined,
    quantity: numberOf(t(po1, 2)) ?? 0,
    unit: unitFromX12Code(t(po1, 3)),
    unitPrice: numberOf(t(po1, 4)),
    ...itemIds(po1, 6, 25),
    ...x12LineDetails(segs, po1, { basisAt: 5, idsFrom: 6, idsTo: 25 }),
  };
  const description = pidDescription(segs);
  if (description) l.description = description;
  l.references = some(references(segs));
  l.dates = some(dtmDates(segs));
  l.charges = some(sacCharges(segs));
  l.taxes = some(txiTaxes(segs));
  l.notes = some(msgNotes(segs));
  l.schedules = some(schSchedules(segs));
  l.measurements = some(x12LineMeasurements(segs));
  return compact(l);
}

/** Reads an X12 850 (004010 or earlier, with or without its profile tree) into a PurchaseOrder. */
export function fromX12_850(tx: Transaction): PurchaseOrder {
  const s = sections(tx);
  const beg = s.header.find((x) => x.id === 'BEG');
  const cur = s.header.find((x) => x.id === 'CUR');
  const dtm = s.header.find((x) => x.id === 'DTM' && t(x, 1) === '002');
  const amts = [...s.summary, ...s.header].filter((x) => x.id === 'AMT');
  // TT is the total; AMT 1 (line items total) and the others are further amounts, never read as it.
  const amount = amts.find((x) => t(x, 1) === 'TT');
  const ctt = s.summary.find((x) => x.id === 'CTT');
  const lines = s.lines.map(line);
  return compact<PurchaseOrder>({
    number: beg ? t(beg, 3) : '',
    date: beg ? isoDate(t(beg, 5)) : undefined,
    purpose: (beg && x12Purpose.name(t(beg, 1))) ?? 'original',
    type: (beg && orderTypes.read('x12', t(beg, 2))) ?? 'order',
    currency: cur ? t(cur, 2) || undefined : undefined,
    parties: withHeaderContacts(parties(s.parties), s.header, ['buyer']),
    references: references(s.header),
    requestedDelivery: dtm ? isoDate(t(dtm, 2)) : undefined,
    dates: dtmDates(s.header, OWN_DATES),
    terms: itdTerms(s.header),
    deliveryTerms: fobTerms(s.header),
    charges: some(sacCharges(s.header)),
    taxes: some(txiTaxes(s.header)),
    carriers: some(td5Carriers(s.header)),
    packaging: some(td1Packaging(s.header)),
    packagingNotes: some(pkgNotes(s.header)),
    equipment: some(td3Equipment(s.header)),
    lines,
    totals: compact({
      lineCount: numberOf(ctt ? t(ctt, 1) : '') ?? lines.length,
      amount: amount ? numberOf(t(amount, 2)) : undefined,
      amounts: some(amtAmounts(amts, [amount])),
    }),
    notes: n9Notes(s.notes),
  });
}

/** The body of an X12 004010 850 for a PurchaseOrder, BEG to CTT/AMT in the table's order (no ST or SE). */
export function toX12_850(po: PurchaseOrder): Segment[] {
  const out: Segment[] = [];
  out.push(
    seg(
      'BEG',
      x12Purpose.code(po.purpose) ?? '00',
      // A type X12 has no code for leaves the mandatory BEG02 empty: the generated check refuses it.
      orderTypes.write('x12', po.type) ?? '',
      po.number,
      '',
      po.date ? ccyymmdd(po.date) : '',
    ),
  );
  if (po.currency) out.push(seg('CUR', 'BY', po.currency));
  out.push(...refSegments(po.references));
  out.push(...fobSegments(po.deliveryTerms));
  out.push(...sacSegments(po.charges));
  out.push(...itdSegments(po.terms));
  if (po.requestedDelivery) out.push(seg('DTM', '002', ccyymmdd(po.requestedDelivery)));
  out.push(...dtmSegments(po.dates));
  out.push(...pkgSegments(po.packagingNotes));
  out.push(...td1Segments(po.packaging), ...td5Segments(po.carriers), ...td3Segments(po.equipment));
  out.push(...txiSegments(po.taxes));
  out.push(...n9Segments(po.notes, chunks));
  for (const p of po.parties) out.push(...n1Segments(p));
  for (const l of po.lines) {
    const ids = itemIdElements(l);
    out.push(
      seg(
        'PO1',
        l.lineNumber ?? '',
        num(l.quantity),
        unitToX12Code(l.unit),
        num(l.unitPrice),
        x12PriceBasis(l),
        ...ids,
        ...productIdElements(l.productIds, 20 - ids.length, l.countryOfOrigin),
      ),
    );
    // MEA comes before the PID loop, whose own MEA would describe the description.
    out.push(...ctpSegments(l.prices), ...x12LineMeasurementSegments(l.measurements));
    out.push(...pidSegments(l.description), ...po4Segments(l.packaging));
    out.push(...refSegments(l.references), ...sacSegments(l.charges), ...sdqSegments(l.allocations, l.unit));
    out.push(...dtmSegments(l.dates), ...msgSegments(l.notes), ...txiSegments(l.taxes));
    out.push(...schSegments(l.schedules, l.unit));
  }
  out.push(seg('CTT', String(po.totals.lineCount)));
  // The CTT loop holds one AMT: the total (TT), else the first further amount X12 has a code for; the
  // others are not written (the loss check says so).
  if (po.totals.amount !== undefined) out.push(seg('AMT', 'TT', num(po.totals.amount)));
  else out.push(...amtSegments(po.totals.amounts, 1));
  return out;
}
