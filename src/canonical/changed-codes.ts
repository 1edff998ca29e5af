import type { Element, Segment, Standard } from '../edi/model';

/**
 * Qualifiers that arrive changed: the source's segments against the same standard's segments that the
 * translated output gives back (the output read by the target's reader and written by the source's
 * writer). A qualifier that reads back as another (PRI+INV as PRI+AAA, N1 SU as N1 VN) is data that was
 * not dropped but is no longer what was sent, which removal (losses.ts) cannot see: the output does
 * depend on it. Segments are paired by what they hold, not by position, since writers order segments
 * their own way (docs/adr/0012-b-translation-losses.md, addendum "changed codes"). The other codes of a
 * paired segment are compared as well (a PO103 unit, a PRI unit of the price basis), and segments with
 * no qualifier (PO1, IT1, LIN) are paired by what they hold and then by their order among their tag.
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

/** Whether a place of a segment holds a code (a unit, a basis), as the profile defines it. */
export type CodedAt = (tag: string, element: number, component?: number) => boolean;

/**
 * Whether a place holds the code of the value beside it (X12 235 before its product id, EDIFACT 7143 after
 * its item number in C212): such pairs move when a writer orders them its own way, so the code is looked
 * for beside the same value in the segment given back, not at the same place.
 */
export type PairedAt = CodedAt;

const envelope = new Set(['ST', 'SE', 'UNH', 'UNT', 'UNS']);

/** The component of the qualifier element that holds the code (EDIFACT composites), if it is a composite. */
function qualifierComponent(standard: Standard, seg: Segment, element: number): number | undefined {
  const e = seg.elements[element - 1];
  if (standard === 'x12' || !Array.isArray(e)) return undefined;
  return seg.id === 'COM' ? 2 : 1;
}

/**
 * A number written with a decimal comma (`901,78`, as a UNA allows) as the writers give it back
 * (`901.78`): the same amount, so that a MOA 128 of a comma interchange still pairs with the MOA 77 it
 * comes back as.
 */
function pointed(value: string): string {
  return /^-?\d*,\d+$/.test(value) ? value.replace(',', '.') : value;
}

/** A segment's values as text, numbers with a decimal point: what pairs segments given back with the source. */
function textOf(id: string, elements: Element[]): string {
  return `${id}|${JSON.stringify(elements.map((e) => (typeof e === 'string' ? pointed(e) : Array.isArray(e) ? e.map(pointed) : e)))}`;
}

