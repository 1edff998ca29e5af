import type { Element, Segment, Value } from './model';

// A direct-mapped cache of segment tags: one string per tag (and its hash, computed once) instead of
// a new one per segment, which the tree builder then looks up by. Holds only short immutable strings.
const TAG_SLOTS = 512;
const tagKeys = new Int32Array(TAG_SLOTS).fill(-1);
const tagValues: string[] = new Array<string>(TAG_SLOTS).fill('');

/** t.slice(0, n), shared for the two- and three-character tags of 8-bit text. */
function tagOf(t: string, n: number): string {
  if (n !== 2 && n !== 3) return t.slice(0, n);
  const c0 = t.charCodeAt(0);
  const c1 = t.charCodeAt(1);
  const c2 = n === 3 ? t.charCodeAt(2) : 0;
  if ((c0 | c1 | c2) > 0xff) return t.slice(0, n);
  const key = (n << 24) | (c0 << 16) | (c1 << 8) | c2;
  const slot = (c0 * 961 + c1 * 31 + c2) & (TAG_SLOTS - 1);
  if (tagKeys[slot] === key) return tagValues[slot];
  const id = t.slice(0, n);
  tagKeys[slot] = key;
  tagValues[slot] = id;
  return id;
}

const scratch: Element[] = [];

/**
 * Splits a segment's text into its tag and elements in one pass over the characters, slicing each
 * value once: element separator `el`, component separator `comp`, repetition separator `rep` (-1 for
 * none), as character codes. No release characters: EDIFACT text that has them takes its own path.
 * About three times faster than split() followed by a split() per element, and the parse's hot path.
 */
export function splitPlain(t: string, el: number, comp: number, rep: number, offset: number): Segment {
  const n = t.length;
  let i = 0;
  while (i < n && t.charCodeAt(i) !== el) i++;
  const id = tagOf(t, i);
  if (i >= n) return { id, elements: [], offset };
  // Values go to a shared scratch array and the segment gets an exact-size copy: an array grown by
  // push() keeps 17 slots for a 7-element segment, and a 1 MiB set's segments live until its job
  // commits, so every scavenge copied the empty slots too (~100 bytes a segment).
  const elements = scratch;
  let k = 0;
  let start = i + 1;
  let comps: string[] | null = null;
  let reps: Value[] | null = null;
  for (i = start; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === el) {
      const v = t.slice(start, i);
      let value: Value = v;
      if (comps) {
        comps.push(v);
        value = comps;
        comps = null;
      }
      if (reps) {
        reps.push(value);
        elements[k++] = { repeats: reps };
        reps = null;
      } else elements[k++] = value;
      start = i + 1;
    } else if (c === comp) {
      (comps ??= []).push(t.slice(start, i));
      start = i + 1;
    } else if (c === rep) {
      const v = t.slice(start, i);
      let value: Value = v;
      if (comps) {
        comps.push(v);
        value = comps;
        comps = null;
      }
      (reps ??= []).push(value);
      start = i + 1;
    }
  }
  const v = t.slice(start, n);
  let value: Value = v;
  if (comps) {
    comps.push(v);
    value = comps;
  }
  if (reps) {
    reps.push(value);
    elements[k++] = { repeats: reps };
  } else elements[k++] = value;
  const exact = elements.slice(0, k);
  // Drops the references, so the scratch array keeps no segment's values alive.
  elements.fill('', 0, k);
  return { id, elements: exact, offset };
}
