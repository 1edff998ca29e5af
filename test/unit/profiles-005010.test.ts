/**
 * The X12 005010 850, 810, 855 and 856 profiles, on documents that use what 005010 added (ST03, REF02 and
 * BAK08 up to 50 characters, N407, MTX in place of MSG, IN2, AT9 in a TD3 loop, DTM and a TXI loop in SAC,
 * TD303 up to 15). Before these profiles a 005010 set got envelope and syntax checks only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInProfiles } from '../../src/config/profiles';
import { buildAck } from '../../src/edi/ack/build';
import { allDiagnostics, type Interchange, type LoopNode } from '../../src/edi/model';
import { parseBuffer } from '../../src/edi/parse';
import { write } from '../../src/edi/write';

const fixture = (type: string) =>
  readFileSync(join(__dirname, '..', 'fixtures', 'profiles', 'x12-005010', `${type}.x12`), 'latin1');
const parse = (text: string): Interchange =>
  parseBuffer(Buffer.from(text, 'latin1'), { profiles: builtInProfiles().set }).interchanges[0];
const found = (ic: Interchange) =>
  allDiagnostics(ic).map((d) => `${d.location.segmentId}${d.location.element ?? ''} ${d.code} ${d.message}`);
const loops = (node: LoopNode, key: string) => node[key] as LoopNode[];
// The 355 check (src/edi/x12/unit-codes.ts) runs after the profile and names no loop, so its AK3 has no AK303.
/** The segment-level lines of an acknowledgement (AK3/AK4 or IK3/IK4, AK5/IK5). */
const detail = (ic: Interchange, kind: '997' | '999') =>
  write(buildAck(ic, kind, { controlNumber: 1, now: new Date('2026-01-02T03:04:00Z') }), { lineBreak: '\n' })
    .toString('latin1')
    .split('\n')
    .filter((s) => /^(AK3|AK4|AK5|IK3|IK4|IK5)\*/.test(s))
    .map((s) => s.replace(/~$/, ''));

