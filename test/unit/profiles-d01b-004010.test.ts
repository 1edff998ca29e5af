/**
 * The D.01B ORDERS, DESADV, INVOIC and ORDRSP profiles and the 004010 860, 865, 940, 945 and 846
 * profiles, on documents as partners send them (EANCOM messages carry their association code in UNH).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInProfiles } from '../../src/config/profiles';
import { allDiagnostics, type Interchange, type LoopNode } from '../../src/edi/model';
import { parseBuffer } from '../../src/edi/parse';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'profiles', name));
const parse = (bytes: Buffer): Interchange => parseBuffer(bytes, { profiles: builtInProfiles().set }).interchanges[0];
const found = (ic: Interchange) =>
  allDiagnostics(ic).map((d) => `${d.location.segmentId}${d.location.element ?? ''} ${d.code} ${d.message}`);

describe('profiles: EDIFACT D.01B and EANCOM messages', () => {
  test('an EANCOM D01B ORDERS (EAN010) is checked against its EANCOM subset of D01B ORDERS and is clean', () => {
    const ic = parse(fixture('eancom-orders-d01b.edi'));
    expect(found(ic)).toEqual([]);
    const tx = ic.groups[0].transactions[0];
    expect(tx).toMatchObject({ type: 'ORDERS', version: 'D01B', implementation: 'EAN010' });
    const tree = tx.tree!;
    expect((tree.SG2_loop as LoopNode[]).map((n) => (n.NAD as { NAD01: string }).NAD01)).toEqual(['BY', 'SU', 'DP']);
    expect(tree.SG28_loop as LoopNode[]).toHaveLength(1);
  });

  test('an unescaped ":" in IMD free text is flagged (too many components, language code too long)', () => {
    const text = fixture('eancom-orders-d01b.edi')
      .toString('latin1')
      .replace("IMD+F++:::COTTON SHIRT BLUE'", "IMD+F++:::COTTON: BLUE: SIZE L: LONG SLEEVE'");
    const ic = parse(Buffer.from(text, 'latin1'));
    expect(
      allDiagnostics(ic).map((d) => [d.location.segmentId, d.location.element, d.location.component, d.code]),
    ).toEqual([
      ['IMD', 3, 7, '16'],
      ['IMD', 3, 6, '39'],
    ]);
  });

  test('D01B DESADV, INVOIC and ORDRSP (EANCOM association codes, subset or plain D01B) are clean and get their trees', () => {
    const ic = parse(fixture('eancom-desadv-invoic-ordrsp-d01b.edi'));
    expect(found(ic)).toEqual([]);
    const txs = ic.groups[0].transactions;
    expect(txs.map((t) => [t.type, t.version, t.implementation, t.tree !== undefined])).toEqual([
      ['DESADV', 'D01B', 'EAN007', true],
      ['INVOIC', 'D01B', 'EAN010', true],
      ['ORDRSP', 'D01B', 'EAN007', true],
    ]);
  });

  test('an EANCOM DESADV (EAN007) takes only the despatch advice types of its subset in BGM 1001', () => {
    const text = fixture('eancom-desadv-invoic-ordrsp-d01b.edi').toString('latin1');
    expect(text).toContain("BGM+351+DES-1+9'");
    const ic = parse(Buffer.from(text.replace("BGM+351+DES-1+9'", "BGM+220+DES-1+9'"), 'latin1'));
    expect(
      allDiagnostics(ic).map((d) => [
        d.location.transaction,
        d.location.segmentId,
        d.location.element,
        d.location.component,
        d.code,
      ]),
    ).toEqual([['1', 'BGM', 1, 1, '12']]);
    expect(found(parse(Buffer.from(text.replace("BGM+351+DES-1+9'", "BGM+YA7+DES-1+9'"), 'latin1')))).toEqual([]);
  });

  test('a D01B message breaks the D01B rules, not D96A ones: BGM without DTM is a missing mandatory segment', () => {
    const text = fixture('eancom-orders-d01b.edi')
      .toString('latin1')
      .replace(/DTM\+137:20240102:102'\n/, '')
      .replace(/DTM\+2:20240110:102'\n/, '')
      .replace('UNT+18+', 'UNT+16+');
    expect(found(parse(Buffer.from(text, 'latin1')))).toEqual([expect.stringMatching(/^DTM 13 /)]);
  });
});

describe('profiles: X12 004010 860, 865, 940, 945, 846', () => {
  test.each([
    ['940', 'LX_loop', 'W01_loop'],
    ['945', 'LX_loop', 'W12_loop'],
    ['846', 'LIN_loop', 'QTY_loop'],
    ['860', 'POC_loop', 'POC'],
    ['865', 'POC_loop', 'ACK_loop'],
  ])('a %s is clean and read into its loops (%s → %s)', (type, loop, inner) => {
    const ic = parse(fixture(`${type}.x12`));
    expect(found(ic)).toEqual([]);
    const tx = ic.groups[0].transactions[0];
    expect(tx.type).toBe(type);
    const first = (tx.tree![loop] as LoopNode[])[0];
    expect(first[inner]).toBeDefined();
  });

  test('key qualifiers carry their 004010 code lists: BCH01 (353) and POC02 (670) of an 860', () => {
    const text = fixture('860.x12').toString('latin1').replace('BCH*04*', 'BCH*99*').replace('POC*1*CA*', 'POC*1*XX*');
    expect(found(parse(Buffer.from(text, 'latin1')))).toEqual([
      expect.stringMatching(/^BCH1 7 BCH01 "99" is not a valid code/),
      expect.stringMatching(/^POC2 7 POC02 "XX" is not a valid code/),
    ]);
  });

  test('a 940 without its W05 is missing a mandatory segment (AK304 3)', () => {
    const text = fixture('940.x12')
      .toString('latin1')
      .replace(/W05\*[^~]*~\n/, '')
      .replace('SE*12*', 'SE*11*');
    expect(found(parse(Buffer.from(text, 'latin1')))).toEqual([
      expect.stringMatching(/^W05 3 required segment W05 is missing/),
    ]);
  });
});
