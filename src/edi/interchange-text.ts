import type { Element, Interchange, Segment, Value } from './model';
import type { TextLocation } from './text-refused';

/**
 * Visits every data value of an interchange, envelope included, with its location. `visit` returns a
 * replacement value or undefined to keep it. `skip` leaves values alone that are not data (the UNB
 * syntax identifier the caller is about to set, the ISA's delimiter fields).
 */
export function mapValues(
  ic: Interchange,
  visit: (value: string, at: TextLocation) => string | undefined,
  skip: (segmentId: string, element: number) => boolean = () => false,
): void {
  const segment = (s: Segment, position: number, message?: string) => {
    s.elements = s.elements.map((e, i) => {
      const element = i + 1;
      if (skip(s.id, element)) return e;
      const at = { ...(message !== undefined ? { message } : {}), position, segmentId: s.id, element };
      return mapElement(e, (v, component) => visit(v, component ? { ...at, component } : at));
    });
  };
  let envelope = 1;
  segment(ic.header, envelope++);
  for (const g of ic.groups) {
    if (g.header) segment(g.header, envelope++);
    for (const tx of g.transactions) tx.segments.forEach((s, i) => segment(s, i + 1, tx.controlNumber));
  }
}

function mapElement(e: Element, f: (v: string, component?: number) => string | undefined): Element {
  const value = (v: Value): Value => {
    if (typeof v === 'string') return f(v) ?? v;
    return v.map((c, k) => f(c, k + 1) ?? c);
  };
  if (typeof e === 'string' || Array.isArray(e)) return value(e);
  return { repeats: e.repeats.map(value) };
}
