import type { Segment, Transaction } from '../edi/model';
import { CodeMap, ccyymmdd, compact, isoDate, numberOf, some, unitFromX12Code, unitToX12Code } from './common';
import type { Invoice, InvoiceLine, InvoiceType } from './invoice';
import type { LinePrice } from './line-details';
import { MissingMandatory } from './missing-mandatory';
import { dtmDates, dtmSegments, n1Segments, parties, refSegments, references, withHeaderContacts } from './x12-parties';
import { itdSegments, itdTerms } from './x12-terms';
import { fobSegments, fobTerms } from './delivery-terms';
import {
  curSegments,
  currencyParty,
  amtAmounts,
  amtSegments,
  cadCarriers,
  cadSegments,
  nteNotes,
  nteSegments,
  sacCharges,
  sacSegments,
  txiSegments,
  txiTaxes,
} from './x12-charges';
import { type Seg, type Sections, lineParties, sectionsFromSegments, sectionsFromTree } from './sections';
import { itemIdElements, itemIds, n1Members, num, pidDescription, pidSegments, seg, t, x12Purpose } from './x12-common';
import { ctpSegments, po4Segments, productIdElements, sdqSegments, x12LineDetails, x12PriceBasis } from './x12-pricing';

/** BIG07 (640): an invoice sends no transaction type, or DI (debit invoice). */
export const x12InvoiceType = new CodeMap<InvoiceType>([
  ['invoice', ''],
  ['invoice', 'DI'],
  ['credit', 'CR'],
  ['credit', 'CN'],
  ['debit', 'DR'],
  ['consolidated', 'CI'],
]);

function sections(tx: Transaction): Sections {
  if (tx.tree) return sectionsFromTree(tx.tree, { party: 'N1', line: 'IT1' });
  return sectionsFromSegments(tx.segments, {
    party: 'N1',
    partyMembers: n1Members,
    line: 'IT1',
    summary: 'TDS',
    skip: ['ST', 'SE'],
  });
}

/** TDS amounts are N2: implied two decimals ('28566' is 285.66); a sender that writes the point anyway is read as written. */
function impliedCents(s: string): number | undefined {
  return /^-?\d+$/.test(s) ? Number(s) / 100 : numberOf(s);
}

function line(all: Seg[]): InvoiceLine {
  const { parties: partyGroups, rest: segs } = lineParties(all, 'N1', n1Members);
  const it1 = segs[0];
  const l: InvoiceLine = {
    lineNumber: t(it1, 1) || undefined,
    quantity: numberOf(t(it1, 2)) ?? 0,
    unit: unitFromX12Code(t(it1, 3)),
    unitPrice: numberOf(t(it1, 4)),
    ...shipped(segs),
    ...itemIds(it1, 6, 25),
    ...x12LineDetails(segs, it1, { basisAt: 5, idsFrom: 6, idsTo: 25 }),
  };
  const description = pidDescription(segs);
  if (description) l.description = description;
  Object.assign(l, invoicePrice(l));
  l.references = some(references(segs));
  l.dates = some(dtmDates(segs));
  l.charges = some(sacCharges(segs));
  l.taxes = some(txiTaxes(segs));
  l.parties = some(parties(partyGroups));
  return compact(l);
}

/** The first IT3 of the line: units shipped (IT301) and their unit (IT302); IT303-IT305 are not carried. */
function shipped(segs: Seg[]): Pick<InvoiceLine, 'shippedQuantity' | 'shippedUnit'> {
  const it3 = segs.find((x) => x.id === 'IT3');
  const value = it3 ? numberOf(t(it3, 1)) : undefined;
  if (!it3 || value === undefined) return {};
  return { shippedQuantity: value, shippedUnit: unitFromX12Code(t(it3, 2)) };
}

/**
 * The IT3 of a line: its shipped quantity, else its quantity when that is the despatched one (an INVOIC
 * line that states only QTY 12). IT102 then gives the same number, since IT104's price needs it (P020304).
 */
function it3Segments(l: InvoiceLine): Segment[] {
  if (l.shippedQuantity !== undefined) return [seg('IT3', num(l.shippedQuantity), unitToX12Code(l.shippedUnit))];
  if (l.quantityQualifier === 'despatched') return [seg('IT3', num(l.quantity), unitToX12Code(l.unit))];
  return [];
}

/**
 * A CTP INV (invoice billing price) that states the IT104 unit price again, with no basis or type of its
 * own, says what that unit price is: the invoice price, which an INVOIC sends as PRI INV. It is that
 * qualifier of the unit price, not a second price.
 */
function invoicePrice(l: InvoiceLine): Pick<InvoiceLine, 'prices' | 'unitPriceQualifier'> {
  const [first, ...rest] = l.prices ?? [];
  const same =
    first?.qualifier === INVOICE_PRICE &&
    first.amount === l.unitPrice &&
    first.basisQuantity === undefined &&
    first.basisUnit === undefined &&
    first.type === undefined;
  if (!same) return { prices: l.prices };
  return { prices: some(rest), unitPriceQualifier: INVOICE_PRICE };
}

const INVOICE_PRICE = 'invoice';

/** The CTP that says the unit price is the invoice price (see invoicePrice), before the line's other prices. */
function unitPriceCtp(l: InvoiceLine): LinePrice[] {
  if (l.unitPrice === undefined || l.unitPriceQualifier !== INVOICE_PRICE) return [];
  return [{ qualifier: INVOICE_PRICE, amount: l.unitPrice }];
}

