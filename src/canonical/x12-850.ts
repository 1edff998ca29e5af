import type { Element, Segment, Transaction } from '../edi/model';
import { text } from '../edi/model';
import { trimTrailing } from '../edi/x12/ack-envelope';
import {
  CodeMap, type OrderLine, type OrderPurpose, type OrderType, type Party, type PartyIdQualifier, type PartyRole, type PurchaseOrder,
  type ReferenceQualifier, ccyymmdd, chunks, compact, isoDate, numberOf, unitFromX12Code, unitToX12Code,
} from './purchase-order';
import { type Seg, type Sections, sectionsFromSegments, sectionsFromTree } from './sections';

export const x12Purpose = new CodeMap<OrderPurpose>([
  ['original', '00'], ['cancellation', '01'], ['change', '04'], ['replace', '05'], ['confirmation', '06'], ['duplicate', '07'],
]);
export const x12OrderType = new CodeMap<OrderType>([
  ['order', 'SA'], ['order', 'NE'], ['blanket', 'BK'], ['rush', 'RO'], ['release', 'RL'], ['consigned', 'CN'],
]);
export const x12Role = new CodeMap<PartyRole>([
  ['buyer', 'BY'], ['seller', 'VN'], ['seller', 'SE'], ['seller', 'SU'], ['shipTo', 'ST'], ['billTo', 'BT'],
]);
export const x12IdQualifier = new CodeMap<PartyIdQualifier>([
  ['duns', '1'], ['duns+4', '9'], ['gln', 'UL'], ['seller-assigned', '91'], ['buyer-assigned', '92'],
]);
export const x12Reference = new CodeMap<ReferenceQualifier>([
  ['contract', 'CT'], ['promotion', 'PD'], ['vendor-order', 'VN'], ['customer-reference', 'CR'], ['price-list', 'PL'], ['internal-vendor', 'IA'],
]);
/** PO1 product/service id qualifiers (235) and the line field each fills; the first for a field is written. */
const itemQualifiers: Array<[string, keyof OrderLine]> = [
  ['BP', 'buyerItem'], ['IN', 'buyerItem'], ['CB', 'buyerItem'],
  ['VP', 'vendorItem'], ['VN', 'vendorItem'], ['VA', 'vendorItem'],
  ['MG', 'manufacturerItem'],
  ['EN', 'gtin'], ['UP', 'gtin'], ['UK', 'gtin'], ['UA', 'gtin'],
  ['IB', 'isbn'],
];

const t = (s: Seg, n: number) => text(s.el(n));

function sections(tx: Transaction): Sections {
  if (tx.tree) return sectionsFromTree(tx.tree, { party: 'N1', line: 'PO1', note: 'N9', summary: 'CTT' });
  return sectionsFromSegments(tx.segments, {
    party: 'N1', partyMembers: ['N2', 'N3', 'N4', 'NX2', 'REF', 'PER', 'SI', 'FOB', 'TD1', 'TD5', 'TD3', 'TD4', 'PKG'],
    line: 'PO1', note: 'N9', noteMembers: ['DTM', 'MSG'], summary: 'CTT', skip: ['ST', 'SE'],
  });
}

function party(segs: Seg[]): Party | undefined {
  const n1 = segs[0];
  const role = x12Role.name(t(n1, 1));
  if (!role) return undefined;
  const n3 = segs.filter((s) => s.id === 'N3').flatMap((s) => [t(s, 1), t(s, 2)]).filter((l) => l !== '');
  const n4 = segs.find((s) => s.id === 'N4');
  return compact<Party>({
    role,
    id: t(n1, 4) || undefined,
    idQualifier: t(n1, 4) ? x12IdQualifier.name(t(n1, 3)) : undefined,
    name: t(n1, 2) || undefined,
    addressLines: n3.length ? n3 : undefined,
    city: n4 && t(n4, 1), region: n4 && t(n4, 2), postalCode: n4 && t(n4, 3), country: n4 && t(n4, 4),
  });
}

function line(segs: Seg[]): OrderLine {
  const po1 = segs[0];
  const l: OrderLine = {
    lineNumber: t(po1, 1) || undefined,
    quantity: numberOf(t(po1, 2)) ?? 0,
    unit: unitFromX12Code(t(po1, 3)),
    unitPrice: numberOf(t(po1, 4)),
  };
  for (let i = 6; i < 25; i += 2) {
    const field = itemQualifiers.find(([q]) => q === t(po1, i))?.[1];
    const value = t(po1, i + 1);
    if (field && value && l[field] === undefined) (l as unknown as Record<string, string>)[field] = value;
  }
  const description = segs.filter((s) => s.id === 'PID' && t(s, 1) === 'F').map((s) => t(s, 5)).join('');
  if (description) l.description = description;
  return compact(l);
}

