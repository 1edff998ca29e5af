import type { Segment, Transaction } from '../edi/model';
import { CodeMap, compact, some } from './common';
import { dtmDates, dtmSegments, nadSegments, parties, references, rffSegments } from './edifact-parties';
import { TERMS_DATES, patSegments, terms } from './edifact-terms';
import {
  cuxSegment,
  alcCharges,
  alcSegments,
  firstOf,
  ftxNotes,
  ftxSegments,
  moaAmounts,
  moaSegments,
  taxGroups,
  taxSegments,
} from './edifact-charges';
import {
  type LineStatus,
  type OrderResponse,
  type ResponseLine,
  type ResponseStatus,
  withDetail,
} from './order-response';
import { sccSegments, splitSchedules } from './schedules';
import { type Seg, type Sections, lineParties, sectionsFromSegments, sectionsFromTree, splitAt } from './sections';
import {
  amount,
  c,
  currentUnit,
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
  quantity,
  referenceWithDate,
  referenceWithDateSegments,
  seg,
  t,
  unitPrice,
} from './edifact-common';
import {
  aliSegments,
  edifactLineDetails,
  locSegments,
  pacSegments,
  piaSegments,
  priSegments,
  unitPriSegment,
} from './edifact-pricing';

/** BGM 4343 response types; the first for a status is written. */
export const edifactResponseStatus = new CodeMap<ResponseStatus>([
  ['accepted', 'AP'],
  ['accepted', 'AD'],
  ['changed', 'AC'],
  ['changed', 'CA'],
  ['rejected', 'RE'],
]);
/** 4343 AD, acknowledged with detail, no change: X12 BAK02 AD (\`statusDetail\`). */
const WITH_DETAIL = 'AD';

/**
 * BGM 1225 codes some senders use for the answer instead of 4343 (29 accepted without amendment,
 * 27 not accepted): read when there is no 4343, never written.
 */
const statusFromFunction = new CodeMap<ResponseStatus>([
  ['accepted', '29'],
  ['rejected', '27'],
]);
/**
 * LIN 1229 action codes: 5 accepted without amendment, 6 accepted with amendment (written for a changed
 * line), 3 changed, 7 not accepted. UN/EDIFACT has no "backordered" action: a backordered line is an
 * accepted-with-amendment line that states a back order quantity (QTY 83).
 */
export const edifactLineAction = new CodeMap<Exclude<LineStatus, 'backordered'>>([
  ['accepted', '5'],
  ['changed', '6'],
  ['changed', '3'],
  ['rejected', '7'],
]);
const BACKORDERED_ACTION = '6';

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

function line(group: Seg[]): ResponseLine {
  // The SCC groups come last in the line group: their QTYs and DTMs are the schedules', not the line's.
  const [all, schedules] = splitSchedules(group);
  const { parties: partyGroups, rest: segs } = lineParties(all, 'NAD', nadMembers);
  const lin = segs[0];
  const action = edifactLineAction.name(t(lin, 2));
  const ordered = quantity(segs, '21');
  const backorder = action !== 'rejected' ? quantity(segs, '83') : undefined;
  const confirmed = backorder ?? quantity(segs, '113');
  const l: ResponseLine = {
    lineNumber: t(lin, 1) || undefined,
    status: backorder ? 'backordered' : action,
    quantity: ordered?.value,
    unit: currentUnit(ordered?.unit ?? confirmed?.unit),
    unitPrice: unitPrice(segs, 'AAA', 'AAB'),
    confirmedQuantity: confirmed?.value,
    estimatedDelivery: dateOf(segs, '17'),
    ...itemIds(segs),
    ...edifactLineDetails(segs, { unitPrice: ['AAA', 'AAB'], divided: true }),
  };
  const description = imdDescription(segs);
  if (description) l.description = description;
  l.references = some(references(segs));
  // DTM 17 is the line's estimatedDelivery.
  l.dates = some(dtmDates(segs, ['17']));
  l.charges = some(alcCharges(segs));
  l.taxes = some(taxGroups(segs));
  l.amounts = some(moaAmounts(segs));
  l.parties = some(parties(partyGroups));
  l.schedules = some(schedules);
  return compact(l);
}

