import type { Segment, Transaction } from '../edi/model';
import { CodeMap, ccyymmdd, chunks, compact, isoDate, numberOf, some, unitFromX12Code, unitToX12Code } from './common';
import {
  type LineStatus,
  type OrderResponse,
  type ResponseLine,
  type ResponseStatus,
  withDetail,
} from './order-response';
import { type Seg, type Sections, lineParties, sectionsFromSegments, sectionsFromTree } from './sections';
import { dtmDates, dtmSegments, n1Segments, parties, refSegments, references } from './x12-parties';
import { itdSegments, itdTerms } from './x12-terms';
import {
  amtAmounts,
  amtSegments,
  n9Notes,
  n9Segments,
  sacCharges,
  sacSegments,
  txiSegments,
  txiTaxes,
  curSegments,
  currencyParty,
} from './x12-charges';
import { itemIdElements, itemIds, n1Members, num, pidDescription, pidSegments, seg, t, x12Purpose } from './x12-common';
import { schSchedules, schSegments } from './schedules';
import { ctpSegments, po4Segments, productIdElements, sdqSegments, x12LineDetails, x12PriceBasis } from './x12-pricing';

/** BAK02 acknowledgment types (587); the first for a status is written. */
export const x12ResponseStatus = new CodeMap<ResponseStatus>([
  ['accepted', 'AT'],
  ['accepted', 'AD'],
  ['accepted', 'AK'],
  ['changed', 'AC'],
  ['changed', 'AE'],
  ['rejected', 'RJ'],
  ['rejected', 'RD'],
  ['rejected', 'RF'],
]);
/** BAK02 AD, acknowledged with detail, no change: EDIFACT 4343 AD (`statusDetail`). */
const WITH_DETAIL = 'AD';

/** ACK01 line item status codes (668); the first for a status is written. */
export const x12LineStatus = new CodeMap<LineStatus>([
  ['accepted', 'IA'],
  ['accepted', 'AC'],
  ['accepted', 'AR'],
  ['changed', 'IC'],
  ['changed', 'IP'],
  ['changed', 'IQ'],
  ['changed', 'DR'],
  ['changed', 'IS'],
  ['rejected', 'IR'],
  ['rejected', 'ID'],
  ['backordered', 'IB'],
  ['backordered', 'BP'],
]);
/** ACK04 (374): 017 estimated delivery (written); 067 current schedule delivery says the same of the line. */
const DELIVERY = ['017', '067'];

function sections(tx: Transaction): Sections {
  if (tx.tree) return sectionsFromTree(tx.tree, { party: 'N1', line: 'PO1', note: 'N9', summary: 'CTT' });
  return sectionsFromSegments(tx.segments, {
    party: 'N1',
    partyMembers: n1Members,
    line: 'PO1',
    note: 'N9',
    noteMembers: ['DTM', 'MSG', 'MTX'],
    summary: 'CTT',
    skip: ['ST', 'SE'],
  });
}

function line(all: Seg[]): ResponseLine {
  const { parties: partyGroups, rest: segs } = lineParties(all, 'N1', n1Members);
  const po1 = segs[0];
  // The first ACK is the line's answer; further ACKs (a split answer) are not carried.
  const ack = segs.find((x) => x.id === 'ACK');
  const l: ResponseLine = {
    lineNumber: t(po1, 1) || undefined,
    status: ack ? x12LineStatus.name(t(ack, 1)) : undefined,
    quantity: numberOf(t(po1, 2)),
    unit: unitFromX12Code(t(po1, 3)) ?? (ack ? unitFromX12Code(t(ack, 3)) : undefined),
    unitPrice: numberOf(t(po1, 4)),
    confirmedQuantity: ack ? numberOf(t(ack, 2)) : undefined,
    estimatedDelivery: ack && DELIVERY.includes(t(ack, 4)) ? isoDate(t(ack, 5)) : undefined,
    ...itemIds(po1, 6, 25),
    ...x12LineDetails(segs, po1, { basisAt: 5, idsFrom: 6, idsTo: 25 }),
  };
  const description = pidDescription(segs);
  if (description) l.description = description;
  l.references = some(references(segs));
  l.dates = some(dtmDates(segs));
  l.charges = some(sacCharges(segs));
  l.taxes = some(txiTaxes(segs));
  l.amounts = some(amtAmounts(segs));
  l.schedules = some(schSchedules(segs));
  l.parties = some(parties(partyGroups));
  return compact(l);
}

