import { intern } from './intern';
import type { Element, Segment, Value } from './model';

// A direct-mapped cache of segment tags and short values: one string per tag (and its hash, computed
// once) instead of a new one per segment, which the tree builder then looks up by. Holds only short
// immutable strings; a value that evicts a tag costs the tag one slice, no more.
const TAG_SLOTS = 512;
const tagKeys = new Int32Array(TAG_SLOTS).fill(-1);
const tagValues: string[] = new Array<string>(TAG_SLOTS).fill('');

/**
 * t.slice(start, end), shared when it is two or three characters of 8-bit text: tags, and the code
 * values (`EA`, `VP`, `ZZ`) that are most of a set's elements. A 1 MiB set keeps its segments until
 * its job commits, and every string not made is one the scavenger does not copy.
 */
function shortOf(t: string, start: number, end: number): string {
  const n = end - start;
  if (n !== 2 && n !== 3) return t.slice(start, end);
  const c0 = t.charCodeAt(start);
  const c1 = t.charCodeAt(start + 1);
  const c2 = n === 3 ? t.charCodeAt(start + 2) : 0;
  if ((c0 | c1 | c2) > 0xff) return t.slice(start, end);
  const key = (n << 24) | (c0 << 16) | (c1 << 8) | c2;
  const slot = (c0 * 961 + c1 * 31 + c2) & (TAG_SLOTS - 1);
  if (tagKeys[slot] === key) return tagValues[slot];
  const id = t.slice(start, end);
  tagKeys[slot] = key;
  tagValues[slot] = id;
  return id;
}

// Tags have a cache of their own, of interned strings (see intern.ts): a value never evicts a tag.
const TAG_ONLY_SLOTS = 256;
const tagOnlyKeys = new Int32Array(TAG_ONLY_SLOTS).fill(-1);
const tagOnlyValues: string[] = new Array<string>(TAG_ONLY_SLOTS).fill('');

/** The interned tag t[start, end); a tag that is not two or three 8-bit characters is sliced as it is. */
function tagOf(t: string, start: number, end: number): string {
  const n = end - start;
  if (n !== 2 && n !== 3) return t.slice(start, end);
  const c0 = t.charCodeAt(start);
  const c1 = t.charCodeAt(start + 1);
  const c2 = n === 3 ? t.charCodeAt(start + 2) : 0;
  if ((c0 | c1 | c2) > 0xff) return t.slice(start, end);
  const key = (n << 24) | (c0 << 16) | (c1 << 8) | c2;
  const slot = (c0 * 961 + c1 * 31 + c2) & (TAG_ONLY_SLOTS - 1);
  if (tagOnlyKeys[slot] === key) return tagOnlyValues[slot];
  const id = intern(t.slice(start, end));
  tagOnlyKeys[slot] = key;
  tagOnlyValues[slot] = id;
  return id;
}

// Values, components and repeats of the segment being split, copied out at their exact size.
let scratch: Element[] = [];
let scratchUses = 0;

/**
 * The element scratch array, replaced by a fresh one every so many segments so that it is nearly
 * always in the young generation: a store of a new value into an old array takes the write
 * barrier's slow path (recording the slot for the scavenger), once per element.
 */
function elementScratch(): Element[] {
  if (++scratchUses === 256) {
    scratchUses = 0;
    scratch = [];
  }
  return scratch;
}
const compScratch: string[] = [];
const repScratch: Value[] = [];

/**
 * Values this long or longer would come out of `String.prototype.slice` as V8 sliced strings, which
 * keep their whole source alive (V8's SlicedString::kMinLength is 13); shorter ones are copies.
 */
const SLICED_MIN = 13;

/** Makes a standalone copy of t.slice(start, end), for values that must not keep a shared window alive. */
export type CopyRange = (start: number, end: number) => string;

/**
 * Splits a segment's text into its tag and elements in one pass over the characters, slicing each
 * value once: element separator `el`, component separator `comp`, repetition separator `rep` (-1 for
 * none), as character codes. No release characters: EDIFACT text that has them takes its own path.
 * About three times faster than split() followed by a split() per element, and the parse's hot path.
 */
export function splitPlain(t: string, el: number, comp: number, rep: number, offset: number): Segment {
  return splitRange(t, 0, t.length, el, comp, rep, offset, undefined);
}

/**
 * splitRange for a segment of a decoded window whose bytes are all ASCII: text index i is byte
 * `at + i` of `bytes`, and the separators are found in the bytes, in a loop of their own. V8 reads a
 * string's character through a check of the string's kind each time, and in splitRange's one loop
 * (which also makes the values) kept its variables on the stack: about sixty instructions a
 * character, where a byte here costs a handful. Values are still sliced from the text.
 */
