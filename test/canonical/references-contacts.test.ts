/**
 * References, contacts and additional names of more qualifiers (issue 14 §2): REF PS/PR/PW/ZZ ⇄ RFF PS/PR/PW/ZZZ and the
 * PER functions and channels EDIFACT has a code of the same meaning for travel X12 ⇄ canonical ⇄ EDIFACT
 * and back, clean for the target's profile, with nothing for the loss check to say. A reference with no
 * counterpart (X12 DP, department number: D96A has no code for it) stays a reported loss. X12 N2 names
 * travel as the NAD name lines after the party's name.
 */
import type { Standard, Transaction } from '../../src/edi/model';
import { type DocumentKind, invoice, purchaseOrder } from '../../src/canonical';
import { edifactSet as edifact, lossKeys as losses, x12Set as x12, via, expectClean, roundTripVia } from './support';

/** Through the other standard and back: clean both ways, and the same document. */
const roundTrip = <D>(kind: DocumentKind<D>, from: Standard, doc: D) => roundTripVia(kind, from, doc, doc);

/** The segments of a tag as text, elements joined by + and components by : (no repeats in these). */
const values = (tx: Transaction, tag: string) =>
  tx.segments
    .filter((s) => s.id === tag)
    .map((s) => s.elements.map((e) => (Array.isArray(e) ? e.join(':') : typeof e === 'string' ? e : '')).join('+'));

describe('references and contacts: an X12 850 with REF PS, PR, PW, ZZ and PERs of more functions', () => {
  const tx = () =>
    x12('PO', '850', [
      'BEG*00*SA*PO-9**20240301',
      'REF*PS*R',
      'REF*PR*Q-2024-17',
      'REF*PW*PO-8',
      'REF*ZZ*ROUTE 66',
      'N1*BY*Buyer Inc*92*B1',
      'PER*AP*Pay Desk*TE*5550111',
      'PER*AD*Ann Ledger*TE*5550100*EX*214',
      'PER*DC*Dock Desk*EM*dock@example.com',
      'PER*EX*Ed Speed*FX*5550199',
      'PO1*1*12*EA*9.5**BP*A-1',
      'CTT*1',
    ]);

  test('reads them under their canonical names', () => {
    const po = purchaseOrder.x12.read(tx());
    expect(po.references).toEqual([
      { qualifier: 'purchase-order-suffix', value: 'R' },
      { qualifier: 'price-quote', value: 'Q-2024-17' },
      { qualifier: 'prior-purchase-order', value: 'PO-8' },
      { qualifier: 'mutually-defined', value: 'ROUTE 66' },
    ]);
    expect(po.parties[0].contacts).toEqual([
      {
        function: 'accounts-payable',
        name: 'Pay Desk',
        communications: [{ channel: 'phone', value: '5550111' }],
      },
      {
        function: 'accounting',
        name: 'Ann Ledger',
        communications: [
          { channel: 'phone', value: '5550100' },
          { channel: 'extension', value: '214' },
        ],
      },
      { function: 'delivery', name: 'Dock Desk', communications: [{ channel: 'email', value: 'dock@example.com' }] },
      { function: 'expeditor', name: 'Ed Speed', communications: [{ channel: 'fax', value: '5550199' }] },
    ]);
  });

  test('the ORDERS carries them as RFF PS/PR/PW/ZZZ, CTA AD/DL/EX/AP and COM EX, and the 850 comes back the same', () => {
    const po = purchaseOrder.x12.read(tx());
    const { there, back } = roundTrip(purchaseOrder, 'x12', po);
    expect(values(there, 'RFF')).toEqual(expect.arrayContaining(['PS:R', 'PR:Q-2024-17', 'PW:PO-8', 'ZZZ:ROUTE 66']));
    expect(values(there, 'CTA')).toEqual(['AP+:Pay Desk', 'AD+:Ann Ledger', 'DL+:Dock Desk', 'EX+:Ed Speed']);
    expect(values(there, 'COM')).toEqual(expect.arrayContaining(['214:EX']));
    expect(back).toEqual(po);
  });

  test('the loss check has nothing to say of them', async () => {
    expect(await losses(purchaseOrder, 'x12', tx())).toEqual([]);
  });

  test('REF DP (department number) has no D96A code: it stays a reported loss, never another code', async () => {
    const withDp = x12('PO', '850', [
      'BEG*00*SA*PO-9**20240301',
      'REF*DP*038',
      'N1*BY*Buyer Inc*92*B1',
      'PO1*1*12*EA*9.5**BP*A-1',
      'CTT*1',
    ]);
    expect(await losses(purchaseOrder, 'x12', withDp)).toEqual(['REF DP']);
  });
});

