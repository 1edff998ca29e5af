import { parse as parseYamlText } from 'yaml';
import { profile as profileSchema } from '../../src/edi/profile/schema';
import { ProfileSet } from '../../src/edi/profile/profile-set';

/** A small 850 profile written for tests: every kind of check has something to catch. */
export const testProfileYaml = `
standard: x12
version: '004010'
type: '850'
segments:
  ST: { elements: [ { usage: M, type: ID, min: 3, max: 3 }, { usage: M, type: AN, min: 4, max: 9 } ] }
  SE: { elements: [ { usage: M, type: N0, min: 1, max: 10 }, { usage: M, type: AN, min: 4, max: 9 } ] }
  BEG:
    elements:
      - { ref: '353', usage: M, type: ID, min: 2, max: 2, codes: ['00', '05'] }
      - { ref: '92', usage: M, type: ID, min: 2, max: 2 }
      - { ref: '324', usage: M, type: AN, min: 1, max: 22 }
      - { ref: '328', usage: O, type: AN, min: 1, max: 30 }
      - { ref: '373', usage: M, type: DT, min: 8, max: 8 }
  REF:
    elements:
      - { ref: '128', usage: M, type: ID, min: 2, max: 3 }
      - { ref: '127', usage: C, type: AN, min: 1, max: 30 }
      - { ref: '352', usage: C, type: AN, min: 1, max: 80 }
    rules: [R0203]
  N1: { elements: [ { usage: M, type: ID, min: 2, max: 3 }, { usage: C, type: AN, min: 1, max: 60 } ] }
  N3: { elements: [ { usage: M, type: AN, min: 1, max: 55 } ] }
  PO1:
    elements:
      - { usage: O, type: AN, min: 1, max: 20 }
      - { ref: '330', usage: M, type: R, min: 1, max: 15 }
      - { usage: M, type: ID, min: 2, max: 2 }
      - { ref: '212', usage: O, type: R, min: 1, max: 17 }
  SV1:
    elements:
      - { usage: M, composite: [ { usage: M, type: ID, min: 2, max: 2 }, { usage: M, type: AN, min: 1, max: 48 } ] }
  CTT: { elements: [ { usage: M, type: N0, min: 1, max: 6 } ] }
structure:
  - { segment: ST, usage: M }
  - { segment: BEG, usage: M }
  - { segment: REF, usage: O, max: 2 }
  - loop: N1
    max: 3
    structure:
      - { segment: N1, usage: M }
      - { segment: N3, usage: O }
  - loop: PO1
    usage: M
    max: unbounded
    structure:
      - { segment: PO1, usage: M }
      - { segment: SV1, usage: O }
  - { segment: CTT, usage: M }
  - { segment: SE, usage: M }
`;

export function testProfiles(): ProfileSet {
  return new ProfileSet([profileSchema.parse(parseYamlText(testProfileYaml))]);
}