/** The segment's values with its qualifier left out, as text: what pairs a changed segment with its source. */
function restOf(seg: Segment, element: number, component: number | undefined): string {
  const elements: Element[] = seg.elements.map((e, i) => {
    if (i !== element - 1) return e;
    if (component === undefined || !Array.isArray(e)) return '';
    return e.map((c, k) => (k === component - 1 ? '' : c));
  });
  return textOf(seg.id, elements);
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

/** The value at a place: a component of a composite, or an element written whole (its first component). */
function valueAt(seg: Segment, element: number, component: number | undefined): string {
  const e = seg.elements[element - 1];
  if (typeof e === 'string') return component === undefined || component === 1 ? e : '';
  if (!Array.isArray(e)) return '';
  return e[(component ?? 1) - 1] ?? '';
}

/** The places of a segment that hold a code other than its qualifier, with their values. */
function codedPlaces(seg: Segment, coded: CodedAt, skip?: { element: number; component?: number }) {
  const out: Array<{ element: number; component?: number; value: string }> = [];
  seg.elements.forEach((e, i) => {
    const element = i + 1;
    if (typeof e === 'string') {
      if (e !== '' && !(skip?.element === element) && (coded(seg.id, element) || coded(seg.id, element, 1)))
        out.push({ element, value: e });
    } else if (Array.isArray(e))
      e.forEach((c, k) => {
        const component = k + 1;
        if (c === '' || (skip?.element === element && (skip.component ?? 1) === component)) return;
        if (coded(seg.id, element, component)) out.push({ element, component, value: c });
      });
  });
  return out;
}

function entries(
  standard: Standard,
  segs: Segment[],
  qualifierOf: QualifierOf,
  skip?: ReadonlySet<number>,
): { qualified: Entry[]; plain: Array<{ index: number; seg: Segment }> } {
  const out: Entry[] = [];
  const plain: Array<{ index: number; seg: Segment }> = [];
  segs.forEach((seg, index) => {
    if (envelope.has(seg.id) || skip?.has(index)) return;
    const q = qualifierOf(seg);
    if (!q) {
      plain.push({ index, seg });
      return;
    }
    const component = qualifierComponent(standard, seg, q.element);
    out.push({
      index,
      seg,
      tag: seg.id,
      key: `${seg.id} ${q.value}`,
      whole: textOf(seg.id, seg.elements),
      rest: restOf(seg, q.element, component),
      element: q.element,
      ...(component === undefined ? {} : { component }),
      value: q.value,
    });
  });
  return { qualified: out, plain };
}

/**
 * Pairs each source segment with a qualifier to one given back, in rounds from the surest to the
 * loosest: the same segment; the same tag and qualifier (its other values written anew); the same tag
 * and every other value (the qualifier changed); and last the one segment of a tag left on each side.
 * With `coded`, the other codes of each pair are compared too, and segments without a qualifier are
 * paired: the same segment; the same values but for their codes; then, of those left, the n-th of a
 * tag with the n-th given back when as many are left on each side (the writer keeps the lines' order).
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
    /** The places that hold codes beside the qualifier; without it only qualifiers are compared. */
    coded?: CodedAt;
    /** Of those, the codes of a value beside them (PairedAt). */
    paired?: PairedAt;
    /**
     * Where a segment's qualifier is even when empty: a source segment that sent none (an ITD without
     * ITD01) and comes back with one (ITD01 01, since PAT 4279 is mandatory) has been given a code it
     * did not send, which is a change as well.
     */
    empty?: QualifierOf;
  } = {},
): ChangedCode[] {
  const { skip, alike = () => false, coded, paired, empty } = options;
  const mine = entries(standard, source, qualifierOf, skip);
  const theirs = entries(standard, back, qualifierOf);
  const from = mine.qualified;
  const pool = theirs.qualified;
  const taken = new Set<Entry>();
  const left = new Set<Entry>(from);
  const out: ChangedCode[] = [];
  const pairs: Array<[Segment, Segment, number, { element: number; component?: number } | undefined]> = [];
  const round = (by: (e: Entry) => string, changed: boolean) =>
    pairBy(left, pool, taken, by, (s, b) => {
      pairs.push([s.seg, b.seg, s.index, s]);
      if (changed && b.value !== s.value && !alike(s.tag, s.value, b.value))
        out.push({
          index: s.index,
          element: s.element,
          ...(s.component === undefined ? {} : { component: s.component }),
          from: s.value,
          to: b.value,
        });
    });
  round((e) => e.whole, false);
  round((e) => e.key, false);
  round((e) => e.rest, true);
  if (empty) unqualified(standard, mine.plain, empty, pool, taken, out);
  // The one segment of a tag in each set (a BSN whose other values are written anew as well). Not the
  // last one left of a tag that repeats: a MOA 125 carried elsewhere (TAX 5286) is not a MOA 203 changed.
  const backLeft = byTag(pool.filter((b) => !taken.has(b)));
  const sourceAll = byTag(from);
  const backAll = byTag(pool);
  for (const [tag, list] of byTag(left)) {
    const other = backLeft.get(tag);
    if (list.length !== 1 || other?.length !== 1) continue;
    if (sourceAll.get(tag)?.length !== 1 || backAll.get(tag)?.length !== 1) continue;
    const [s] = list;
    pairs.push([s.seg, other[0].seg, s.index, s]);
    if (alike(tag, s.value, other[0].value)) continue;
    out.push({
      index: s.index,
      element: s.element,
      ...(s.component === undefined ? {} : { component: s.component }),
      from: s.value,
      to: other[0].value,
    });
  }
  if (coded) {
    pairPlain(mine.plain, theirs.plain, coded, (s, b) => pairs.push([s.seg, b.seg, s.index, undefined]));
    for (const [s, b, index, q] of pairs)
      for (const p of codedPlaces(s, coded, q)) {
        const to = paired?.(s.id, p.element, p.component)
          ? codeBeside(b, paired, s, p.element, p.component)
          : valueAt(b, p.element, p.component);
        if (to === '' || to === p.value || alike(s.id, p.value, to)) continue;
        out.push({
          index,
          element: p.element,
          ...(p.component === undefined ? {} : { component: p.component }),
          from: p.value,
          to,
        });
      }
  }
  return out.sort((a, b) => a.index - b.index || a.element - b.element || (a.component ?? 0) - (b.component ?? 0));
}

