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