describe('references and contacts: an EDIFACT INVOIC with RFF PS and ZZZ and CTAs of more functions', () => {
  const tx = () =>
    edifact('INVOIC', [
      'BGM+380+INV-1+9',
      'DTM+137:20240301:102',
      'RFF+PS:R',
      'RFF+ZZZ:ROUTE 66',
      'NAD+SU+5400000000001::9++Seller Ltd',
      'CTA+AR+:Rita Receivable',
      'COM+5550122:TE',
      'COM+7:EX',
      'CTA+DL+:Dock Desk',
      'COM+dock@example.com:EM',
      'CTA+WH+:Stock Room',
      'LIN+1++4000862141404:EN',
      'QTY+47:2',
      'PRI+AAA:10',
      'UNS+S',
      'MOA+77:20',
    ]);

  test('reads them under their canonical names', () => {
    const inv = invoice.edifact.read(tx());
    expect(inv.references).toEqual(
      expect.arrayContaining([
        { qualifier: 'purchase-order-suffix', value: 'R' },
        { qualifier: 'mutually-defined', value: 'ROUTE 66' },
      ]),
    );
    expect(inv.parties[0].contacts).toEqual([
      {
        function: 'accounts-receivable',
        name: 'Rita Receivable',
        communications: [
          { channel: 'phone', value: '5550122' },
          { channel: 'extension', value: '7' },
        ],
      },
      { function: 'delivery', name: 'Dock Desk', communications: [{ channel: 'email', value: 'dock@example.com' }] },
      { function: 'warehouse', name: 'Stock Room' },
    ]);
  });

  test('the 810 carries them as REF PS/ZZ and PER AR/DC/WH with EX, and the INVOIC comes back the same', () => {
    const inv = invoice.edifact.read(tx());
    const { there, back } = roundTrip(invoice, 'edifact', inv);
    expect(values(there, 'REF')).toEqual(expect.arrayContaining(['PS+R', 'ZZ+ROUTE 66']));
    expect(values(there, 'PER')).toEqual(
      expect.arrayContaining([
        'AR+Rita Receivable+TE+5550122+EX+7',
        'DC+Dock Desk+EM+dock@example.com',
        'WH+Stock Room',
      ]),
    );
    expect(back).toEqual(inv);
  });

  test('the loss check has nothing to say of them', async () => {
    expect(await losses(invoice, 'edifact', tx())).toEqual([]);
  });
});

describe('additional names: X12 N2 ⇄ the NAD name lines after the name', () => {
  const x12Order = (n1: string, n2: string[]) =>
    x12('PO', '850', [
      'BEG*00*SA*PO-9**20240301',
      n1,
      ...n2,
      'N3*2000 JET BLVD',
      'N4*FIGHTER TOWN*CA*98898',
      'PO1*1*25*EA*36**BP*XYZ-1234',
      'CTT*1',
    ]);

  test('an N1 with two N2s: the ORDERS has them as name lines, and the 850 comes back the same', async () => {
    const tx = x12Order('N1*BY*ABC AEROSPACE*92*B1', ['N2*AIRCRAFT DIVISION*PURCHASING', 'N2*BLDG 4']);
    const po = purchaseOrder.x12.read(tx);
    expect(po.parties[0]).toMatchObject({
      name: 'ABC AEROSPACE',
      additionalNames: ['AIRCRAFT DIVISION', 'PURCHASING', 'BLDG 4'],
    });
    const { there, back } = roundTrip(purchaseOrder, 'x12', po);
    expect(values(there, 'NAD')[0]).toBe(
      'BY+B1::92++ABC AEROSPACE:AIRCRAFT DIVISION:PURCHASING:BLDG 4+2000 JET BLVD+FIGHTER TOWN+CA+98898',
    );
    expect(back).toEqual(po);
    expect(await losses(purchaseOrder, 'x12', tx)).toEqual([]);
  });

  test('a name and further names longer than a line: each in full lines, read back whole', () => {
    const name = 'INTERGALACTIC AEROSPACE MANUFACTURING CORP'; // 42 characters: two lines
    const division = 'ADVANCED PROPULSION AND AIRCRAFT SYSTEMS DIVISION'; // 49: two lines
    const po = purchaseOrder.x12.read(x12Order(`N1*BY*${name}*92*B1`, [`N2*${division}*EAST`]));
    const { there, back } = roundTrip(purchaseOrder, 'x12', po);
    const nad = there.segments.find((s) => s.id === 'NAD');
    expect(nad?.elements[3]).toEqual([
      name.slice(0, 35),
      name.slice(35),
      division.slice(0, 35),
      division.slice(35),
      'EAST',
    ]);
    expect(back.parties[0]).toMatchObject({ name, additionalNames: [division, 'EAST'] });
  });

  test('after a name of exactly 35 characters an N2 cannot be told from the name: it is reported, not merged', async () => {
    const name = 'A'.repeat(35);
    const tx = x12Order(`N1*BY*${name}*92*B1`, ['N2*AIRCRAFT DIVISION']);
    const po = purchaseOrder.x12.read(tx);
    const there = via(purchaseOrder, 'edifact', po);
    expectClean(there.ic);
    expect(there.doc.parties[0].name).toBe(name);
    expect(there.doc.parties[0].additionalNames).toBeUndefined();
    expect(await losses(purchaseOrder, 'x12', tx)).toEqual(['N2']);
  });

  test('an ORDERS NAD with two name lines: the second is an additional name, an N2 in the 850', async () => {
    const tx = edifact('ORDERS', [
      'BGM+220+PO-1+9',
      'DTM+137:20240301:102',
      'NAD+BY+5400000000001::9++ACME GMBH:EINKAUF+HAUPTSTR. 1+KOELN++50667+DE',
      'LIN+1++4000862141404:EN',
      'QTY+21:2',
      'UNS+S',
    ]);
    const po = purchaseOrder.edifact.read(tx);
    expect(po.parties[0]).toMatchObject({ name: 'ACME GMBH', additionalNames: ['EINKAUF'] });
    const { there, back } = roundTrip(purchaseOrder, 'edifact', po);
    expect(values(there, 'N2')).toEqual(['EINKAUF']);
    expect(back).toEqual(po);
    expect(await losses(purchaseOrder, 'edifact', tx)).toEqual([]);
  });
});

