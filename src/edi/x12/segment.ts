import type { Element, Value } from '../model';

/** Delimiters of one X12 interchange as characters. */
export interface X12Delimiters {
  element: string;
  component: string;
  segment: string;
  repetition?: string;
}

function joinValue(v: Value, component: string): string {
  return typeof v === 'string' ? v : v.join(component);
}

export function joinElement(e: Element, d: X12Delimiters): string {
  if (typeof e === 'string') return e;
  if (Array.isArray(e)) return e.join(d.component);
  return e.repeats.map((r) => joinValue(r, d.component)).join(d.repetition ?? '^');
}
