import type { Element, Segment } from '../edi/model';
import { components, text } from '../edi/model';
import { trimTrailing } from '../edi/x12/ack-envelope';
import { CodeMap, type DocumentPurpose, type ItemIds, ccyymmdd, chunks, isoDate, numberOf } from './common';
import type { Seg } from './sections';
import { edifactItemTypes, itemCodeToWrite, itemField, keepsItemCode } from './item-codes';

/**
 * The EDIFACT pieces every message shares (UN/EDIFACT D.96A directories): message function codes, NAD
 * parties, RFF references, LIN/PIA item numbers, IMD descriptions, DTM dates (FTX notes: edifact-charges.ts).
 */

export const edifactPurpose = new CodeMap<DocumentPurpose>([
  ['original', '9'],
  ['cancellation', '1'],
  ['change', '4'],
  ['replace', '5'],
  ['confirmation', '6'],
  ['duplicate', '7'],
  ['advance-notification', '14'],
]);
/** Item number types (7143) and the line field each fills (item-codes.ts). */
export const itemTypes = edifactItemTypes;

export const c = (s: Seg, n: number) => components(s.el(n));
export const t = (s: Seg, n: number) => text(s.el(n));

export function seg(id: string, ...elements: Element[]): Segment {
  return { id, elements: trimTrailing(elements.map(trimComposite)), offset: 0 };
}

/** Trailing empty components are left off; a composite left with one component is written as a plain value. */
function trimComposite(e: Element): Element {
  if (!Array.isArray(e)) return e;
  let n = e.length;
  while (n > 0 && e[n - 1] === '') n--;
  return n === 0 ? '' : n === 1 ? e[0] : e.slice(0, n);
}

export const num = (n: number | undefined) => (n === undefined ? '' : String(n));

/** NAD with the segments of its group, when read from a flat run of segments. */
export const nadMembers = ['LOC', 'FII', 'RFF', 'DTM', 'DOC', 'CTA', 'COM'];

/** A date from the first DTM with one of the 2005 qualifiers, as YYYY-MM-DD (102 and 203 formats; the time is dropped). */
export function dateOf(segs: Seg[], ...qualifiers: string[]): string | undefined {
  const d = first(segs, 'DTM', qualifiers);
  return d ? isoDate(c(d, 1)[1] ?? '') : undefined;
}

export function dtm(qualifier: string, iso: string): Segment {
  return seg('DTM', [qualifier, ccyymmdd(iso), '102']);
}

/**
 * A reference and the DTM 171 (reference date) that follows it in its group, e.g. the order an invoice or
 * a response answers: RFF+ON then DTM+171.
 */
export function referenceWithDate(segs: Seg[], qualifier: string): { value?: string; date?: string } | undefined {
  const i = segs.findIndex((x) => x.id === 'RFF' && c(x, 1)[0] === qualifier);
  if (i < 0) return undefined;
  const next = segs[i + 1];
  const date = next && next.id === 'DTM' && c(next, 1)[0] === '171' ? isoDate(c(next, 1)[1] ?? '') : undefined;
  return { value: c(segs[i], 1)[1] || undefined, date };
}

export function referenceWithDateSegments(
  qualifier: string,
  value: string | undefined,
  date: string | undefined,
): Segment[] {
  if (value === undefined && date === undefined) return [];
  return [seg('RFF', [qualifier, value ?? '']), ...(date ? [dtm('171', date)] : [])];
}

/** Item numbers from LIN C212 and the PIA segments of the line. */
export function itemIds(segs: Seg[]): ItemIds {
  const lin = segs[0];
  const out: ItemIds = {};
  const ids: string[][] = [
    c(lin, 3),
    ...segs.filter((s) => s.id === 'PIA').flatMap((s) => [2, 3, 4, 5, 6].map((n) => c(s, n))),
  ];
  for (const [value, type] of ids) {
    const field = itemField('edifact', type);
    if (!field || !value || out[field] !== undefined) continue;
    out[field] = value;
    if (keepsItemCode('edifact', field, type, value)) out.itemIdQualifiers = { ...out.itemIdQualifiers, [field]: type };
  }
  return out;
}