describe('pack weights and dimensions: X12 PO4 ⇄ the MEA of the line PAC group', () => {
  const x12Order = (po4: string) =>
    x12('PO', '850', ['BEG*00*SA*PO-9**20240301', 'N1*BY*Buyer Inc*92*B1', 'PO1*1*12*EA*9.5**BP*A-1', po4, 'CTT*1']);

  test('PO4 with a gross weight and three dimensions: PAC, MEA AAE G and MEA PD LN/WD/HT, and back the same', async () => {
    const tx = x12Order('PO4*6***CTN*G*12.5*LB***40*30*20*CM');
    const po = purchaseOrder.x12.read(tx);
    expect(po.lines[0].packaging).toEqual([
      {
        pack: 6,
        packageType: 'carton',
        weight: 12.5,
        weightKind: 'gross',
        weightUnit: 'LBR',
        length: 40,
        width: 30,
        height: 20,
        dimensionUnit: 'CMT',
      },
    ]);
    const { there, back } = roundTrip(purchaseOrder, 'x12', po);
    expect(values(there, 'MEA')).toEqual(['AAE+G+LBR:12.5', 'PD+LN+CMT:40', 'PD+WD+CMT:30', 'PD+HT+CMT:20']);
    expect(back).toEqual(po);
    expect(await losses(purchaseOrder, 'x12', tx)).toEqual([]);
  });

  test('a weight per pack with no qualifier travels without one; the volume (PO408/409) stays a reported loss', async () => {
    const tx = x12Order('PO4*4***PLT**3*LB*15*CF');
    const po = purchaseOrder.x12.read(tx);
    expect(po.lines[0].packaging?.[0]).toMatchObject({ weight: 3, weightUnit: 'LBR' });
    expect(po.lines[0].packaging?.[0].weightKind).toBeUndefined();
    const { there, back } = roundTrip(purchaseOrder, 'x12', po);
    expect(values(there, 'MEA')).toEqual(['AAE++LBR:3']);
    expect(back).toEqual(po);
    expect((await losses(purchaseOrder, 'x12', tx)).sort()).toEqual(['PO4:8', 'PO4:9']);
  });

  test('an ORDERS PAC group with MEA AAE N and PD dimensions: PO405-PO413 in the 850, and back the same', async () => {
    const tx = edifact('ORDERS', [
      'BGM+220+PO-1+9',
      'DTM+137:20240301:102',
      'NAD+BY+5400000000001::9',
      'LIN+1++4000862141404:EN',
      'QTY+21:2',
      'PAC+++CT',
      'MEA+AAE+N+KGM:4.2',
      'MEA+PD+LN+CMT:40',
      'MEA+PD+HT+CMT:20',
      'QTY+52:6',
      'UNS+S',
    ]);
    const po = purchaseOrder.edifact.read(tx);
    expect(po.lines[0].packaging).toEqual([
      {
        pack: 6,
        packageType: 'carton',
        weight: 4.2,
        weightKind: 'net',
        weightUnit: 'KGM',
        length: 40,
        height: 20,
        dimensionUnit: 'CMT',
      },
    ]);
    const { there, back } = roundTrip(purchaseOrder, 'edifact', po);
    expect(values(there, 'PO4')).toEqual(['6+++CTN+N+4.2+KG+++40++20+CM']);
    expect(back).toEqual(po);
    expect(await losses(purchaseOrder, 'edifact', tx)).toEqual([]);
  });
});
