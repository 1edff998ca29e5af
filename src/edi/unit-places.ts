import type { Diagnostic, Element, Location, Transaction } from './model';
import { components } from './model';

/** Where a unit sits in a segment: element and, in a composite, component (1-based). */
export type UnitPlace = readonly [element: number, component?: number];

export interface UnitList {
  /** Segment tag → the places of its units; a Map, since most tags looked up hold none. */
  places: ReadonlyMap<string, readonly UnitPlace[]>;
  known(value: string): boolean;
  /** The finding for a unit the list lacks: its code, message and data element reference. */
  finding(
    at: { segment: string; element: number; component?: number },
    value: string,
  ): {
    code: string;
    message: string;
    elementRef?: string;
  };
}

// Read in place: every line segment of every set passes here, and components() makes an array of a plain value.
function unitAt(e: Element | undefined, component: number | undefined): string {
  if (typeof e === 'string') return component === undefined || component === 1 ? e : '';
  return components(e)[(component ?? 1) - 1] ?? '';
}

/**
 * Units of a transaction that are not in `list`, one located error each. A place already found at fault
 * (`found`: a four-character `GBND` is too long for its element) is not reported twice.
 */
export function unknownUnitsOf(
  tx: Transaction,
  location: Location,
  found: readonly Diagnostic[],
  list: UnitList,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = tx.segments[0]?.id === 'ST' || tx.segments[0]?.id === 'UNH' ? 1 : 2;
  let seen: Set<string> | undefined;
  const segments = tx.segments;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const places = list.places.get(s.id);
    if (!places) continue;
    for (const [element, component] of places) {
      const value = unitAt(s.elements[element - 1], component);
      if (!value || list.known(value)) continue;
      const segment = i + first;
      seen ??= new Set(found.map((d) => `${d.location.segment}/${d.location.element}/${d.location.component ?? 1}`));
      if (seen.has(`${segment}/${element}/${component ?? 1}`)) continue;
      const { code, message, elementRef } = list.finding({ segment: s.id, element, component }, value);
      out.push({
        severity: 'error',
        level: 'element',
        code,
        message,
        location: {
          ...location,
          transaction: tx.controlNumber,
          offset: s.offset,
          segment,
          segmentId: s.id,
          element,
          ...(component ? { component } : {}),
        },
        value,
        ...(elementRef ? { elementRef } : {}),
      });
    }
  }
  return out;
}