describe('profiles: X12 005010 850, 810, 855, 856', () => {
  test.each([
    ['850', (t: LoopNode) => [loops(t, 'N9_loop')[0].MTX, loops(t, 'N1_loop')[0].IN2, loops(t, 'N1_loop')[0].N4]],
    ['810', (t: LoopNode) => [loops(loops(t, 'SAC_loop')[0], 'TXI_loop')[0].DTM, loops(t, 'N1_loop')[0].N4]],
    ['855', (t: LoopNode) => [loops(t, 'N9_loop')[0].MTX, t.BAK]],
    ['856', (t: LoopNode) => [loops(loops(t, 'HL_loop')[0], 'TD3_loop')[0].AT9]],
  ])('a 005010 %s is clean against the 005010 profile and read into its 005010 loops', (type, newPositions) => {
    const ic = parse(fixture(type));
    expect(found(ic)).toEqual([]);
    const tx = ic.groups[0].transactions[0];
    expect([tx.type, tx.version]).toEqual([type, '005010']);
    expect(tx.tree).toBeDefined();
    for (const position of newPositions(tx.tree!)) expect(position).toBeDefined();
  });

  test.each([
    ['860', (t: LoopNode) => [t.BCH, loops(t, 'POC_loop')[0].POC]],
    ['865', (t: LoopNode) => [loops(t, 'POC_loop')[0].POC]],
    ['846', (t: LoopNode) => [loops(t, 'LIN_loop')[0].LIN]],
    ['940', (t: LoopNode) => [loops(loops(loops(t, 'LX_loop')[0], 'W01_loop')[0], 'N1_loop')[0].N4, t.W05]],
    ['945', (t: LoopNode) => [loops(loops(loops(t, 'LX_loop')[0], 'W12_loop')[0], 'N1_loop')[0].N4]],
  ])('a 005010 %s is clean against the 005010 profile and read into its loops', (type, positions) => {
    const ic = parse(fixture(type));
    expect(found(ic)).toEqual([]);
    const tx = ic.groups[0].transactions[0];
    expect([tx.type, tx.version]).toEqual([type, '005010']);
    for (const position of positions(tx.tree!)) expect(position).toBeDefined();
  });

  test("a 940 item's party with its address is an N1 loop in 005010, out of sequence in 004010", () => {
    const as004010 = fixture('940')
      .replace('*X*005010~', '*X*004010~')
      .replace('*00501*', '*00401*')
      .replace('ST*940*0001*005010~', 'ST*940*0001~');
    expect(found(parse(as004010)).sort()).toEqual([
      expect.stringMatching(/^N4 7 segment N4 is not expected here/),
      expect.stringMatching(/^W058 3 W05 has 8 elements; the profile defines 7/),
    ]);
  });

  test('an 860 takes the codes 005010 added to 353 (57) and 670 (AA); 004010 refuses them, and an unknown code is located', () => {
    const added = fixture('860').replace('BCH*04*', 'BCH*57*').replace('POC*1*CA*', 'POC*1*AA*');
    expect(found(parse(added))).toEqual([]);
    const as004010 = added
      .replace('*X*005010~', '*X*004010~')
      .replace('*00501*', '*00401*')
      .replace('ST*860*0001*005010~', 'ST*860*0001~')
      .replace(/\*{3}PURCHASE-CONTRACT-NUMBER-LONGER-THAN-30~/, '~');
    expect(found(parse(as004010))).toEqual([
      expect.stringMatching(/^BCH1 7 BCH01 "57" is not a valid code/),
      expect.stringMatching(/^POC2 7 POC02 "AA" is not a valid code/),
    ]);
    const unknown = parse(fixture('860').replace('POC*1*CA*', 'POC*1*XX*'));
    expect(detail(unknown, '997')).toEqual(['AK3*POC*3*POC*8', 'AK4*2*670*7*XX', 'AK5*R*5']);
  });

  test('N407, the country subdivision 005010 added, is read into the tree', () => {
    const tree = parse(fixture('850')).groups[0].transactions[0].tree!;
    expect(loops(tree, 'N1_loop')[0].N4).toEqual([
      { N401: 'TORONTO', N402: 'ON', N403: 'M5V 2T6', N404: 'CA', N407: 'ON' },
    ]);
  });

  test('the same 850 sent as 004010 breaks the 004010 rules that 005010 relaxed', () => {
    const as004010 = fixture('850')
      .replace('*X*005010~', '*X*004010~')
      .replace('*00501*', '*00401*')
      .replace('ST*850*0001*005010~', 'ST*850*0001~');
    expect(found(parse(as004010)).sort()).toEqual([
      expect.stringMatching(/^IN2 6 segment IN2 is not part of 850 004010/),
      expect.stringMatching(/^MTX 7 segment MTX is not expected here/),
      expect.stringMatching(/^N47 3 N4 has 7 elements; the profile defines 6/),
      expect.stringMatching(/^REF2 5 REF02 .* is longer than 30/),
    ]);
  });

  const long51 = 'REFERENCE-THAT-IS-LONGER-THAN-FIFTY-CHARACTERS-01234';
  test.each([
    [
      '850',
      (x: string) =>
        x
          .replace('BEG*00*SA*PO-5010-1**', 'BEG*00*SA***')
          .replace('VENDOR-REFERENCE-LONGER-THAN-THIRTY-CHARS-1234', long51)
          .replace('PO1*2*4*CA*', 'PO1*2*4*XY*'),
      ['AK3*BEG*2**8', 'AK4*3*324*1', 'AK3*REF*4**8', `AK4*2*127*5*${long51}`, 'AK3*PO1*19**8', 'AK4*3*355*7*XY'],
    ],
    [
      '810',
      (x: string) =>
        x
          .replace('BIG*20240201*INV-5010-1*', 'BIG*20240201**')
          .replace('IT1*1*10*EA*', 'IT1*1*1234567890123456*EA*')
          .replace('IT1*2*4*CA*', 'IT1*2*4*XY*'),
      [
        'AK3*BIG*2**8',
        'AK4*2*76*1',
        'AK3*IT1*9*IT1*8',
        'AK4*2*358*5*1234567890123456',
        'AK3*IT1*11**8',
        'AK4*3*355*7*XY',
      ],
    ],
    [
      '855',
      (x: string) =>
        x
          .replace('BAK*00*AD*PO-5010-1*', 'BAK*00*AD**')
          .replace('VENDOR-REFERENCE-LONGER-THAN-THIRTY-CHARS-1234', long51)
          .replace('ACK*IB*4*CA~', 'ACK*IB*4*XY~'),
      ['AK3*BAK*2**8', 'AK4*3*324*1', `AK4*8*127*5*${long51}`, 'AK3*ACK*10**8', 'AK4*3*355*7*XY'],
    ],
    [
      '856',
      (x: string) =>
        x
          .replace('BSN*00*SHIP-5010-1*', 'BSN*00**')
          .replace('TD3*TL**TRAILER12345678~', 'TD3*TL**TRAILER123456789~')
          .replace('SN1**10*EA~', 'SN1**10*XY~'),
      [
        'AK3*BSN*2**8',
        'AK4*2*396*1',
        'AK3*TD3*6*TD3*8',
        'AK4*3*207*5*TRAILER123456789',
        'AK3*SN1*17**8',
        'AK4*3*355*7*XY',
      ],
    ],
  ])(
    'a bad 005010 %s (missing mandatory element, too long, unknown unit) gets each error located in its 997 and 999',
    (type, spoil, ak) => {
      const bad = spoil(fixture(type));
      expect(bad).not.toBe(fixture(type));
      const ic = parse(bad);
      const ack997 = detail(ic, '997');
      expect(ack997).toEqual([...ak, 'AK5*R*5']);
      const ack999 = detail(ic, '999');
      expect(ack999).toEqual([...ak.map((s) => s.replace(/^AK3/, 'IK3').replace(/^AK4/, 'IK4')), 'IK5*R*I5']);
    },
  );
});
