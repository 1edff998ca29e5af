import type { Element, Value } from '../model';

/** Delimiters of one X12 interchange as characters. */
export interface X12Delimiters {
  element: string;
  component: string;
  segment: string;
  repetition?: string;
}

function value(raw: string, component: string): Value {
  return raw.includes(component) ? raw.split(component) : raw;
}

/** Splits the elements of a segment's text (tag excluded) into the model's element form. */
export function splitElements(parts: string[], d: X12Delimiters): Element[] {
  const out: Element[] = new Array(parts.length - 1);
  const rep = d.repetition;
  for (let i = 1; i < parts.length; i++) {
    const raw = parts[i];
    if (rep !== undefined && raw.includes(rep)) {
      out[i - 1] = { repeats: raw.split(rep).map((r) => value(r, d.component)) };
    } else {
      out[i - 1] = value(raw, d.component);
    }
  }
  return out;
}

function joinValue(v: Value, component: string): string {
  return typeof v === 'string' ? v : v.join(component);
}

export function joinElement(e: Element, d: X12Delimiters): string {
  if (typeof e === 'string') return e;
  if (Array.isArray(e)) return e.join(d.component);
  return e.repeats.map((r) => joinValue(r, d.component)).join(d.repetition ?? '^');
}