/** Reads an X12 855 (004010 with its profile tree, or any version from its segments) into an OrderResponse. */
export function fromX12_855(tx: Transaction): OrderResponse {
  const s = sections(tx);
  const bak = s.header.find((x) => x.id === 'BAK');
  const cur = s.header.find((x) => x.id === 'CUR');
  const amts = [...s.summary, ...s.header].filter((x) => x.id === 'AMT');
  // TT is the total; AMT 1 (line items total) and the others are further amounts, never read as it.
  const amount = amts.find((x) => t(x, 1) === 'TT');
  const ctt = s.summary.find((x) => x.id === 'CTT') ?? s.header.find((x) => x.id === 'CTT');
  const lines = s.lines.map(line);
  return compact<OrderResponse>({
    number: bak ? t(bak, 8) || undefined : undefined,
    date: bak ? isoDate(t(bak, 9)) : undefined,
    purpose: (bak && x12Purpose.name(t(bak, 1))) ?? 'original',
    status: (bak && x12ResponseStatus.name(t(bak, 2))) ?? 'accepted',
    statusDetail: bak && t(bak, 2) === WITH_DETAIL ? 'with-detail-no-change' : undefined,
    orderNumber: bak ? t(bak, 3) : '',
    orderDate: bak ? isoDate(t(bak, 4)) : undefined,
    currency: cur ? t(cur, 2) || undefined : undefined,
    currencyParty: cur ? currencyParty(cur) : undefined,
    parties: parties(s.parties),
    references: references(s.header),
    dates: dtmDates(s.header),
    terms: itdTerms(s.header),
    charges: some(sacCharges(s.header)),
    taxes: some(txiTaxes(s.header)),
    lines,
    totals: compact({
      lineCount: numberOf(ctt ? t(ctt, 1) : '') ?? lines.length,
      amount: amount ? numberOf(t(amount, 2)) : undefined,
      amounts: some(amtAmounts(amts, [amount])),
    }),
    notes: n9Notes(s.notes),
  });
}

/** The body of an X12 004010 855 for an OrderResponse, BAK to CTT/AMT in the table's order (no ST or SE). */
export function toX12_855(r: OrderResponse): Segment[] {
  const out: Segment[] = [];
  // BAK04 (order date) is mandatory; a response without one writes none and the 855 says so when validated.
  out.push(
    seg(
      'BAK',
      x12Purpose.code(r.purpose) ?? '00',
      withDetail(r) ? WITH_DETAIL : (x12ResponseStatus.code(r.status) ?? 'AT'),
      r.orderNumber,
      r.orderDate ? ccyymmdd(r.orderDate) : '',
      '',
      '',
      '',
      r.number ?? '',
      r.date ? ccyymmdd(r.date) : '',
    ),
  );
  out.push(...curSegments(r));
  out.push(...refSegments(r.references));
  // The 855 has no summary SAC: the charge totals go with the response's charges.
  out.push(...sacSegments(r.charges), ...sacSegments(r.totals.charges));
  out.push(...itdSegments(r.terms));
  out.push(...dtmSegments(r.dates));
  out.push(...txiSegments(r.taxes));
  out.push(...n9Segments(r.notes, chunks));
  for (const p of r.parties) out.push(...n1Segments(p));
  for (const l of r.lines) {
    const unit = unitToX12Code(l.unit);
    const ids = itemIdElements(l);
    // PO103 needs PO102 (C0302) and ACK03 needs ACK02: the unit travels with whichever quantity there is.
    out.push(
      seg(
        'PO1',
        l.lineNumber ?? '',
        num(l.quantity),
        l.quantity !== undefined ? unit : '',
        num(l.unitPrice),
        x12PriceBasis(l),
        ...ids,
        ...productIdElements(l.productIds, 20 - ids.length, l.countryOfOrigin),
      ),
    );
    out.push(...ctpSegments(l.prices), ...pidSegments(l.description), ...po4Segments(l.packaging));
    out.push(...refSegments(l.references), ...sacSegments(l.charges), ...sdqSegments(l.allocations, l.unit));
    out.push(...dtmSegments(l.dates));
    // ACK01 is mandatory: a line without a status has no ACK, and so no confirmed quantity or date either.
    if (l.status) {
      out.push(
        seg(
          'ACK',
          x12LineStatus.code(l.status) ?? 'IA',
          num(l.confirmedQuantity),
          l.confirmedQuantity !== undefined ? unit : '',
          l.estimatedDelivery ? DELIVERY[0] : '',
          l.estimatedDelivery ? ccyymmdd(l.estimatedDelivery) : '',
        ),
      );
    }
    // The PO1 loop holds one AMT, after the ACK loop; further amounts are not written (the loss check says so).
    out.push(...amtSegments(l.amounts, 1), ...txiSegments(l.taxes), ...schSegments(l.schedules, l.unit));
    for (const p of l.parties ?? []) out.push(...n1Segments(p));
  }
  out.push(seg('CTT', String(r.totals.lineCount)));
  // The CTT loop holds one AMT: the total (TT), else the first further amount X12 has a code for.
  if (r.totals.amount !== undefined) out.push(seg('AMT', 'TT', num(r.totals.amount)));
  else out.push(...amtSegments(r.totals.amounts, 1));
  return out;
}
