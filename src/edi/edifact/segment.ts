import type { Element, Segment, Value } from '../model';
import { splitPlain } from '../split';

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

export const DEFAULT_DELIMITERS: EdifactDelimiters = {
  component: ':',
  element: '+',
  decimal: '.',
  release: '?',
  segment: "'",
};

/**
 * Splits a segment's text into tag and elements. Release characters are removed here, so the model
 * holds the values as meant. Most segments hold no release, component or repetition character: they
 * take the plain split, with no per-element scans.
 */
export function splitSegment(
  textIn: string,
  d: EdifactDelimiters,
  offset = 0,
  /** The caller knows the text holds no release character (the scanner knows it from the bytes). */
  releaseFree = false,
): Segment & { strayRelease?: boolean } {
  if (releaseFree || textIn.indexOf(d.release) < 0) {
    return splitPlain(
      textIn,
      d.element.charCodeAt(0),
      d.component.charCodeAt(0),
      d.repetition !== undefined ? d.repetition.charCodeAt(0) : -1,
      offset,
    );
  }
  return splitReleased(textIn, d, offset);
}

/** A token's text without its release characters (each keeps the character it releases). */
function unrelease(raw: string, rel: number): string {
  let out = '';
  let from = 0;
  for (let i = 0; i + 1 < raw.length; i++) {
    if (raw.charCodeAt(i) !== rel) continue;
    out += raw.slice(from, i);
    from = i + 1;
    i++;
  }
  return out + raw.slice(from);
}

/**
 * The release-aware splitter: one pass, slicing tokens rather than building them a character at a
 * time, and making component and repetition arrays only for elements that have them (as splitPlain).
 */
function splitReleased(t: string, d: EdifactDelimiters, offset: number): Segment & { strayRelease?: boolean } {
  const rel = d.release.charCodeAt(0);
  const el = d.element.charCodeAt(0);
  const comp = d.component.charCodeAt(0);
  const rep = d.repetition !== undefined ? d.repetition.charCodeAt(0) : -1;
  const seg = d.segment.charCodeAt(0);
  let strayRelease = false;
  let start = 0;
  let released = false;
  let comps: string[] | null = null;
  let reps: Value[] | null = null;
  let id: string | undefined;
  const elements: Element[] = [];
  const n = t.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? t.charCodeAt(i) : el;
    if (c === rel && i + 1 < n) {
      const next = t.charCodeAt(i + 1);
      if (next !== rel && next !== el && next !== comp && next !== seg && next !== rep) strayRelease = true;
      released = true;
      i++;
      continue;
    }
    if (c !== el && c !== comp && c !== rep) continue;
    const token = released ? unrelease(t.slice(start, i), rel) : t.slice(start, i);
    start = i + 1;
    released = false;
    if (c === comp) {
      (comps ??= []).push(token);
      continue;
    }
    let value: Value = token;
    if (comps) {
      comps.push(token);
      value = comps;
      comps = null;
    }
    if (c === rep) {
      (reps ??= []).push(value);
      continue;
    }
    let element: Element = value;
    if (reps) {
      reps.push(value);
      element = { repeats: reps };
      reps = null;
    }
    if (id === undefined) {
      const first = typeof element === 'string' || Array.isArray(element) ? element : element.repeats[0];
      id = typeof first === 'string' ? first : (first[0] ?? '');
    } else elements.push(element);
  }
  id ??= '';
  return strayRelease ? { id, elements, offset, strayRelease } : { id, elements, offset };
}

/** Escapes service characters in a value with the release character. */
export function escape(value: string, d: EdifactDelimiters): string {
  let needs = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === d.release || c === d.element || c === d.component || c === d.segment || c === d.repetition) {
      needs = true;
      break;
    }
  }
  if (!needs) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === d.release || c === d.element || c === d.component || c === d.segment || c === d.repetition)
      out += d.release;
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
