import type { Element, Segment } from '../edi/model';
import { text } from '../edi/model';
import { trimTrailing } from '../edi/x12/ack-envelope';
import { CodeMap, type DocumentPurpose, type ItemIds, chunks, isoDate } from './common';
import type { Seg } from './sections';
import { itemCodeToWrite, itemField, keepsItemCode, x12ItemQualifiers } from './item-codes';

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
  ['advance-notification', '14'],
]);
/** Product/service id qualifiers (235) and the line field each fills (item-codes.ts). */
export const itemQualifiers = x12ItemQualifiers;

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
  'MTX',
];

/** Item numbers from qualifier/value pairs starting at element `from` (PO106, IT106, LIN02...) up to element `to`. */
export function itemIds(s: Seg, from: number, to: number): ItemIds {
  const ids: ItemIds = {};
  for (let i = from; i < to; i += 2) {
    // Read once: each read of a tree segment builds its element key, and this runs for every line.
    const qualifier = t(s, i);
    if (!qualifier) continue;
    const field = itemField('x12', qualifier);
    const value = t(s, i + 1);
    if (!field || !value || ids[field] !== undefined) continue;
    ids[field] = value;
    if (keepsItemCode('x12', field, qualifier, value))
      ids.itemIdQualifiers = { ...ids.itemIdQualifiers, [field]: qualifier };
  }
  return ids;
}

/** The qualifier/value pairs for a line's item numbers, one per field, in the table's order. */
export function itemIdElements(item: ItemIds): Element[] {
  const ids: Element[] = [];
  const written = new Set<string>();
  for (const [, field] of itemQualifiers) {
    const v = item[field];
    if (typeof v === 'string' && !written.has(field)) {
      ids.push(itemCodeToWrite('x12', field, v, item.itemIdQualifiers?.[field]), v);
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
