import type { Diagnostic, Element, Interchange } from './model';
import { allDiagnostics, components } from './model';
import { parseBuffer } from './parse';
import type { ProfileSet } from './profile/profile-set';
import { x12UnitCodes, x12UnitPositions } from './x12/unit-codes';

export interface GeneratedCheck {
  /** What the receiving standard would refuse: every error the envelope check and the profile find. */
  errors: Diagnostic[];
  /** Transaction sets no profile of the set describes (`850 005010`): only their envelope was checked. */
  unprofiled: string[];
}

/**
 * Reads a document we wrote as its receiver's translator would: our own reader with the shipped
 * profiles. A mapper can put a 3-letter unit into an ID 2/2 element or leave a mandatory element empty;
 * this is where that is caught, before the document leaves.
 */
export function checkGenerated(bytes: Buffer, profiles: ProfileSet): GeneratedCheck {
  let errors: Diagnostic[] = [];
  const unprofiled: string[] = [];
  for (const ic of parseBuffer(bytes, { level: 'full', profiles }).interchanges) {
    const found = allDiagnostics(ic).filter((d) => d.severity === 'error');
    errors = errors.concat(found, ic.standard === 'x12' ? unknownUnits(ic, found) : []);
    for (const g of ic.groups)
      for (const tx of g.transactions) if (!tx.tree) unprofiled.push(`${tx.type} ${tx.version}`);
  }
  return { errors, unprofiled: [...new Set(unprofiled)] };
}

/**
 * X12 355 units that are not in the version's code list. The profiles leave 355 open (it is long and
 * grows with each release), so a Rec 20 unit with no X12 counterpart (`XY`, `GBND`) would pass a
 * two-character check; this reads every place a unit is written against the list itself. A place the
 * profile already found fault with is not reported twice.
 */
function unknownUnits(ic: Interchange, found: Diagnostic[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set(found.map((d) => `${d.location.transaction}/${d.location.segment}/${d.location.element}`));
  for (const g of ic.groups)
    for (const tx of g.transactions) {
      const codes = x12UnitCodes(tx.version || g.version);
      const first = tx.segments[0]?.id === 'ST' ? 1 : 2;
      tx.segments.forEach((s, i) => {
        for (const [element, component] of x12UnitPositions[s.id] ?? []) {
          const value = unitAt(s.elements[element - 1], component);
          const segment = i + first;
          if (!value || codes.has(value) || seen.has(`${tx.controlNumber}/${segment}/${element}`)) continue;
          const at = `${s.id}${String(element).padStart(2, '0')}${component ? `-${component}` : ''}`;
          out.push({
            severity: 'error',
            level: 'element',
            code: '7',
            message: `${at} ${JSON.stringify(value)} is no X12 ${tx.version || g.version} unit code (355)`,
            location: {
              offset: s.offset,
              interchange: ic.controlNumber,
              group: g.controlNumber,
              transaction: tx.controlNumber,
              segment,
              segmentId: s.id,
              element,
              ...(component ? { component } : {}),
            },
            value,
            elementRef: '355',
          });
        }
      });
    }
  return out;
}

function unitAt(e: Element | undefined, component: number | undefined): string {
  return components(e)[(component ?? 1) - 1] ?? '';
}