/** Reads an X12 850 (004010 or earlier, with or without its profile tree) into a PurchaseOrder. */
export function fromX12_850(tx: Transaction): PurchaseOrder {
  const s = sections(tx);
  const beg = s.header.find((x) => x.id === 'BEG');
  const cur = s.header.find((x) => x.id === 'CUR');
  const dtm = s.header.find((x) => x.id === 'DTM' && t(x, 1) === '002');
  const amts = [...s.summary, ...s.header].filter((x) => x.id === 'AMT');
  const amount = amts.find((x) => t(x, 1) === 'TT') ?? amts.find((x) => t(x, 1) === '1');
  const ctt = s.summary.find((x) => x.id === 'CTT');
  const lines = s.lines.map(line);
  return compact<PurchaseOrder>({
    number: beg ? t(beg, 3) : '',
    date: beg ? isoDate(t(beg, 5)) : undefined,
    purpose: (beg && x12Purpose.name(t(beg, 1))) ?? 'original',
    type: (beg && x12OrderType.name(t(beg, 2))) ?? 'order',
    currency: cur ? t(cur, 2) || undefined : undefined,
    parties: s.parties.map(party).filter((p): p is Party => p !== undefined),
    references: s.header.filter((x) => x.id === 'REF').flatMap((x) => {
      const qualifier = x12Reference.name(t(x, 1));
      return qualifier && t(x, 2) ? [{ qualifier, value: t(x, 2) }] : [];
    }),
    requestedDelivery: dtm ? isoDate(t(dtm, 2)) : undefined,
    lines,
    totals: compact({ lineCount: numberOf(ctt ? t(ctt, 1) : '') ?? lines.length, amount: amount ? numberOf(t(amount, 2)) : undefined }),
    notes: s.notes.map((n) => n.filter((x) => x.id === 'MSG').map((x) => t(x, 1)).join('')).filter((n) => n !== ''),
  });
}

function seg(id: string, ...elements: Element[]): Segment {
  return { id, elements: trimTrailing(elements), offset: 0 };
}

const num = (n: number | undefined) => (n === undefined ? '' : String(n));

/** The body of an X12 004010 850 for a PurchaseOrder, BEG to CTT/AMT in the table's order (no ST or SE). */
export function toX12_850(po: PurchaseOrder): Segment[] {
  const out: Segment[] = [];
  out.push(seg('BEG', x12Purpose.code(po.purpose) ?? '00', x12OrderType.code(po.type) ?? 'SA', po.number, '', po.date ? ccyymmdd(po.date) : ''));
  if (po.currency) out.push(seg('CUR', 'BY', po.currency));
  for (const r of po.references) out.push(seg('REF', x12Reference.code(r.qualifier) ?? 'ZZ', r.value));
  if (po.requestedDelivery) out.push(seg('DTM', '002', ccyymmdd(po.requestedDelivery)));
  for (const note of po.notes) {
    out.push(seg('N9', 'L1', 'NOTE'));
    for (const part of chunks(note, 264)) out.push(seg('MSG', part));
  }
  for (const p of po.parties) {
    const q = x12IdQualifier.code(p.idQualifier) ?? (p.id ? 'ZZ' : '');
    out.push(seg('N1', x12Role.code(p.role) ?? 'ZZ', p.name ?? '', q, p.id ?? ''));
    const lines = p.addressLines ?? [];
    for (let i = 0; i < lines.length && i < 4; i += 2) out.push(seg('N3', lines[i], lines[i + 1] ?? ''));
    if (p.city || p.region || p.postalCode || p.country) out.push(seg('N4', p.city ?? '', p.region ?? '', p.postalCode ?? '', p.country ?? ''));
  }
  for (const l of po.lines) {
    const ids: Element[] = [];
    const written = new Set<string>();
    for (const [q, field] of itemQualifiers) {
      const v = l[field];
      if (typeof v === 'string' && !written.has(field)) { ids.push(q, v); written.add(field); }
    }
    out.push(seg('PO1', l.lineNumber ?? '', num(l.quantity), unitToX12Code(l.unit), num(l.unitPrice), '', ...ids));
    for (const part of chunks(l.description ?? '', 80)) out.push(seg('PID', 'F', '', '', '', part));
  }
  out.push(seg('CTT', String(po.totals.lineCount)));
  if (po.totals.amount !== undefined) out.push(seg('AMT', 'TT', num(po.totals.amount)));
  return out;
}

