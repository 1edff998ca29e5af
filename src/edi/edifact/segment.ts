import type { Element, Value } from '../model';

/** Service characters of one EDIFACT interchange. */
export interface EdifactDelimiters {
  component: string;
  element: string;
  decimal: string;
  release: string;
  /** Syntax 4 repetition separator; absent in syntax 1-3 (UNA position 5 is then a space). */
  repetition?: string;
  segment: string;
}

export const DEFAULT_DELIMITERS: EdifactDelimiters = { component: ':', element: '+', decimal: '.', release: '?', segment: "'" };

function simpleValue(raw: string, d: EdifactDelimiters): Value {
  return raw.includes(d.component) ? raw.split(d.component) : raw;
}

/**
 * Splits a segment's text into tag and elements. Release characters are removed here, so the model
 * holds the values as meant; the fast path (no release character in the segment) is plain splitting.
 */
export function splitSegment(textIn: string, d: EdifactDelimiters): { id: string; elements: Element[]; strayRelease?: boolean } {
  if (!textIn.includes(d.release)) {
    const parts = textIn.split(d.element);
    const out: Element[] = new Array(parts.length - 1);
    for (let i = 1; i < parts.length; i++) {
      const raw = parts[i];
      out[i - 1] = d.repetition !== undefined && raw.includes(d.repetition)
        ? { repeats: raw.split(d.repetition).map((r) => simpleValue(r, d)) }
        : simpleValue(raw, d);
    }
    return { id: parts[0], elements: out };
  }
  // Slow path: walk characters, honouring the release character.
  let reps: string[][] = [];
  let comps: string[] = [];
  let cur = '';
  const all: string[][][] = [];
  let strayRelease = false;
  for (let i = 0; i < textIn.length; i++) {
    const c = textIn[i];
    if (c === d.release && i + 1 < textIn.length) {
      const n = textIn[++i];
      if (n !== d.release && n !== d.element && n !== d.component && n !== d.segment && n !== d.repetition) strayRelease = true;
      cur += n;
      continue;
    }
    if (c === d.component) { comps.push(cur); cur = ''; continue; }
    if (c === d.repetition) { comps.push(cur); reps.push(comps); comps = []; cur = ''; continue; }
    if (c === d.element) { comps.push(cur); reps.push(comps); all.push(reps); reps = []; comps = []; cur = ''; continue; }
    cur += c;
  }
  comps.push(cur);
  reps.push(comps);
  all.push(reps);
  const id = all[0]?.[0]?.[0] ?? '';
  const out: Element[] = [];
  for (let i = 1; i < all.length; i++) {
    const values = all[i].map((cs): Value => (cs.length === 1 ? cs[0] : cs));
    out.push(values.length === 1 ? values[0] : { repeats: values });
  }
  return strayRelease ? { id, elements: out, strayRelease } : { id, elements: out };
}

/** Escapes service characters in a value with the release character. */
export function escape(value: string, d: EdifactDelimiters): string {
  let needs = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === d.release || c === d.element || c === d.component || c === d.segment || c === d.repetition) { needs = true; break; }
  }
  if (!needs) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === d.release || c === d.element || c === d.component || c === d.segment || c === d.repetition) out += d.release;
    out += c;
  }
  return out;
}

function joinValue(v: Value, d: EdifactDelimiters): string {
  return typeof v === 'string' ? escape(v, d) : v.map((c) => escape(c, d)).join(d.component);
}

export function joinElement(e: Element, d: EdifactDelimiters): string {
  if (typeof e === 'string' || Array.isArray(e)) return joinValue(e, d);
  return e.repeats.map((r) => joinValue(r, d)).join(d.repetition ?? '*');
}
