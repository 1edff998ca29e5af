/**
 * Units of measure between UN/ECE Recommendation 20 (EDIFACT 6411, the canonical form) and X12 355.
 * Data, one pair per line: the Rec 20 code, the X12 code for the same unit. A code in neither column
 * is the same in both (EA, PR, BX, CT, PK, KT...). A Rec 20 code with no pair here and no place in the
 * X12 355 list (GBND, XY) has no X12 form: the generated check (src/edi/generated-check.ts, with the
 * lists of src/edi/x12/unit-codes.ts) refuses the document rather than send a code the receiver cannot read.
 */
export const rec20ToX12: ReadonlyArray<readonly [rec20: string, x12: string]> = [
  // counts
  ['H87', 'PC'], // piece
  ['C62', 'UN'], // one (synonym: unit), X12 unit
  ['DZN', 'DZ'], // dozen
  ['GRO', 'GS'], // gross
  ['SET', 'ST'], // set
  ['ST', 'SH'], // sheet
  ['CS', 'CA'], // case
  ['RO', 'RL'], // roll
  // mass
  ['KGM', 'KG'],
  ['GRM', 'GR'], // gram
  ['LBR', 'LB'],
  ['ONZ', 'OZ'],
  // volume
  ['LTR', 'LT'],
  ['MLT', 'ML'],
  ['GLL', 'GA'],
  ['MTQ', 'CR'], // cubic metre
  // length and area
  ['MTR', 'MR'],
  ['CMT', 'CM'],
  ['MMT', 'MM'],
  ['FOT', 'FT'],
  ['INH', 'IN'],
  ['YRD', 'YD'],
  ['MTK', 'SM'], // square metre
  ['FTK', 'SF'], // square foot
  // time
  ['HUR', 'HR'],
  ['DAY', 'DA'],
  ['WEE', 'WK'],
  ['MON', 'MO'],
];

/** 6411 codes of older Recommendation 20 revisions, read as today's code (PCE, piece, is H87). */
const legacyRec20 = new Map([['PCE', 'H87']]);

const toX12 = new Map(rec20ToX12.map(([r, x]) => [r, x]));
const fromX12 = new Map<string, string>();
for (const [r, x] of rec20ToX12) if (!fromX12.has(x)) fromX12.set(x, r);

/** The canonical (Rec 20) unit of an X12 355 code; empty is no unit. */
export function unitFromX12Code(code: string): string | undefined {
  return code === '' ? undefined : (fromX12.get(code) ?? code);
}

/** The X12 355 code of a canonical unit: its pair, else the code itself; '' for no unit. */
export function unitToX12Code(unit: string | undefined): string {
  if (unit === undefined) return '';
  const current = legacyRec20.get(unit) ?? unit;
  return toX12.get(current) ?? current;
}

/** A 6411 code as today's Rec 20 code. */
export function currentUnit(code: string | undefined): string | undefined {
  return code === undefined ? undefined : (legacyRec20.get(code) ?? code);
}
