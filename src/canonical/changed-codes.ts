import type { Element, Segment, Standard } from '../edi/model';

/**
 * Qualifiers that arrive changed: the source's segments against the same standard's segments that the
 * translated output gives back (the output read by the target's reader and written by the source's
 * writer). A qualifier that reads back as another (PRI+INV as PRI+AAA, N1 SU as N1 VN) is data that was
 * not dropped but is no longer what was sent, which removal (losses.ts) cannot see: the output does
 * depend on it. Segments are paired by what they hold, not by position, since writers order segments
 * their own way (docs/adr/0012-b-translation-losses.md, addendum "changed codes").
 */

/** One source qualifier that comes back as another code. */
export interface ChangedCode {
  /** Index of the source segment. */
  index: number;
  element: number;
  component?: number;
  from: string;
  to: string;
}

/** Where a segment's qualifier is and what it is, as `qualifierOf` (losses.ts) finds it. */
export type QualifierOf = (seg: Segment) => { element: number; value: string } | undefined;

const envelope = new Set(['ST', 'SE', 'UNH', 'UNT', 'UNS']);

/** The component of the qualifier element that holds the code (EDIFACT composites), if it is a composite. */
function qualifierComponent(standard: Standard, seg: Segment, element: number): number | undefined {
  const e = seg.elements[element - 1];
  if (standard === 'x12' || !Array.isArray(e)) return undefined;
  return seg.id === 'COM' ? 2 : 1;
}

/** The segment's values with its qualifier left out, as text: what pairs a changed segment with its source. */
function restOf(seg: Segment, element: number, component: number | undefined): string {
  const elements: Element[] = seg.elements.map((e, i) => {
    if (i !== element - 1) return e;
    if (component === undefined || !Array.isArray(e)) return '';
    return e.map((c, k) => (k === component - 1 ? '' : c));
  });
  return `${seg.id}|${JSON.stringify(elements)}`;
}

interface Entry {
  index: number;
  seg: Segment;
  tag: string;
  key: string;
  whole: string;
  rest: string;
  element: number;
  component?: number;
  value: string;
}

function entries(standard: Standard, segs: Segment[], qualifierOf: QualifierOf, skip?: ReadonlySet<number>): Entry[] {
  const out: Entry[] = [];
  segs.forEach((seg, index) => {
    if (envelope.has(seg.id) || skip?.has(index)) return;
    const q = qualifierOf(seg);
    if (!q) return;
    const component = qualifierComponent(standard, seg, q.element);
    out.push({
      index,
      seg,
      tag: seg.id,
      key: `${seg.id} ${q.value}`,
      whole: `${seg.id}|${JSON.stringify(seg.elements)}`,
      rest: restOf(seg, q.element, component),
      element: q.element,
      ...(component === undefined ? {} : { component }),
      value: q.value,
    });
  });
  return out;
}

/**
 * Pairs each source segment with a qualifier to one given back, in rounds from the surest to the
 * loosest: the same segment; the same tag and qualifier (its other values written anew); the same tag
 * and every other value (the qualifier changed); and last the one segment of a tag left on each side.
 * A source segment left unpaired was dropped, which the removal check reports; so is one already
 * reported dropped whole (`skip`).
 */
export function changedCodes(
  standard: Standard,
  source: Segment[],
  back: Segment[],
  qualifierOf: QualifierOf,
  options: {
    /** Source segments already reported dropped whole. */
    skip?: ReadonlySet<number>;
    /** Two codes the standard gives one meaning (DTM 3 and 137 of an INVOIC): a spelling, not a change. */
    alike?: (tag: string, a: string, b: string) => boolean;
  } = {},
): ChangedCode[] {
  const { skip, alike = () => false } = options;
  const from = entries(standard, source, qualifierOf, skip);
  const pool = entries(standard, back, qualifierOf);
  const taken = new Set<Entry>();
  const left = new Set<Entry>(from);
  const out: ChangedCode[] = [];
  const round = (by: (e: Entry) => string, changed: boolean) => {
    const free = new Map<string, Entry[]>();
    for (const b of pool) {
      if (taken.has(b)) continue;
      const k = by(b);
      const list = free.get(k);
      if (list) list.push(b);
      else free.set(k, [b]);
    }
    for (const s of [...left]) {
      const b = free.get(by(s))?.shift();
      if (!b) continue;
      taken.add(b);
      left.delete(s);
      if (changed && b.value !== s.value && !alike(s.tag, s.value, b.value))
        out.push({
          index: s.index,
          element: s.element,
          ...(s.component === undefined ? {} : { component: s.component }),
          from: s.value,
          to: b.value,
        });
    }
  };
  round((e) => e.whole, false);
  round((e) => e.key, false);
  round((e) => e.rest, true);
  // The one segment of a tag on each side (a BSN whose other values are written anew as well).
  const byTag = (list: Iterable<Entry>) => {
    const m = new Map<string, Entry[]>();
    for (const e of list) {
      const same = m.get(e.tag);
      if (same) same.push(e);
      else m.set(e.tag, [e]);
    }
    return m;
  };
  const backLeft = byTag(pool.filter((b) => !taken.has(b)));
  for (const [tag, list] of byTag(left)) {
    const other = backLeft.get(tag);
    if (list.length !== 1 || other?.length !== 1) continue;
    const [s] = list;
    if (alike(tag, s.value, other[0].value)) continue;
    out.push({
      index: s.index,
      element: s.element,
      ...(s.component === undefined ? {} : { component: s.component }),
      from: s.value,
      to: other[0].value,
    });
  }
  return out.sort((a, b) => a.index - b.index);
}
