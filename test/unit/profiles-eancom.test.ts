/**
 * The EANCOM 2002 subsets of D.01B ORDERS, DESADV, INVOIC and ORDRSP, chosen by the UNH association
 * code (S009 0057): what EANCOM leaves out is flagged, codes outside its lists are refused, GLNs and
 * GTINs carry a valid GS1 check digit, and a D.01B message without an association code is still
 * checked against plain D.01B. Samples written for these tests, after the GS1 pages' examples.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInProfiles } from '../../src/config/profiles';
import { buildContrl } from '../../src/edi/edifact/ack-contrl';
import { allDiagnostics, type Interchange, type LoopNode } from '../../src/edi/model';
import { parseBuffer } from '../../src/edi/parse';
import { gs1CheckDigitValid } from '../../src/edi/gs1';

const profiles = builtInProfiles().set;
const sample = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'profiles', 'eancom', name), 'latin1');
const parse = (text: string): Interchange => parseBuffer(Buffer.from(text, 'latin1'), { profiles }).interchanges[0];
const found = (ic: Interchange) =>
  allDiagnostics(ic).map(
    (d) =>
      `${d.location.segment} ${d.location.segmentId}${d.location.element ?? ''}` +
      `${d.location.component !== undefined ? `-${d.location.component}` : ''} ${d.code} ${d.message}`,
  );
/** The UCM and UCS/UCD rows of the CONTRL our gateway would send back. */
const contrl = (ic: Interchange) =>
  buildContrl(ic, { now: new Date('2024-03-05T10:00:00Z') })
    .groups[0].transactions[0].segments.filter((s) => ['UCM', 'UCS', 'UCD'].includes(s.id))
    .map((s) => [s.id, ...s.elements]);
/** Replaces one segment of a sample, keeping UNT's count right (one segment for one). */
const edit = (text: string, from: string, to: string) => {
  expect(text).toContain(from);
  return text.replace(from, to);
};
/** Inserts a segment after another and raises the UNT count of that message by one. */
const insertAfter = (text: string, after: string, seg: string) => {
  const at = text.indexOf(after);
  expect(at).toBeGreaterThanOrEqual(0);
  const rest = text.slice(at + after.length).replace(/UNT\+(\d+)\+/, (_, n: string) => `UNT+${Number(n) + 1}+`);
  return text.slice(0, at + after.length) + seg + rest;
};