/**
 * LIN (line number, action code, the GTIN when there is one, else the first item number) and PIA 4347 1
 * (additional) for the other item numbers, five to a PIA. D96A LIN C212 takes any 7143 type, and a line
 * that names its item only by a buyer's number or an ISBN sends it in LIN: moving it to a PIA 5 would
 * add a segment the sender never wrote (issue 14).
 */
export function linSegments(lineNumber: string | undefined, item: ItemIds, action = ''): Segment[] {
  const ids: string[][] = [];
  const written = new Set<string>();
  for (const [, field] of itemTypes) {
    const v = item[field];
    if (typeof v === 'string' && !written.has(field)) {
      ids.push([v, itemCodeToWrite('edifact', field, v, item.itemIdQualifiers?.[field])]);
      written.add(field);
    }
  }
  const gtin = ids.findIndex(([, type]) => type === 'EN' || type === 'UP');
  const main = ids.length ? ids.splice(Math.max(gtin, 0), 1)[0] : [];
  const out = [seg('LIN', lineNumber ?? '', action, main)];
  for (let i = 0; i < ids.length; i += 5) out.push(seg('PIA', '1', ...ids.slice(i, i + 5)));
  return out;
}

/** Free-form descriptions (IMD 7077 F), C273 7008 parts joined. */
export function imdDescription(segs: Seg[]): string {
  return segs
    .filter((s) => s.id === 'IMD' && t(s, 1) === 'F')
    .map((s) => c(s, 3).slice(3, 5).join(''))
    .join('');
}

/** One IMD per 70 characters, two 35-character 7008 parts each. */
export function imdSegments(description: string | undefined): Segment[] {
  return chunks(description ?? '', 70).map((part) => seg('IMD', 'F', '', ['', '', '', ...chunks(part, 35)]));
}

/** The quantity of the first QTY with one of the 6063 qualifiers, and its unit. */
export function quantity(segs: Seg[], ...qualifiers: string[]): { value?: number; unit?: string } | undefined {
  const s = first(segs, 'QTY', qualifiers);
  if (!s) return undefined;
  const [, v, unit] = c(s, 1);
  return { value: numberOf(v ?? ''), unit: unit || undefined };
}

export { currentUnit } from './units';

/** The amount of the first MOA with one of the 5025 qualifiers. */
export function amount(segs: Seg[], ...qualifiers: string[]): number | undefined {
  const s = first(segs, 'MOA', qualifiers);
  return s ? numberOf(c(s, 1)[1] ?? '') : undefined;
}

/** The price of the first PRI with one of the 5125 qualifiers. */
export function price(segs: Seg[], ...qualifiers: string[]): number | undefined {
  const s = first(segs, 'PRI', qualifiers);
  return s ? numberOf(c(s, 1)[1] ?? '') : undefined;
}

/**
 * The price per unit from the first PRI with one of the 5125 qualifiers: a price given per a basis quantity
 * (C509 5284, e.g. per 100) is divided down to one unit, so that it means what X12 IT104/PO104 means.
 */
export function unitPrice(segs: Seg[], ...qualifiers: string[]): number | undefined {
  const s = first(segs, 'PRI', qualifiers);
  if (!s) return undefined;
  const p = numberOf(c(s, 1)[1] ?? '');
  const basis = numberOf(c(s, 1)[4] ?? '');
  return p === undefined || basis === undefined || basis === 0 || basis === 1 ? p : p / basis;
}

/** The CNT 6069 = 2 (number of line items) value. */
export function lineCount(segs: Seg[]): number | undefined {
  const s = first(segs, 'CNT', ['2']);
  return s ? numberOf(c(s, 1)[1] ?? '') : undefined;
}

/** The first segment `id` whose first component is one of the qualifiers, trying them in order of preference. */
function first(segs: Seg[], id: string, qualifiers: string[]): Seg | undefined {
  for (const q of qualifiers) {
    const s = segs.find((x) => x.id === id && c(x, 1)[0] === q);
    if (s) return s;
  }
  return undefined;
}