export function splitWindow(
  bytes: Uint8Array,
  at: number,
  t: string,
  from: number,
  to: number,
  el: number,
  comp: number,
  rep: number,
  offset: number,
  copy: CopyRange,
): Segment {
  let i = from;
  while (i < to && bytes[at + i] !== el) i++;
  const id = i - from >= SLICED_MIN ? copy(from, i) : tagOf(t, from, i);
  if (i >= to) return { id, elements: [], offset };
  const elements = elementScratch();
  let k = 0;
  let nc = 0;
  let nr = 0;
  let start = i + 1;
  const end = at + to;
  let j = at + start;
  for (;;) {
    let c = el;
    while (j < end) {
      const b = bytes[j];
      if (b === el || b === comp || b === rep) {
        c = b;
        break;
      }
      j++;
    }
    i = j - at;
    const v = i - start >= SLICED_MIN ? copy(start, i) : shortOf(t, start, i);
    start = i + 1;
    j++;
    if (c !== el && c === comp) {
      compScratch[nc++] = v;
      continue;
    }
    let value: Value = v;
    if (nc > 0) {
      compScratch[nc++] = v;
      value = compScratch.slice(0, nc);
      for (let q = 0; q < nc; q++) compScratch[q] = '';
      nc = 0;
    }
    if (c !== el) {
      repScratch[nr++] = value;
    } else if (nr > 0) {
      repScratch[nr++] = value;
      elements[k++] = { repeats: repScratch.slice(0, nr) };
      for (let q = 0; q < nr; q++) repScratch[q] = '';
      nr = 0;
    } else elements[k++] = value;
    if (i >= to) break;
  }
  const exact = elements.slice(0, k);
  for (let q = 0; q < k; q++) elements[q] = '';
  return { id, elements: exact, offset };
}

/**
 * splitPlain over t[from, to): a segment inside a longer decoded window, so that a set's bytes are
 * decoded once and no string is made per segment. With `copy`, a value long enough to come out as a
 * sliced string is copied instead, so a value kept to the end of a large file holds its own
 * characters, not the window's.
 *
 * Every value is made at one place in the loop (the end of the text closes the last one), so that
 * V8 inlines shortOf there: with a site per separator kind and one after the loop, it did not, and
 * splitting cost a fifth more instructions than splitPlain's own loop did before windows.
 */
export function splitRange(
  t: string,
  from: number,
  to: number,
  el: number,
  comp: number,
  rep: number,
  offset: number,
  copy: CopyRange | undefined,
): Segment {
  let i = from;
  while (i < to && t.charCodeAt(i) !== el) i++;
  const id = copy !== undefined && i - from >= SLICED_MIN ? copy(from, i) : tagOf(t, from, i);
  if (i >= to) return { id, elements: [], offset };
  // Values go to shared scratch arrays and the segment gets exact-size copies: an array grown by
  // push() keeps 17 slots for a 7-element segment, and a 1 MiB set's segments live until its job
  // commits, so every scavenge copied the empty slots too (~100 bytes a segment).
  const elements = elementScratch();
  let k = 0;
  let nc = 0;
  let nr = 0;
  let start = i + 1;
  for (i = start; i <= to; i++) {
    const c = i < to ? t.charCodeAt(i) : el;
    if (c !== el && c !== comp && c !== rep) continue;
    const v = copy !== undefined && i - start >= SLICED_MIN ? copy(start, i) : shortOf(t, start, i);
    start = i + 1;
    if (c !== el && c === comp) {
      compScratch[nc++] = v;
      continue;
    }
    let value: Value = v;
    if (nc > 0) {
      compScratch[nc++] = v;
      value = compScratch.slice(0, nc);
      for (let j = 0; j < nc; j++) compScratch[j] = '';
      nc = 0;
    }
    if (c !== el) {
      repScratch[nr++] = value;
    } else if (nr > 0) {
      repScratch[nr++] = value;
      elements[k++] = { repeats: repScratch.slice(0, nr) };
      for (let j = 0; j < nr; j++) repScratch[j] = '';
      nr = 0;
    } else elements[k++] = value;
  }
  const exact = elements.slice(0, k);
  // Drops the references, so the scratch arrays keep no segment's values alive (a loop: fill() is a
  // call into the runtime, which cost as much as the copy).
  for (let j = 0; j < k; j++) elements[j] = '';
  return { id, elements: exact, offset };
}