describe('profiles: EANCOM 2002 subsets chosen by the UNH association code', () => {
  test('a realistic EANCOM ORDERS (EAN010) validates clean against the EAN010 subset', () => {
    const ic = parse(sample('orders-ean010.edi'));
    expect(found(ic)).toEqual([]);
    const tx = ic.groups[0].transactions[0];
    expect(tx).toMatchObject({ type: 'ORDERS', version: 'D01B', implementation: 'EAN010' });
    expect(profiles.find('edifact', 'ORDERS', 'D01B', 'EAN010')?.profile.implementation).toBe('EAN010');
    // The subset keeps D.01B's loop ids, so maps written for D.01B read the same keys.
    const line = (tx.tree!.SG28_loop as LoopNode[])[0];
    expect((line.SG37_loop as LoopNode[]).length).toBe(2);
  });

  test('DESADV (EAN007), INVOIC (EAN011) and ORDRSP (EAN009) validate clean against their subsets', () => {
    const ic = parse(sample('desadv-invoic-ordrsp.edi'));
    expect(found(ic)).toEqual([]);
    const txs = ic.groups[0].transactions;
    expect(txs.map((t) => [t.type, t.implementation])).toEqual([
      ['DESADV', 'EAN007'],
      ['INVOIC', 'EAN011'],
      ['ORDRSP', 'EAN009'],
    ]);
    for (const t of txs)
      expect(profiles.find('edifact', t.type, 'D01B', t.implementation)?.profile.implementation).toBe(t.implementation);
  });

  test.each([
    ['DESADV', 'EAN008', 'EAN007'],
    ['INVOIC', 'EAN010', 'EAN011'],
    ['ORDRSP', 'EAN008', 'EAN009'],
  ])('%s sent as %s (a neighbouring subset version) is checked against the %s profile', (type, sent, main) => {
    expect(profiles.find('edifact', type, 'D01B', sent)?.profile.implementation).toBe(main);
  });

  test('an association code of another directory does not pick a D.01B subset: D96A DESADV EAN008 gets D96A', () => {
    const cp = profiles.find('edifact', 'DESADV', 'D96A', 'EAN008');
    expect(cp?.profile.version).toBe('D96A');
    expect(cp?.profile.implementation).toBeUndefined();
  });

  test('a segment EANCOM does not use is flagged where it stands, and CONTRL rejects the message', () => {
    const text = insertAfter(sample('orders-ean010.edi'), "DTM+2:20240312:102'\n", "IMD+F++:::SPRING CAMPAIGN'\n");
    const ic = parse(text);
    expect(found(ic)).toEqual(['5 IMD 15 segment IMD is marked not used here']);
    expect(contrl(ic)).toEqual([
      ['UCM', '1', ['ORDERS', 'D', '01B', 'UN', 'EAN010'], '4'],
      ['UCS', '5', '15'],
    ]);
  });

  test('a segment group EANCOM does not use is flagged at its first segment (ORDRSP line SG28 PAT)', () => {
    const text = insertAfter(sample('desadv-invoic-ordrsp.edi'), "QTY+21:48'\n", "PAT+1++5:3:D:30'\n");
    expect(found(parse(text))).toEqual(['10 PAT 15 loop SG28 is marked not used here']);
  });

  test('a code outside the EANCOM list is refused with its position: LIN item type EN where EANCOM has SRV', () => {
    const ic = parse(edit(sample('orders-ean010.edi'), "LIN+2++5412345111115:SRV'", "LIN+2++5412345111115:EN'"));
    expect(found(ic)).toEqual(['28 LIN3-2 12 LIN03-02 "EN" is not a valid code here']);
    expect(contrl(ic)).toEqual([
      ['UCM', '1', ['ORDERS', 'D', '01B', 'UN', 'EAN010'], '4'],
      ['UCS', '28'],
      ['UCD', '12', ['3', '2']],
    ]);
  });

  test.each([
    [
      'ORDERS BGM document name 105 (D.01B, not EANCOM)',
      'orders-ean010.edi',
      "BGM+220+PO-88213+9'",
      "BGM+105+PO-88213+9'",
      '2 BGM1-1 12 BGM01-01 "105"',
    ],
    [
      'ORDERS BGM message function 4 (a change is ORDCHG)',
      'orders-ean010.edi',
      "BGM+220+PO-88213+9'",
      "BGM+220+PO-88213+4'",
      '2 BGM3 12 BGM03 "4"',
    ],
    [
      'INVOIC BGM document name 71 (D.01B, not EANCOM)',
      'desadv-invoic-ordrsp.edi',
      "BGM+380+INV-30077+9'",
      "BGM+71+INV-30077+9'",
      '2 BGM1-1 12 BGM01-01 "71"',
    ],
    [
      'ORDRSP line QTY qualifier 46 (D.01B, not in the EANCOM line list)',
      'desadv-invoic-ordrsp.edi',
      "QTY+21:10'",
      "QTY+46:10'",
      '11 QTY1-1 12 QTY01-01 "46"',
    ],
    [
      'ORDRSP heading DTM qualifier 3, an invoice date (D.01B, not in the EANCOM heading list)',
      'desadv-invoic-ordrsp.edi',
      "BGM+231+RSP-1205+4'\nDTM+137:20240306:102'",
      "BGM+231+RSP-1205+4'\nDTM+3:20240306:102'",
      '3 DTM1-1 12 DTM01-01 "3"',
    ],
    [
      'ORDRSP SG1 reference qualifier DQ, a delivery note (D.01B, not in the EANCOM SG1 list)',
      'desadv-invoic-ordrsp.edi',
      "DTM+137:20240306:102'\nRFF+ON:PO-88213'",
      "DTM+137:20240306:102'\nRFF+DQ:PO-88213'",
      '4 RFF1-1 12 RFF01-01 "DQ"',
    ],
    [
      'ORDRSP party qualifier SE, the seller (D.01B, not in the EANCOM SG3 list)',
      'desadv-invoic-ordrsp.edi',
      "NAD+SU+4012345000009::9'\nLIN+1",
      "NAD+SE+4012345000009::9'\nLIN+1",
      '7 NAD1 12 NAD01 "SE"',
    ],
    [
      'ORDRSP line action 6, accepted with amendment (D.01B, not in the EANCOM list, which says 3 for a change)',
      'desadv-invoic-ordrsp.edi',
      "LIN+1+5+4000862141404:SRV'",
      "LIN+1+6+4000862141404:SRV'",
      '8 LIN2 12 LIN02 "6"',
    ],
    [
      'NAD code list agency 92 where EANCOM has 9 (GS1)',
      'orders-ean010.edi',
      "NAD+DP+5412345000020::9'",
      "NAD+DP+5412345000020::92'",
      '13 NAD2-3 12 NAD02-03 "92"',
    ],
  ])('a code outside the EANCOM list is refused: %s', (_, file, from, to, where) => {
    expect(found(parse(edit(sample(file), from, to)))).toEqual([`${where} is not a valid code here`]);
  });

  test('a GLN with a wrong check digit is refused with its position, and CONTRL rejects the message', () => {
    const ic = parse(edit(sample('orders-ean010.edi'), "NAD+SU+4012345000009::9'", "NAD+SU+4012345000008::9'"));
    expect(found(ic)).toEqual(['12 NAD2-1 12 NAD02-01 "4012345000008" does not end in a valid GS1 check digit']);
    expect(contrl(ic)).toEqual([
      ['UCM', '1', ['ORDERS', 'D', '01B', 'UN', 'EAN010'], '4'],
      ['UCS', '12'],
      ['UCD', '12', ['2', '1']],
    ]);
  });

  test('a GTIN with a wrong check digit is refused in the DESADV line', () => {
    const ic = parse(
      edit(
        sample('desadv-invoic-ordrsp.edi'),
        "LIN+1++4000862141404:SRV'\nQTY+12",
        "LIN+1++4000862141405:SRV'\nQTY+12",
      ),
    );
    expect(found(ic)).toEqual(['14 LIN3-1 12 LIN03-01 "4000862141405" does not end in a valid GS1 check digit']);
  });

  test('a D.01B ORDERS without an association code is checked against plain D.01B, where these are allowed', () => {
    let text = sample('orders-ean010.edi').replace('ORDERS:D:01B:UN:EAN010', 'ORDERS:D:01B:UN');
    text = insertAfter(text, "DTM+2:20240312:102'\n", "IMD+F++:::SPRING CAMPAIGN'\n");
    text = edit(text, "LIN+2++5412345111115:SRV'", "LIN+2++5412345111115:EN'");
    text = edit(text, "NAD+SU+4012345000009::9'", "NAD+SU+4012345000008::9'");
    const ic = parse(text);
    const tx = ic.groups[0].transactions[0];
    expect(tx.implementation).toBeUndefined();
    expect(found(ic)).toEqual([]);
    // Plain D.01B still checks what D.01B says: a segment out of place is flagged.
    expect(found(parse(insertAfter(text, "UNS+S'\n", "LIN+3++5412345111115:EN'\n")))).toEqual([
      expect.stringMatching(/^33 LIN 15 /),
    ]);
  });
});

describe('GS1 check digit', () => {
  test.each([
    ['4000862141404', true],
    ['5412345000013', true],
    ['96385074', true],
    ['036000291452', true],
    ['10036000291459', true],
    ['354123450000000014', true],
    ['5412345000014', false],
    ['4000862141405', false],
    ['541234500001X', false],
    ['7', false],
  ])('%s: %s', (value, valid) => {
    expect(gs1CheckDigitValid(value)).toBe(valid);
  });
});
