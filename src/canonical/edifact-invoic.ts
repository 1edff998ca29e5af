import type { Segment, Transaction } from '../edi/model';
import { CodeMap, compact, some } from './common';
import type { Invoice, InvoiceLine, InvoiceType } from './invoice';
import type { MonetaryAmount } from './business';
import { dtmDates, dtmSegments, nadSegments, parties, references, rffSegments } from './edifact-parties';
import { TERMS_DATES, patSegments, terms } from './edifact-terms';
import { todSegments, todTerms } from './delivery-terms';
import {
  cuxSegment,
  alcCharges,
  alcSegments,
  firstOf,
  ftxNotes,
  ftxSegments,
  inGroups,
  moaAmounts,
  moaSegments,
  taxGroups,
  taxSegments,
  tdtCarriers,
  tdtSegments,
} from './edifact-charges';
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
  piaSegments,
  priSegments,
  unitPriSegment,
} from './edifact-pricing';

export const edifactInvoiceType = new CodeMap<InvoiceType>([
  ['invoice', '380'],
  ['credit', '381'],
  ['debit', '383'],
  ['consolidated', '385'],
]);

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

/**
 * QTY 6063: 47 invoiced quantity (written); a line without one is read from 46 (delivered) or 12
 * (despatched), and says so. A QTY 12 beside an invoiced or delivered quantity is the shipped quantity.
 */
const QUANTITIES: Array<[string, InvoiceLine['quantityQualifier']]> = [
  ['47', undefined],
  ['46', 'delivered'],
  ['12', 'despatched'],
];
const DESPATCHED = '12';

/** The QTY 12 of a line whose quantity is another: X12 IT3 (units shipped). */
function shipped(segs: Seg[], quantityCode: string | undefined): Pick<InvoiceLine, 'shippedQuantity' | 'shippedUnit'> {
  if (quantityCode === DESPATCHED) return {};
  const qty = quantity(segs, DESPATCHED);
  if (qty?.value === undefined) return {};
  return { shippedQuantity: qty.value, shippedUnit: currentUnit(qty.unit) };
}

/** The line's QTYs: its quantity, then the shipped one unless the quantity already is the despatched one. */
function qtySegments(l: InvoiceLine): Segment[] {
  const code = QUANTITIES.find(([, q]) => q === l.quantityQualifier)?.[0] ?? '47';
  const out = [seg('QTY', [code, num(l.quantity), l.unit ?? ''])];
  if (l.shippedQuantity !== undefined && code !== DESPATCHED)
    out.push(seg('QTY', [DESPATCHED, num(l.shippedQuantity), l.shippedUnit ?? '']));
  return out;
}

/**
 * A line's amount as its quantity and unit price give it, to the cent: what an X12 810 line says without
 * an element for it (the IT1 loop has no AMT in 004010). Undefined for a line without both.
 */
export function impliedLineAmount(l: Pick<InvoiceLine, 'quantity' | 'unitPrice'>): number | undefined {
  if (l.unitPrice === undefined) return undefined;
  return Math.round(l.quantity * l.unitPrice * 100) / 100;
}

/** A line that states no amount of its own (203, or the goods item total 66 older directories send) has the implied one. */
const statesAmount = (amounts: MonetaryAmount[] | undefined) =>
  (amounts ?? []).some((a) => a.qualifier === 'line-item' || a.qualifier === 'goods-item-total');

/**
 * The line's MOA amounts as the document keeps them: a line item amount (203) equal to the implied one
 * is not kept, since the writer gives it back from quantity and price; any other is kept as sent.
 */
function keptAmounts(amounts: MonetaryAmount[], l: InvoiceLine): MonetaryAmount[] {
  const implied = impliedLineAmount(l);
  const others = amounts.filter((a) => a.qualifier !== 'line-item');
  const lineItem = amounts.filter((a) => a.qualifier === 'line-item');
  if (lineItem.length !== 1 || implied === undefined || lineItem[0].amount !== implied || statesAmount(others))
    return amounts;
  return others;
}

/** The amounts written for a line: its own, led by the implied line item amount when it states none. */
function writtenAmounts(l: InvoiceLine): MonetaryAmount[] | undefined {
  const implied = impliedLineAmount(l);
  if (implied === undefined || statesAmount(l.amounts)) return l.amounts;
  return [{ qualifier: 'line-item', amount: implied }, ...(l.amounts ?? [])];
}

function line(all: Seg[]): InvoiceLine {
  const { parties: partyGroups, rest: segs } = lineParties(all, 'NAD', nadMembers);
  // Invoiced quantity; some senders give only the despatched or delivered quantity.
  const qtyCode = QUANTITIES.find(([q]) => quantity(segs, q) !== undefined);
  const qty = qtyCode ? quantity(segs, qtyCode[0]) : undefined;
  const l: InvoiceLine = {
    lineNumber: t(segs[0], 1) || undefined,
    quantity: qty?.value ?? 0,
    quantityQualifier: qtyCode?.[1],
    unit: currentUnit(qty?.unit),
    ...shipped(segs, qtyCode?.[0]),
    unitPrice: unitPrice(segs, 'AAA', 'AAB', 'INV'),
    ...itemIds(segs),
    ...edifactLineDetails(segs, { unitPrice: ['AAA', 'AAB', 'INV'], divided: true }),
  };
  const description = imdDescription(segs);
  if (description) l.description = description;
  l.references = some(references(segs));
  l.dates = some(dtmDates(segs));
  l.charges = some(alcCharges(segs));
  l.taxes = some(taxGroups(segs));
  l.amounts = some(keptAmounts(moaAmounts(segs), l));
  l.parties = some(parties(partyGroups));
  return compact(l);
}

