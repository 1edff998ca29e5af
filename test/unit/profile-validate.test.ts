import { parse as parseYamlText } from 'yaml';
import { testProfileYaml, testProfiles } from '../helpers/test-profile';
import { profile as profileSchema } from '../../src/edi/profile/schema';
import { ProfileSet } from '../../src/edi/profile/profile-set';
import { parseBuffer } from '../../src/edi/parse';
import { x12 } from '../helpers/build';
import type { Diagnostic, Transaction } from '../../src/edi/model';
import { ensureTree } from '../../src/edi/transaction-end';

const profiles = testProfiles();

function run(body: string[]): { tx: Transaction; found: string[]; d: Diagnostic[] } {
  const ic = parseBuffer(Buffer.from(x12({ transactions: [body] })), { profiles }).interchanges[0];
  const tx = ic.groups[0].transactions[0];
  return {
    tx,
    d: tx.errors,
    found: tx.errors.map(
      (e) =>
        `${e.level}:${e.code}@${e.location.segment}` +
        `${e.location.element ? '.' + e.location.element : ''}${e.location.component ? '-' + e.location.component : ''}`,
    ),
  };
}

const good = [
  'BEG*00*SA*PO123**20240102',
  'REF*DP*038',
  'N1*ST*ACME',
  'N3*1 MAIN ST',
  'N1*BT*ACME',
  'PO1*1*10*EA*9.5',
  'SV1*HC:99213',
  'PO1*2*1*EA',
  'CTT*2',
];

describe('profile validation: the loop tree', () => {
  test('a conforming transaction has no findings and a tree keyed by loop and element ids', () => {
    const { tx, found } = run(good);
    expect(found).toEqual([]);
    expect(tx.tree).toEqual({
      ST: { ST01: '850', ST02: '0001' },
      BEG: { BEG01: '00', BEG02: 'SA', BEG03: 'PO123', BEG05: '20240102' },
      REF: [{ REF01: 'DP', REF02: '038' }],
      N1_loop: [{ N1: { N101: 'ST', N102: 'ACME' }, N3: { N301: '1 MAIN ST' } }, { N1: { N101: 'BT', N102: 'ACME' } }],
      PO1_loop: [
        { PO1: { PO101: '1', PO102: '10', PO103: 'EA', PO104: '9.5' }, SV1: { SV101: ['HC', '99213'] } },
        { PO1: { PO101: '2', PO102: '1', PO103: 'EA' } },
      ],
      CTT: { CTT01: '2' },
      SE: { SE01: '11', SE02: '0001' },
    });
  });

  test('a missing required segment is reported where it should have been (IK3 3)', () => {
    expect(run(good.filter((s) => !s.startsWith('CTT'))).found).toEqual(['segment:3@10']);
  });

  test('a missing required loop is reported (IK3 3)', () => {
    expect(run(good.filter((s) => !s.startsWith('PO1') && !s.startsWith('SV1'))).found).toEqual(['segment:3@7']);
  });

  test('a segment out of sequence is reported (IK3 7) and the rest still placed', () => {
    const body = ['BEG*00*SA*PO123**20240102', 'N1*ST*ACME', 'REF*DP*038', 'PO1*1*10*EA', 'CTT*1'];
    const { found, tx } = run(body);
    expect(found).toEqual(['segment:7@4']);
    expect((tx.tree?.PO1_loop as unknown[]).length).toBe(1);
  });

  test('a segment the transaction set does not define is reported (IK3 6)', () => {
    expect(run([...good.slice(0, 2), 'ZZZ*1', ...good.slice(2)]).found).toEqual(['segment:6@4']);
  });

  test('too many uses of a segment and of a loop are reported (IK3 5 and 4), keeping the data', () => {
    const body = [
      'BEG*00*SA*PO123**20240102',
      'REF*AA*1',
      'REF*BB*2',
      'REF*CC*3',
      'N1*ST',
      'N1*BT',
      'N1*SE',
      'N1*BY',
      'PO1*1*1*EA',
      'CTT*1',
    ];
    const { found, tx } = run(body);
    expect(found).toEqual(['segment:5@5', 'segment:4@9']);
    expect((tx.tree?.REF as unknown[]).length).toBe(3);
    expect((tx.tree?.N1_loop as unknown[]).length).toBe(4);
  });
});

describe('profile validation: where each position keeps its segments in the tree', () => {
  test('a segment used once more than its maximum of one stays in the tree, its key becoming a list', () => {
    const { found, tx } = run(['BEG*00*SA*PO1**20240102', 'BEG*00*SA*PO2**20240102', 'PO1*1*1*EA', 'CTT*1']);
    expect(found).toEqual(['segment:5@3']);
    expect(tx.tree?.BEG).toEqual([
      { BEG01: '00', BEG02: 'SA', BEG03: 'PO1', BEG05: '20240102' },
      { BEG01: '00', BEG02: 'SA', BEG03: 'PO2', BEG05: '20240102' },
    ]);
  });

  test('two positions with one tag in a loop are keyed by their qualifier, or by their place without one', () => {
    const yaml = testProfileYaml.replace(
      '  - { segment: REF, usage: O, max: 2 }',
      [
        "  - { segment: REF, usage: O, match: { REF01: ['DP'] } }",
        "  - { segment: REF, usage: O, max: 2, match: { REF01: ['IA', 'AA'] } }",
        '  - { segment: REF, usage: O }',
      ].join('\n'),
    );
    const set = new ProfileSet([profileSchema.parse(parseYamlText(yaml))]);
    const body = ['BEG*00*SA*PO1**20240102', 'REF*DP*038', 'REF*IA*1', 'REF*AA*2', 'REF*ZZ*3', 'PO1*1*1*EA', 'CTT*1'];
    const tx = parseBuffer(Buffer.from(x12({ transactions: [body] })), { profiles: set }).interchanges[0].groups[0]
      .transactions[0];
    expect(tx.errors).toEqual([]);
    expect(tx.tree?.REF_DP).toEqual({ REF01: 'DP', REF02: '038' });
    expect(tx.tree?.REF_IA).toEqual([
      { REF01: 'IA', REF02: '1' },
      { REF01: 'AA', REF02: '2' },
    ]);
    expect(tx.tree?.REF_3).toEqual({ REF01: 'ZZ', REF02: '3' });
    expect(Object.keys(tx.tree ?? {})).toEqual(['ST', 'BEG', 'REF_DP', 'REF_IA', 'REF_3', 'PO1_loop', 'CTT', 'SE']);
  });
});

