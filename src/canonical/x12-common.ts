import type { Element, Segment } from '../edi/model';
import { text } from '../edi/model';
import { trimTrailing } from '../edi/x12/ack-envelope';
import {
  CodeMap,
  type DocumentPurpose,
  type ItemIds,
  type Party,
  type PartyIdQualifier,
  type PartyRole,
  type Reference,
  type ReferenceQualifier,
  chunks,
  compact,
  isoDate,
} from './common';
import type { Seg } from './sections';
import { x12Gtin } from './gtin';

/**
 * The X12 pieces every transaction set shares (004010 element dictionary): purpose codes, N1 parties,
 * REF references, product/service id pairs, PID descriptions.
 */

export const x12Purpose = new CodeMap<DocumentPurpose>([
  ['original', '00'],
  ['cancellation', '01'],
  ['change', '04'],
  ['replace', '05'],
  ['confirmation', '06'],
  ['duplicate', '07'],
]);
/** N101 entity identifiers (98) of the four roles every document knows; documents that know more extend the list. */
export const x12RolePairs: Array<[PartyRole, string]> = [
  ['buyer', 'BY'],
  ['seller', 'VN'],
  ['seller', 'SE'],
  ['seller', 'SU'],
  ['shipTo', 'ST'],
  ['billTo', 'BT'],
];
export const x12IdQualifier = new CodeMap<PartyIdQualifier>([
  ['duns', '1'],
  ['duns+4', '9'],
  ['gln', 'UL'],
  ['seller-assigned', '91'],
  ['buyer-assigned', '92'],
]);
export const x12ReferencePairs: Array<[ReferenceQualifier, string]> = [
  ['contract', 'CT'],
  ['promotion', 'PD'],
  ['vendor-order', 'VN'],
  ['customer-reference', 'CR'],
  ['price-list', 'PL'],
  ['internal-vendor', 'IA'],
];
export const x12Reference = new CodeMap<ReferenceQualifier>(x12ReferencePairs);

/** Product/service id qualifiers (235) and the line field each fills; the first for a field is written. */
export const itemQualifiers: Array<[string, keyof ItemIds]> = [
  ['BP', 'buyerItem'],
  ['IN', 'buyerItem'],
  ['CB', 'buyerItem'],
  ['VP', 'vendorItem'],
  ['VN', 'vendorItem'],
  ['VA', 'vendorItem'],
  ['MG', 'manufacturerItem'],
  ['EN', 'gtin'],
  ['UP', 'gtin'],
  ['UK', 'gtin'],
  ['UA', 'gtin'],
  ['IB', 'isbn'],
];

export const t = (s: Seg, n: number) => text(s.el(n));

export function seg(id: string, ...elements: Element[]): Segment {
  return { id, elements: trimTrailing(elements), offset: 0 };
}

export const num = (n: number | undefined) => (n === undefined ? '' : String(n));

/** N1 with the N2-N4 and other segments of its loop, when read from a flat run of segments. */
export const n1Members = [
  'N2',
  'N3',
  'N4',
  'NX2',
  'REF',
  'PER',
  'SI',
  'FOB',
  'TD1',
  'TD5',
  'TD3',
  'TD4',
  'PKG',
  'DMG',
  'MSG',
];

/** One N1 loop as a party, or undefined when its role is not one the document carries. */
export function n1Party<R extends string>(segs: Seg[], roles: CodeMap<R>): Party<R> | undefined {
  const n1 = segs[0];
  const role = roles.name(t(n1, 1));
  if (!role) return undefined;
  const n3 = segs
    .filter((s) => s.id === 'N3')
    .flatMap((s) => [t(s, 1), t(s, 2)])
    .filter((l) => l !== '');
  const n4 = segs.find((s) => s.id === 'N4');
  return compact<Party<R>>({
    role,
    id: t(n1, 4) || undefined,
    idQualifier: t(n1, 4) ? x12IdQualifier.name(t(n1, 3)) : undefined,
    name: t(n1, 2) || undefined,
    addressLines: n3.length ? n3 : undefined,
    city: n4 && t(n4, 1),
    region: n4 && t(n4, 2),
    postalCode: n4 && t(n4, 3),
    country: n4 && t(n4, 4),
  });
}

