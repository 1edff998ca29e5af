import type { Element, Segment, Transaction } from '../edi/model';
import { components, text } from '../edi/model';
import { trimTrailing } from '../edi/x12/ack-envelope';
import {
  CodeMap, type OrderLine, type OrderPurpose, type OrderType, type Party, type PartyIdQualifier, type PartyRole, type PurchaseOrder,
  type ReferenceQualifier, ccyymmdd, chunks, compact, isoDate, numberOf,
} from './purchase-order';
import { type Seg, type Sections, sectionsFromSegments, sectionsFromTree } from './sections';

export const edifactPurpose = new CodeMap<OrderPurpose>([
  ['original', '9'], ['cancellation', '1'], ['change', '4'], ['replace', '5'], ['confirmation', '6'], ['duplicate', '7'],
]);
export const edifactOrderType = new CodeMap<OrderType>([
  ['order', '220'], ['order', '105'], ['blanket', '221'], ['rush', '224'], ['release', '226'], ['consigned', '227'],
]);
export const edifactRole = new CodeMap<PartyRole>([
  ['buyer', 'BY'], ['seller', 'SU'], ['seller', 'SE'], ['shipTo', 'DP'], ['shipTo', 'ST'], ['billTo', 'IV'],
]);
export const edifactIdQualifier = new CodeMap<PartyIdQualifier>([
  ['gln', '9'], ['duns', '16'], ['seller-assigned', '91'], ['buyer-assigned', '92'],
]);
/** D-U-N-S+4 has no 3055 code of its own: it travels as agency 16 (D-U-N-S) with code list qualifier 4. */
const DUNS4 = ['4', '16'];
export const edifactReference = new CodeMap<ReferenceQualifier>([
  ['contract', 'CT'], ['promotion', 'PD'], ['vendor-order', 'VN'], ['customer-reference', 'CR'], ['price-list', 'PL'], ['internal-vendor', 'IA'],
]);
/** Item number types (7143) and the line field each fills; the first for a field is written. */
const itemTypes: Array<[string, keyof OrderLine]> = [
  ['EN', 'gtin'], ['UP', 'gtin'], ['SRV', 'gtin'],
  ['IN', 'buyerItem'], ['BP', 'buyerItem'],
  ['SA', 'vendorItem'], ['VN', 'vendorItem'],
  ['MF', 'manufacturerItem'],
  ['IB', 'isbn'],
];

const c = (s: Seg, n: number) => components(s.el(n));
const t = (s: Seg, n: number) => text(s.el(n));

function sections(tx: Transaction): Sections {
  if (tx.tree) return sectionsFromTree(tx.tree, { party: 'SG2', line: 'SG25' });
  return sectionsFromSegments(tx.segments, {
    party: 'NAD', partyMembers: ['LOC', 'FII', 'RFF', 'DTM', 'DOC', 'CTA', 'COM'], line: 'LIN', summary: 'UNS', skip: ['UNH', 'UNT'],
  });
}

function dateOf(segs: Seg[], qualifier: string): string | undefined {
  const d = segs.find((s) => s.id === 'DTM' && c(s, 1)[0] === qualifier);
  return d ? isoDate(c(d, 1)[1] ?? '') : undefined;
}

function idQualifier(c082: string[]): PartyIdQualifier | undefined {
  if (c082[1] === DUNS4[0] && c082[2] === DUNS4[1]) return 'duns+4';
  return edifactIdQualifier.name(c082[2] ?? '');
}

function party(segs: Seg[]): Party | undefined {
  const nad = segs[0];
  const role = edifactRole.name(t(nad, 1));
  if (!role) return undefined;
  const street = c(nad, 5).filter((l) => l !== '');
  return compact<Party>({
    role,
    id: c(nad, 2)[0] || undefined,
    idQualifier: c(nad, 2)[0] ? idQualifier(c(nad, 2)) : undefined,
    name: c(nad, 4).slice(0, 5).join('') || undefined,
    addressLines: street.length ? street : undefined,
    city: t(nad, 6), region: t(nad, 7), postalCode: t(nad, 8), country: t(nad, 9),
  });
}

function line(segs: Seg[]): OrderLine {
  const lin = segs[0];
  const qtys = segs.filter((s) => s.id === 'QTY');
  const qty = qtys.find((s) => c(s, 1)[0] === '21') ?? qtys.find((s) => c(s, 1)[0] === '1');
  const pris = segs.filter((s) => s.id === 'PRI');
  const pri = pris.find((s) => c(s, 1)[0] === 'AAA') ?? pris.find((s) => c(s, 1)[0] === 'AAB');
  const l: OrderLine = {
    lineNumber: t(lin, 1) || undefined,
    quantity: numberOf(qty ? c(qty, 1)[1] ?? '' : '') ?? 0,
    unit: (qty && c(qty, 1)[2]) || undefined,
    unitPrice: pri ? numberOf(c(pri, 1)[1] ?? '') : undefined,
  };
  const ids: string[][] = [c(lin, 3), ...segs.filter((s) => s.id === 'PIA').flatMap((s) => [2, 3, 4, 5, 6].map((n) => c(s, n)))];
  for (const [value, type] of ids) {
    const field = itemTypes.find(([q]) => q === type)?.[1];
    if (field && value && l[field] === undefined) (l as unknown as Record<string, string>)[field] = value;
  }
  const description = segs.filter((s) => s.id === 'IMD' && t(s, 1) === 'F').map((s) => c(s, 3).slice(3, 5).join('')).join('');
  if (description) l.description = description;
  return compact(l);
}