type Plain = { index: number; seg: Segment };

/**
 * Source segments whose qualifier was left empty, paired with one given back of the same tag and every
 * other value that has a qualifier: the code it was given. Such segments are taken out of `plain`, so
 * they are not compared again.
 */
function unqualified(
  standard: Standard,
  plain: Plain[],
  placeOf: QualifierOf,
  pool: Entry[],
  taken: Set<Entry>,
  out: ChangedCode[],
): void {
  for (const p of [...plain]) {
    const place = placeOf(p.seg);
    if (!place || place.value !== '') continue;
    const component = qualifierComponent(standard, p.seg, place.element);
    const rest = restOf(p.seg, place.element, component);
    const b = pool.find((e) => !taken.has(e) && e.tag === p.seg.id && e.rest === rest);
    if (!b) continue;
    taken.add(b);
    plain.splice(plain.indexOf(p), 1);
    out.push({
      index: p.index,
      element: place.element,
      ...(component === undefined ? {} : { component }),
      from: '',
      to: b.value,
    });
  }
}

/**
 * The code that `back` gives the value that the code at (element, component) of `source` qualifies: X12
 * pairs are code then value (PO106, PO107), an EDIFACT C212 is value then code. '' when `back` does not
 * hold that value under such a code (the value was dropped, which removal reports).
 */
function codeBeside(back: Segment, paired: PairedAt, source: Segment, element: number, component?: number): string {
  if (component === undefined) {
    const value = valueAt(source, element + 1, undefined);
    for (let k = 1; k < back.elements.length; k++)
      if (paired(back.id, k) && valueAt(back, k + 1, undefined) === value) return valueAt(back, k, undefined);
    return '';
  }
  const value = valueAt(source, element, component - 1);
  for (let k = 1; k <= back.elements.length; k++)
    if (paired(back.id, k, component) && valueAt(back, k, component - 1) === value) return valueAt(back, k, component);
  return '';
}

/**
 * Pairs each of `left` with the first free one of `pool` that has the same key, in order; a pair leaves
 * `left` and enters `taken`.
 */
function pairBy<T>(left: Set<T>, pool: readonly T[], taken: Set<T>, by: (e: T) => string, pair: (s: T, b: T) => void) {
  const free = new Map<string, T[]>();
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
    pair(s, b);
  }
}

/** The entries by segment tag, in their order. */
function byTag<T extends { seg: Segment }>(list: Iterable<T>): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const e of list) {
    const same = m.get(e.seg.id);
    if (same) same.push(e);
    else m.set(e.seg.id, [e]);
  }
  return m;
}

/** Pairs segments without a qualifier: whole, then by the values that are not codes, then by order. */
function pairPlain(source: Plain[], back: Plain[], coded: CodedAt, pair: (s: Plain, b: Plain) => void): void {
  const taken = new Set<Plain>();
  const left = new Set<Plain>(source);
  const whole = (p: Plain) => `${p.seg.id}|${JSON.stringify(p.seg.elements)}`;
  const uncoded = (p: Plain) => {
    const codes = new Set(codedPlaces(p.seg, coded).map((c) => `${c.element}.${c.component ?? 0}`));
    const elements = p.seg.elements.map((e, i) => {
      if (codes.has(`${i + 1}.0`)) return '';
      if (!Array.isArray(e)) return e;
      return e.map((c, k) => (codes.has(`${i + 1}.${k + 1}`) ? '' : c));
    });
    return `${p.seg.id}|${JSON.stringify(elements)}`;
  };
  pairBy(left, back, taken, whole, () => undefined); // unchanged: nothing to compare
  pairBy(left, back, taken, uncoded, pair);
  const backLeft = byTag(back.filter((b) => !taken.has(b)));
  for (const [tag, list] of byTag(left)) {
    const other = backLeft.get(tag);
    if (other?.length !== list.length) continue;
    list.forEach((s, i) => pair(s, other[i]));
  }
}