export function parties<R extends string>(loops: Seg[][], roles: CodeMap<R>): Array<Party<R>> {
  return loops.map((l) => n1Party(l, roles)).filter((p): p is Party<R> => p !== undefined);
}

/** N1, N3 (two lines each, up to two) and N4 for a party. */
export function n1Segments<R extends string>(p: Party<R>, roles: CodeMap<R>): Segment[] {
  const out: Segment[] = [];
  const q = x12IdQualifier.code(p.idQualifier) ?? (p.id ? 'ZZ' : '');
  out.push(seg('N1', roles.code(p.role) ?? 'ZZ', p.name ?? '', q, p.id ?? ''));
  const lines = p.addressLines ?? [];
  for (let i = 0; i < lines.length && i < 4; i += 2) out.push(seg('N3', lines[i], lines[i + 1] ?? ''));
  if (p.city || p.region || p.postalCode || p.country)
    out.push(seg('N4', p.city ?? '', p.region ?? '', p.postalCode ?? '', p.country ?? ''));
  return out;
}

/** REF segments whose qualifier the document carries. */
export function references<Q extends string>(segs: Seg[], map: CodeMap<Q>): Array<Reference<Q>> {
  return segs
    .filter((x) => x.id === 'REF')
    .flatMap((x) => {
      const qualifier = map.name(t(x, 1));
      return qualifier && t(x, 2) ? [{ qualifier, value: t(x, 2) }] : [];
    });
}

export function refSegments<Q extends string>(refs: Array<Reference<Q>>, map: CodeMap<Q>): Segment[] {
  return refs.map((r) => seg('REF', map.code(r.qualifier) ?? 'ZZ', r.value));
}

/** Item numbers from qualifier/value pairs starting at element `from` (PO106, IT106, LIN02...) up to element `to`. */
export function itemIds(s: Seg, from: number, to: number): ItemIds {
  const ids: ItemIds = {};
  for (let i = from; i < to; i += 2) {
    const field = itemQualifiers.find(([q]) => q === t(s, i))?.[1];
    const value = t(s, i + 1);
    if (field && value && ids[field] === undefined) ids[field] = value;
  }
  return ids;
}

/** The qualifier/value pairs for a line's item numbers, one per field, in the table's order. */
export function itemIdElements(item: ItemIds): Element[] {
  const ids: Element[] = [];
  const written = new Set<string>();
  for (const [q, field] of itemQualifiers) {
    const v = item[field];
    if (typeof v === 'string' && !written.has(field)) {
      ids.push(...(field === 'gtin' ? x12Gtin(v) : [q, v]));
      written.add(field);
    }
  }
  return ids;
}

/** Free-form descriptions (PID01 F), joined in order. */
export function pidDescription(segs: Seg[]): string {
  return segs
    .filter((s) => s.id === 'PID' && t(s, 1) === 'F')
    .map((s) => t(s, 5))
    .join('');
}

/** One PID per 80 characters, so the description comes back whole. */
export function pidSegments(description: string | undefined): Segment[] {
  return chunks(description ?? '', 80).map((part) => seg('PID', 'F', '', '', '', part));
}

/** A date from DTM segments with qualifier `q` (374), as YYYY-MM-DD. */
export function dtmDate(segs: Seg[], ...qualifiers: string[]): string | undefined {
  for (const q of qualifiers) {
    const d = segs.find((x) => x.id === 'DTM' && t(x, 1) === q);
    if (d && t(d, 2)) return isoDate(t(d, 2));
  }
  return undefined;
}