/** Reads an EDIFACT ORDERS (D96A with its profile tree, or any directory from its segments) into a PurchaseOrder. */
export function fromOrders(tx: Transaction): PurchaseOrder {
  const s = sections(tx);
  const all = [...s.header, ...s.summary];
  const bgm = s.header.find((x) => x.id === 'BGM');
  const cux = all.find((x) => x.id === 'CUX' && ['2', '9'].includes(c(x, 1)[0] ?? ''));
  const moas = all.filter((x) => x.id === 'MOA');
  const moa = moas.find((x) => c(x, 1)[0] === '86') ?? moas.find((x) => c(x, 1)[0] === '79');
  const cnt = all.find((x) => x.id === 'CNT' && c(x, 1)[0] === '2');
  const lines = s.lines.map(line);
  return compact<PurchaseOrder>({
    number: bgm ? t(bgm, 2) : '',
    date: dateOf(s.header, '137'),
    purpose: (bgm && edifactPurpose.name(t(bgm, 3))) ?? 'original',
    type: (bgm && edifactOrderType.name(c(bgm, 1)[0] ?? '')) ?? 'order',
    currency: cux ? c(cux, 1)[1] || undefined : undefined,
    parties: s.parties.map(party).filter((p): p is Party => p !== undefined),
    references: s.header.filter((x) => x.id === 'RFF').flatMap((x) => {
      const [q, value] = c(x, 1);
      const qualifier = edifactReference.name(q ?? '');
      return qualifier && value ? [{ qualifier, value }] : [];
    }),
    requestedDelivery: dateOf(s.header, '2'),
    lines,
    totals: compact({ lineCount: numberOf(cnt ? c(cnt, 1)[1] ?? '' : '') ?? lines.length, amount: moa ? numberOf(c(moa, 1)[1] ?? '') : undefined }),
    notes: s.header.filter((x) => x.id === 'FTX' && t(x, 1) === 'AAI').map((x) => c(x, 4).join('')).filter((n) => n !== ''),
  });
}

function seg(id: string, ...elements: Element[]): Segment {
  return { id, elements: trimTrailing(elements.map(trimComposite)), offset: 0 };
}

/** Trailing empty components are left off; a composite left with one component is written as a plain value. */
function trimComposite(e: Element): Element {
  if (!Array.isArray(e)) return e;
  let n = e.length;
  while (n > 0 && e[n - 1] === '') n--;
  return n === 0 ? '' : n === 1 ? e[0] : e.slice(0, n);
}

const num = (n: number | undefined) => (n === undefined ? '' : String(n));

/** The body of a D96A ORDERS for a PurchaseOrder, BGM to CNT in the message's order (no UNH or UNT). */
export function toOrders(po: PurchaseOrder): Segment[] {
  const out: Segment[] = [];
  out.push(seg('BGM', edifactOrderType.code(po.type) ?? '220', po.number, edifactPurpose.code(po.purpose) ?? '9'));
  if (po.date) out.push(seg('DTM', ['137', ccyymmdd(po.date), '102']));
  if (po.requestedDelivery) out.push(seg('DTM', ['2', ccyymmdd(po.requestedDelivery), '102']));
  for (const note of po.notes) out.push(seg('FTX', 'AAI', '', '', chunks(note, 70).slice(0, 5)));
  for (const r of po.references) out.push(seg('RFF', [edifactReference.code(r.qualifier) ?? 'ZZZ', r.value]));
  for (const p of po.parties) {
    const c082: string[] = !p.id ? [] : p.idQualifier === 'duns+4' ? [p.id, ...DUNS4] : [p.id, '', edifactIdQualifier.code(p.idQualifier) ?? ''];
    out.push(seg('NAD', edifactRole.code(p.role) ?? 'ZZZ', c082, '', chunks(p.name ?? '', 35).slice(0, 5), (p.addressLines ?? []).slice(0, 4),
      p.city ?? '', p.region ?? '', p.postalCode ?? '', p.country ?? ''));
  }
  if (po.currency) out.push(seg('CUX', ['2', po.currency, '9']));
  for (const l of po.lines) {
    const ids: string[][] = [];
    const written = new Set<string>();
    for (const [type, field] of itemTypes) {
      const v = l[field];
      if (typeof v === 'string' && !written.has(field)) { ids.push([v, type]); written.add(field); }
    }
    const gtin = ids.findIndex(([, type]) => type === 'EN');
    const main = gtin >= 0 ? ids.splice(gtin, 1)[0] : [];
    out.push(seg('LIN', l.lineNumber ?? '', '', main));
    for (let i = 0; i < ids.length; i += 5) out.push(seg('PIA', main.length ? '1' : '5', ...ids.slice(i, i + 5)));
    for (const part of chunks(l.description ?? '', 70)) out.push(seg('IMD', 'F', '', ['', '', '', ...chunks(part, 35)]));
    out.push(seg('QTY', ['21', num(l.quantity), l.unit ?? '']));
    if (l.unitPrice !== undefined) out.push(seg('PRI', ['AAA', num(l.unitPrice)]));
  }
  out.push(seg('UNS', 'S'));
  if (po.totals.amount !== undefined) out.push(seg('MOA', ['86', num(po.totals.amount)]));
  out.push(seg('CNT', ['2', String(po.totals.lineCount)]));
  return out;
}