describe('profile validation without the tree (the process step)', () => {
  const parse = (body: string[], tree?: boolean) =>
    parseBuffer(Buffer.from(x12({ transactions: [body] })), { profiles, ...(tree === undefined ? {} : { tree }) })
      .interchanges[0].groups[0].transactions[0];
  const faulty = [
    'BEG*00*XX*PO123**20241399',
    'N1*ST*ACME',
    'REF*DP*038',
    'REF*AA*1',
    'REF*BB*2',
    'REF*CC*3',
    'PO1*1*10*EA',
    'ZZZ*1',
    'PO1*2*1*EA',
  ];

  test.each([
    ['a conforming set', good, false],
    ['a set with structure and element faults', faulty, true],
  ])('%s: the same findings as with the tree, no tree kept, and the same tree built later', (_, body, faults) => {
    const full = parse(body);
    expect(full.errors.length > 0).toBe(faults);
    const lean = parse(body, false);
    expect(lean.errors).toEqual(full.errors);
    expect(lean.tree).toBeUndefined();
    ensureTree('x12', lean, profiles);
    expect(lean.tree).toEqual(full.tree);
    expect(full.tree).toBeDefined();
  });

  test('a set without a profile gets no tree from ensureTree', () => {
    const tx = parseBuffer(Buffer.from(x12({ version: '00501' })), { profiles, tree: false }).interchanges[0].groups[0]
      .transactions[0];
    expect(profiles.find('x12', tx.type, tx.version)).toBeUndefined();
    ensureTree('x12', tx, profiles);
    expect(tx.tree).toBeUndefined();
  });
});

describe('profile validation: elements', () => {
  const withBeg = (beg: string) => run([beg, 'PO1*1*10*EA', 'CTT*1']);

  test('a missing mandatory element (IK4 1), a bad code (7), a bad date (8), too long (5)', () => {
    const { found, d } = withBeg('BEG*09*SA*PO123456789012345678901234**20241302');
    expect(found).toEqual(['element:7@2.1', 'element:5@2.3', 'element:8@2.5']);
    expect(d[0]).toMatchObject({ value: '09', elementRef: '353', location: { segmentId: 'BEG', loop: undefined } });
    expect(withBeg('BEG*00**PO1**20240102').found).toEqual(['element:1@2.2']);
  });

  test('numeric types: R and N0 reject letters (IK4 6); R length leaves out sign and point', () => {
    expect(run(['BEG*00*SA*1**20240102', 'PO1*1*1O*EA*-12345678901234.5', 'CTT*X']).found).toEqual([
      'element:6@3.2',
      'element:6@4.1',
    ]);
  });

  test('R values: a point, an exponent and a sign are allowed where the standard allows them; length counts digits', () => {
    const po1 = (v: string) => run(['BEG*00*SA*1**20240102', `PO1*1*1*EA*${v}`, 'CTT*1']).found;
    for (const v of ['1.', '.5', '-.5', '1E5', '1e-5']) expect(po1(v)).toEqual([]);
    for (const v of ['1e', '.', '-', '1.2.3', '1,5', '--1', '1E5.0', '1.5E+'])
      expect(po1(v)).toEqual(['element:6@3.4']);
    expect(po1('-1234567890.1234567')).toEqual([]);
    expect(po1('1234567890.12345678E5')).toEqual(['element:5@3.4']);
  });

  test('composite components are checked with their position (IK4 with component)', () => {
    expect(run(['BEG*00*SA*1**20240102', 'PO1*1*1*EA', 'SV1*HCX', 'CTT*1']).found).toEqual([
      'element:5@4.1-1',
      'element:1@4.1-2',
    ]);
  });

  test('too many elements (IK4 3) and a syntax rule (R0203: REF02 or REF03, IK4 2)', () => {
    expect(run(['BEG*00*SA*1**20240102*EXTRA', 'REF*DP', 'PO1*1*1*EA', 'CTT*1']).found).toEqual([
      'element:3@2.6',
      'element:2@3.2',
    ]);
  });
});

describe('profile lookup', () => {
  test('a guide reference with no profile of its own is not validated against the base version', () => {
    expect(profiles.find('x12', '850', '004010', '004010VICS')).toBeDefined();
    expect(profiles.find('x12', '850', '004010', '004010X999')).toBeUndefined();
    expect(profiles.find('x12', '810', '004010')).toBeUndefined();
  });
});