/** Reads an EDIFACT INVOIC (D96A or D97B with their profile trees, or any directory from its segments) into an Invoice. */
export function fromInvoic(tx: Transaction): Invoice {
  const s = sections(tx);
  // In a tree the summary (UNS, CNT, SG48 MOA...) sits among the top-level segments: cut it off at UNS.
  const [header, tail] = splitAt(s.header, 'UNS');
  const summary = [...tail, ...s.summary];
  const bgm = header.find((x) => x.id === 'BGM');
  // CUX 6347 2 (reference currency) is the invoice's; a first CUX with another usage is read with it.
  const cux = header.find((x) => x.id === 'CUX' && c(x, 1)[0] === '2') ?? header.find((x) => x.id === 'CUX');
  const usage = cux ? c(cux, 1)[0] : undefined;
  const order = referenceWithDate(header, 'ON');
  const lines = s.lines.map(line);
  const grouped = inGroups(summary);
  const total = firstOf(summary, 'MOA', ['77', '86', '39']);
  // MOA 124 of a tax group (SG50) is that tax's amount (taxes); outside one it is the total.
  const taxTotal = firstOf(
    summary.filter((x) => !grouped.has(x)),
    'MOA',
    ['176', '124'],
  );
  const dateQualifier = ['137', '3'].find((q) => dateOf(header, q) !== undefined);
  return compact<Invoice>({
    number: bgm ? t(bgm, 2) : '',
    date: dateQualifier ? dateOf(header, dateQualifier) : undefined,
    type: (bgm && edifactInvoiceType.name(c(bgm, 1)[0] ?? '')) ?? 'invoice',
    purpose: (bgm && edifactPurpose.name(t(bgm, 3))) ?? 'original',
    orderNumber: order?.value,
    orderDate: order?.date,
    currency: cux ? c(cux, 1)[1] || undefined : undefined,
    currencyUsage: cux && c(cux, 1)[1] && usage && usage !== '2' ? `edifact:${usage}` : undefined,
    parties: parties(s.parties),
    // The first RFF ON is the order the invoice bills (orderNumber); further ones are references.
    references: references(header.filter((x) => x !== header.find((r) => r.id === 'RFF' && c(r, 1)[0] === 'ON'))),
    dates: dtmDates(header, [...(dateQualifier ? [dateQualifier] : []), ...TERMS_DATES]),
    terms: terms(header),
    deliveryTerms: todTerms(header),
    carriers: some(tdtCarriers(header)),
    charges: some(alcCharges(header)),
    // The summary's tax groups (SG50), as the X12 summary's TXI.
    taxes: some(taxGroups(summary)),
    lines,
    totals: compact({
      lineCount: lineCount(summary) ?? lines.length,
      amount: total ? amount([total], c(total, 1)[0] ?? '') : undefined,
      taxAmount: taxTotal ? amount([taxTotal], c(taxTotal, 1)[0] ?? '') : undefined,
      amounts: some(moaAmounts(summary, [total, taxTotal])),
      // The summary's allowance and charge totals (SG51).
      charges: some(alcCharges(summary)),
    }),
    notes: ftxNotes(header),
  });
}

/** The body of a D96A INVOIC for an Invoice, BGM to the SG48 MOA in the message's order (no UNH or UNT). */
export function toInvoic(inv: Invoice): Segment[] {
  const out: Segment[] = [];
  out.push(seg('BGM', edifactInvoiceType.code(inv.type) ?? '380', inv.number, edifactPurpose.code(inv.purpose) ?? '9'));
  // DTM is mandatory in an INVOIC; an invoice without a date writes none and the message says so when validated.
  if (inv.date) out.push(dtm('137', inv.date));
  out.push(...dtmSegments(inv.dates));
  out.push(...ftxSegments(inv.notes));
  out.push(...referenceWithDateSegments('ON', inv.orderNumber, inv.orderDate));
  out.push(...rffSegments(inv.references));
  for (const p of inv.parties) out.push(...nadSegments(p));
  if (inv.currency) out.push(cuxSegment(inv.currency, inv.currencyUsage, '4'));
  out.push(...patSegments(inv.terms));
  // SG9 TDT and SG12 TOD come between the payment terms and the allowances.
  out.push(...tdtSegments(inv.carriers), ...todSegments(inv.deliveryTerms));
  out.push(...alcSegments(inv.charges));
  for (const l of inv.lines) {
    out.push(...linSegments(l.lineNumber, l), ...piaSegments(l.productIds));
    out.push(...imdSegments(l.description));
    out.push(...qtySegments(l), ...aliSegments(l.countryOfOrigin));
    out.push(...dtmSegments(l.dates), ...moaSegments(writtenAmounts(l)));
    out.push(...unitPriSegment(l), ...priSegments(l.prices));
    // The INVOIC's PAC group has no QTY for the pack: packaging is not written (the loss check says so).
    out.push(...rffSegments(l.references), ...locSegments(l.allocations));
    out.push(...taxSegments(l.taxes));
    for (const p of l.parties ?? []) out.push(...nadSegments(p));
    out.push(...alcSegments(l.charges));
  }
  out.push(seg('UNS', 'S'));
  out.push(seg('CNT', ['2', String(inv.totals.lineCount)]));
  // SG48 is mandatory: an invoice without an amount writes none and the message says so when validated.
  if (inv.totals.amount !== undefined) out.push(seg('MOA', ['77', num(inv.totals.amount)]));
  if (inv.totals.taxAmount !== undefined) out.push(seg('MOA', ['176', num(inv.totals.taxAmount)]));
  out.push(...moaSegments(inv.totals.amounts));
  out.push(...taxSegments(inv.taxes), ...alcSegments(inv.totals.charges, { amountRequired: false }));
  return out;
}