/** Reads an EDIFACT ORDRSP (D96A with its profile tree, or any directory from its segments) into an OrderResponse. */
export function fromOrdrsp(tx: Transaction): OrderResponse {
  const s = sections(tx);
  const [header, tail] = splitAt(s.header, 'UNS');
  const summary = [...tail, ...s.summary];
  const bgm = header.find((x) => x.id === 'BGM');
  // CUX 6347 2 or 9 is the response's; a first CUX with another usage is read with it.
  const cux =
    header.find((x) => x.id === 'CUX' && ['2', '9'].includes(c(x, 1)[0] ?? '')) ?? header.find((x) => x.id === 'CUX');
  const usage = cux ? c(cux, 1)[0] : undefined;
  const order = referenceWithDate(header, 'ON');
  const lines = s.lines.map(line);
  // MOA 86 is the total; 79 (line items total) and the others are further amounts, never read as it.
  const total = firstOf(summary, 'MOA', ['86']);
  return compact<OrderResponse>({
    number: bgm ? t(bgm, 2) || undefined : undefined,
    date: dateOf(header, '137'),
    purpose: (bgm && edifactPurpose.name(t(bgm, 3))) ?? 'original',
    status: (bgm && (edifactResponseStatus.name(t(bgm, 4)) ?? statusFromFunction.name(t(bgm, 3)))) ?? 'accepted',
    statusDetail: bgm && t(bgm, 4) === WITH_DETAIL ? 'with-detail-no-change' : undefined,
    orderNumber: order?.value ?? '',
    orderDate: order?.date,
    currency: cux ? c(cux, 1)[1] || undefined : undefined,
    currencyUsage: cux && c(cux, 1)[1] && usage && !['2', '9'].includes(usage) ? `edifact:${usage}` : undefined,
    parties: parties(s.parties),
    // The first RFF ON is the order answered (orderNumber); further ones are references.
    references: references(header.filter((x) => x !== header.find((r) => r.id === 'RFF' && c(r, 1)[0] === 'ON'))),
    dates: dtmDates(header, ['137', ...TERMS_DATES]),
    terms: terms(header),
    charges: some(alcCharges(header)),
    taxes: some(taxGroups(header)),
    lines,
    totals: compact({
      lineCount: lineCount(summary) ?? lines.length,
      amount: total ? amount([total], '86') : undefined,
      amounts: some(moaAmounts(summary, [total])),
      // The summary's allowance and charge totals (SG56).
      charges: some(alcCharges(summary)),
    }),
    notes: ftxNotes(header),
  });
}

/** The body of a D96A ORDRSP for an OrderResponse, BGM to CNT in the message's order (no UNH or UNT). */
export function toOrdrsp(r: OrderResponse): Segment[] {
  const out: Segment[] = [];
  out.push(
    seg(
      'BGM',
      '231',
      r.number ?? '',
      edifactPurpose.code(r.purpose) ?? '9',
      withDetail(r) ? WITH_DETAIL : (edifactResponseStatus.code(r.status) ?? 'AP'),
    ),
  );
  // DTM is mandatory in an ORDRSP; a response without a date writes none and the message says so when validated.
  if (r.date) out.push(dtm('137', r.date));
  out.push(...dtmSegments(r.dates));
  out.push(...ftxSegments(r.notes));
  out.push(...referenceWithDateSegments('ON', r.orderNumber || undefined, r.orderDate));
  out.push(...rffSegments(r.references));
  for (const p of r.parties) out.push(...nadSegments(p));
  out.push(...taxSegments(r.taxes));
  if (r.currency) out.push(cuxSegment(r.currency, r.currencyUsage, '9'));
  out.push(...patSegments(r.terms));
  out.push(...alcSegments(r.charges));
  for (const l of r.lines) {
    const backordered = l.status === 'backordered';
    out.push(
      ...linSegments(
        l.lineNumber,
        l,
        l.status === 'backordered' ? BACKORDERED_ACTION : (edifactLineAction.code(l.status) ?? ''),
      ),
      ...piaSegments(l.productIds),
    );
    out.push(...imdSegments(l.description));
    if (l.quantity !== undefined) out.push(seg('QTY', ['21', num(l.quantity), l.unit ?? '']));
    // A back order without a stated quantity is the whole line on back order: QTY 83 needs a number.
    const confirmed = backordered ? (l.confirmedQuantity ?? l.quantity) : l.confirmedQuantity;
    if (confirmed !== undefined) out.push(seg('QTY', [backordered ? '83' : '113', num(confirmed), l.unit ?? '']));
    out.push(...aliSegments(l.countryOfOrigin));
    if (l.estimatedDelivery) out.push(dtm('17', l.estimatedDelivery));
    out.push(...dtmSegments(l.dates), ...moaSegments(l.amounts));
    out.push(...unitPriSegment(l), ...priSegments(l.prices));
    out.push(...rffSegments(l.references), ...pacSegments(l.packaging), ...locSegments(l.allocations));
    out.push(...taxSegments(l.taxes));
    for (const p of l.parties ?? []) out.push(...nadSegments(p));
    out.push(...alcSegments(l.charges), ...sccSegments(l.schedules));
  }
  out.push(seg('UNS', 'S'));
  if (r.totals.amount !== undefined) out.push(seg('MOA', ['86', num(r.totals.amount)]));
  out.push(...moaSegments(r.totals.amounts));
  out.push(seg('CNT', ['2', String(r.totals.lineCount)]));
  out.push(...alcSegments(r.totals.charges, { amountRequired: true }));
  return out;
}