/** Reads an X12 810 (004010 with its profile tree, or any version from its segments) into an Invoice. */
export function fromX12_810(tx: Transaction): Invoice {
  const s = sections(tx);
  const all = [...s.header, ...s.summary];
  const big = s.header.find((x) => x.id === 'BIG');
  const cur = s.header.find((x) => x.id === 'CUR');
  const tds = all.find((x) => x.id === 'TDS');
  const tax = all.find((x) => x.id === 'TXI' && t(x, 1) === 'TX');
  const ctt = all.find((x) => x.id === 'CTT');
  const lines = s.lines.map(line);
  return compact<Invoice>({
    number: big ? t(big, 2) : '',
    date: big ? isoDate(t(big, 1)) : undefined,
    type: (big && x12InvoiceType.name(t(big, 7))) ?? 'invoice',
    purpose: (big && x12Purpose.name(t(big, 8))) ?? 'original',
    orderNumber: big ? t(big, 4) || undefined : undefined,
    orderDate: big ? isoDate(t(big, 3)) : undefined,
    currency: cur ? t(cur, 2) || undefined : undefined,
    currencyParty: cur ? currencyParty(cur) : undefined,
    parties: withHeaderContacts(parties(s.parties), s.header, ['seller', 'sellingParty']),
    references: references(s.header),
    dates: dtmDates(s.header),
    terms: itdTerms(s.header),
    deliveryTerms: fobTerms(s.header),
    carriers: some(cadCarriers(all)),
    // The 810 has no SAC or TXI before its lines: these are the summary's.
    charges: some(sacCharges(all)),
    taxes: some(txiTaxes(all, ['TX'])),
    lines,
    totals: compact({
      lineCount: numberOf(ctt ? t(ctt, 1) : '') ?? lines.length,
      amount: tds ? impliedCents(t(tds, 1)) : undefined,
      taxAmount: tax ? numberOf(t(tax, 2)) : undefined,
      amounts: some(amtAmounts(all)),
    }),
    notes: nteNotes(s.header),
  });
}

/**
 * TDS01 (mandatory): the invoice amount, else the total amount an older INVOIC states as MOA 128 (which
 * then is not written again as an AMT, X12 having no code for it). An invoice that states neither is
 * refused: a sum of the lines would leave out charges and taxes, an amount the sender never stated.
 */
function tdsAmount(inv: Invoice): { amount: number; amounts: Invoice['totals']['amounts'] } {
  if (inv.totals.amount !== undefined) return { amount: inv.totals.amount, amounts: inv.totals.amounts };
  const total = inv.totals.amounts?.find((a) => a.qualifier === 'total');
  if (total) return { amount: total.amount, amounts: inv.totals.amounts?.filter((a) => a !== total) };
  throw new MissingMandatory(`invoice ${inv.number || '(no number)'} states no total amount`, 'TDS01 of the X12 810', {
    x12: { stated: ['TDS'], before: 'CTT' },
    edifact: { stated: ['MOA 77', 'MOA 86', 'MOA 39', 'MOA 128'], after: 'UNS' },
  });
}

/** The body of an X12 004010 810 for an Invoice, BIG to CTT in the table's order (no ST or SE). */
export function toX12_810(inv: Invoice): Segment[] {
  const out: Segment[] = [];
  out.push(
    seg(
      'BIG',
      inv.date ? ccyymmdd(inv.date) : '',
      inv.number,
      inv.orderDate ? ccyymmdd(inv.orderDate) : '',
      inv.orderNumber ?? '',
      '',
      '',
      x12InvoiceType.code(inv.type) ?? '',
      x12Purpose.code(inv.purpose) ?? '00',
    ),
  );
  // NTE02 holds 80 characters and one NTE is one note: a longer note is cut rather than split into notes that read back as several.
  out.push(...nteSegments(inv.notes));
  out.push(...curSegments(inv));
  out.push(...refSegments(inv.references));
  for (const p of inv.parties) out.push(...n1Segments(p));
  out.push(...itdSegments(inv.terms));
  out.push(...dtmSegments(inv.dates), ...fobSegments(inv.deliveryTerms));
  for (const l of inv.lines) {
    const ids = itemIdElements(l);
    out.push(
      seg(
        'IT1',
        l.lineNumber ?? '',
        num(l.quantity),
        unitToX12Code(l.unit),
        num(l.unitPrice),
        x12PriceBasis(l),
        ...ids,
        ...productIdElements(l.productIds, 20 - ids.length, l.countryOfOrigin),
      ),
    );
    out.push(...it3Segments(l), ...txiSegments(l.taxes));
    // The IT1 loop holds one PO4: the first packaging; the others are not written (the loss check says so).
    out.push(
      ...ctpSegments([...unitPriceCtp(l), ...(l.prices ?? [])]),
      ...pidSegments(l.description),
      ...po4Segments(l.packaging).slice(0, 1),
    );
    out.push(...refSegments(l.references), ...sdqSegments(l.allocations, l.unit), ...dtmSegments(l.dates));
    out.push(...sacSegments(l.charges));
    for (const p of l.parties ?? []) out.push(...n1Segments(p));
  }
  const { amount, amounts } = tdsAmount(inv);
  out.push(seg('TDS', String(Math.round(amount * 100))));
  if (inv.totals.taxAmount !== undefined) out.push(seg('TXI', 'TX', num(inv.totals.taxAmount)));
  out.push(...txiSegments(inv.taxes), ...cadSegments(inv.carriers), ...amtSegments(amounts));
  // The summary SAC loop is the 810's one place for the invoice's charges and for the charge totals.
  out.push(...sacSegments(inv.charges), ...sacSegments(inv.totals.charges));
  out.push(seg('CTT', String(inv.totals.lineCount)));
  return out;
}
