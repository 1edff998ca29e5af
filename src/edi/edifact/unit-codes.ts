import type { Diagnostic, Location, Transaction } from '../model';
import { type UnitList, unknownUnitsOf } from '../unit-places';
import { rec20Current, rec20Deleted, rec20Deprecated } from './rec20-codes';

/**
 * EDIFACT data element 6411 (measure unit qualifier) takes its codes from UN/ECE Recommendation 20, the
 * list `rec20-codes.ts` holds as published (scripts/rec20-codes.js). Every status is read: a D96A message
 * may carry a code a later revision deprecated or deleted (CS, CT, PK moved to Recommendation 21).
 */
const list = (codes: string): string[] => codes.trim().split(/\s+/);

/**
 * Codes of revisions older than the published list goes back to, that messages of the directories we
 * read still carry: PCE (piece, today H87) is EANCOM's unit in every D96A example, and three of the
 * corpus's INVOICs send it.
 */
const olderRevisions = ['PCE'];

export const rec20Units: ReadonlySet<string> = new Set([
  ...list(rec20Current),
  ...list(rec20Deprecated),
  ...list(rec20Deleted),
  ...olderRevisions,
]);

/**
 * Where a 6411 sits (element, component): QTY C186, PRI C509, MEA C174, RNG C280, DIM C211, TMP C239.
 * These are the places of the directories we read (D93A to D01B), where a unit is coded.
 */
export const edifactUnitPositions: Readonly<Record<string, readonly [element: number, component: number]>> = {
  QTY: [1, 3],
  PRI: [1, 6],
  MEA: [3, 1],
  RNG: [2, 1],
  DIM: [2, 1],
  TMP: [2, 2],
};

const rec20: UnitList = {
  places: new Map(Object.entries(edifactUnitPositions).map(([tag, place]) => [tag, [place]])),
  known: (value) => rec20Units.has(value),
  finding: (at, value) => ({
    code: '12',
    message: `${at.segment} element ${at.element}, component ${at.component}: ${JSON.stringify(value)} is no UN/ECE Recommendation 20 unit code (6411)`,
  }),
};

/**
 * 6411 units that are not Recommendation 20 codes, in a message read or written. The profiles give 6411
 * as an..3 and no list, so `EA ` or `BOX` passed: every place a unit goes is read against the list, in
 * what partners send (CONTRL 12, invalid value, as for an X12 355 outside its list) as in what we
 * generate. A place already found at fault (`found`: a four-character `GBND` is too long) is not
 * reported twice.
 */
export function unknownEdifactUnits(tx: Transaction, location: Location, found: readonly Diagnostic[]): Diagnostic[] {
  return unknownUnitsOf(tx, location, found, rec20);
}
