import type { Standard } from '../edi/model';

/**
 * Two spellings of one fact that a standard allows, and the one the census counts both under. Only
 * spellings the standard itself gives one meaning belong here; codes that mean different things (N1
 * VN vendor and SU supplier, one EDIFACT code SU) stay apart, so the census shows
 * which of them a round trip turns into which.
 */
export const censusSynonyms: ReadonlyArray<{
  standard: Standard;
  tag: string;
  /** The spellings; the census counts them all under the first. */
  codes: readonly string[];
  /** The transaction types where they are one fact (all when absent). */
  types?: readonly string[];
  why: string;
}> = [
  {
    standard: 'edifact',
    tag: 'NAD',
    codes: ['ST', 'DP'],
    why: 'where the goods go: UN/EDIFACT 3035 ST (ship to) and DP (delivery party), the spelling EANCOM uses',
  },
  {
    standard: 'edifact',
    tag: 'DTM',
    codes: ['137', '3'],
    types: ['INVOIC'],
    why: "an invoice's own date: 2005 137 (document date, the EANCOM spelling) or 3 (invoice date)",
  },
  {
    standard: 'edifact',
    tag: 'DTM',
    codes: ['13', '140'],
    types: ['INVOIC'],
    why: 'the day payment is due: 2005 13 (terms net due date) or 140 (payment due date)',
  },
  {
    standard: 'edifact',
    tag: 'MOA',
    codes: ['77', '39'],
    types: ['INVOIC'],
    why: "an invoice's total: 5025 77 (invoice amount) or 39 (invoice total amount)",
  },
  {
    standard: 'edifact',
    tag: 'MOA',
    codes: ['176', '124'],
    types: ['INVOIC'],
    why: "the invoice's total tax outside a tax group: 5025 176 (message total duty/tax/fee amount) or 124 (tax amount)",
  },
];

/** Whether two qualifiers of a tag are spellings of one fact in a transaction type (see censusSynonyms). */
export function synonymous(standard: Standard, type: string, tag: string, a: string, b: string): boolean {
  return censusSynonyms.some(
    (s) =>
      s.standard === standard &&
      s.tag === tag &&
      s.codes.includes(a) &&
      s.codes.includes(b) &&
      (!s.types || s.types.includes(type)),
  );
}
