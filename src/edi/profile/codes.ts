import type { Standard } from '../model';

/**
 * What the validator found, named once, and the code each standard's acknowledgement uses for it:
 * X12 999 IK3 (620) / IK4 (621) — the 997's AK3/AK4 take the same codes, with 999-only "I" codes
 * mapped down by the 997 renderer — and EDIFACT 0085 for CONTRL UCS/UCD.
 */
export type Finding =
  | 'unrecognized-segment'
  | 'unexpected-segment'
  | 'segment-missing'
  | 'loop-over-max'
  | 'segment-over-max'
  | 'segment-not-in-set'
  | 'segment-out-of-order'
  | 'segment-not-used'
  | 'trailing-separator'
  | 'element-missing'
  | 'conditional-missing'
  | 'too-many-elements'
  | 'too-short'
  | 'too-long'
  | 'invalid-character'
  | 'invalid-code'
  | 'invalid-date'
  | 'invalid-time'
  | 'invalid-check-digit'
  | 'exclusion-violated'
  | 'too-many-repeats'
  | 'too-many-components'
  | 'element-not-used';

const x12: Record<Finding, string> = {
  'unrecognized-segment': '1',
  'unexpected-segment': '2',
  'segment-missing': '3',
  'loop-over-max': '4',
  'segment-over-max': '5',
  'segment-not-in-set': '6',
  'segment-out-of-order': '7',
  'segment-not-used': 'I4',
  'trailing-separator': '8',
  'element-missing': '1',
  'conditional-missing': '2',
  'too-many-elements': '3',
  'too-short': '4',
  'too-long': '5',
  'invalid-character': '6',
  'invalid-code': '7',
  'invalid-date': '8',
  'invalid-time': '9',
  // A guide's format on a value (a GS1 check digit): the 999's implementation pattern match failure.
  'invalid-check-digit': 'I12',
  'exclusion-violated': '10',
  'too-many-repeats': '12',
  'too-many-components': '13',
  'element-not-used': 'I10',
};

const edifact: Record<Finding, string> = {
  'unrecognized-segment': '15',
  'unexpected-segment': '15',
  'segment-missing': '13',
  'loop-over-max': '36',
  'segment-over-max': '35',
  'segment-not-in-set': '15',
  'segment-out-of-order': '15',
  'segment-not-used': '15',
  'trailing-separator': '45',
  'element-missing': '13',
  'conditional-missing': '13',
  'too-many-elements': '16',
  'too-short': '40',
  'too-long': '39',
  'invalid-character': '37',
  'invalid-code': '12',
  'invalid-date': '12',
  'invalid-time': '12',
  'invalid-check-digit': '12',
  'exclusion-violated': '12',
  'too-many-repeats': '35',
  'too-many-components': '16',
  'element-not-used': '15',
};

export function codeFor(standard: Standard, f: Finding): string {
  return (standard === 'x12' ? x12 : edifact)[f];
}

/** 999 implementation codes have no 997 equivalent; the 997 reports the nearest standard code. */
export function to997(code: string): string {
  switch (code) {
    case 'I4':
    case 'I9':
      return '2';
    case 'I6':
    case 'I7':
    case 'I8':
      return '3';
    case 'I10':
    case 'I13':
      return '3';
    case 'I11':
    case 'I12':
    case 'I6E':
      return '7';
    default:
      return code;
  }
}

/** The X12 ack code lists that differ by version (004010 997 against 005010 997/999), as the standard has them. */
const X12_ACK_CODES_004010: Record<'716' | '718' | '720' | '723', ReadonlySet<string>> = {
  '716': new Set([
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    '10',
    '11',
    '12',
    '13',
    '14',
    '15',
    '16',
    '17',
    '18',
    '23',
    '24',
    '25',
    '26',
  ]),
  '718': new Set([
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    '7',
    '8',
    '9',
    '10',
    '11',
    '12',
    '13',
    '15',
    '16',
    '17',
    '23',
    '24',
    '25',
    '26',
    '27',
  ]),
  '720': new Set(['1', '2', '3', '4', '5', '6', '7', '8']),
  '723': new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']),
};

/**
 * Codes 005010 added, and the 004010 code that says the nearest thing: a group control number used twice
 * in one interchange (19) violates the group control number's rules (6); too many repetitions (12) or
 * components (13) are too many data elements (3); an implementation guide reference that is invalid (18)
 * or not supported (19) is a transaction set not supported (1).
 */
const DOWN_TO_004010: Record<'716' | '718' | '720' | '723', Record<string, string>> = {
  '716': { '19': '6' },
  '718': { '18': '1', '19': '1' },
  '720': {},
  '723': { '12': '3', '13': '3' },
};

/**
 * The code a 997 sends for a finding, valid in the version of the group it acknowledges (AK304 720,
 * AK403 723, AK502 718, AK905 716); undefined when that version has nothing to say it with.
 */
export function ackCode997(element: '716' | '718' | '720' | '723', version: string, code: string): string | undefined {
  const c = to997(code);
  if (version >= '005010') return c;
  if (X12_ACK_CODES_004010[element].has(c)) return c;
  const down = DOWN_TO_004010[element][c];
  return down !== undefined && X12_ACK_CODES_004010[element].has(down) ? down : undefined;
}
