/**
 * Header-level business data (issue 14 §2): allowances and charges, qualified notes, taxes, carriers and
 * packaging travel X12 ⇄ canonical ⇄ EDIFACT, come back as sent, are written clean for the target's
 * profile, and the loss check has nothing to say of them.
 */
import type { Standard } from '../../src/edi/model';
import {
  type DocumentKind,
  checkDocument,
  invoice,
  orderResponse,
  purchaseOrder,
  shipNotice,
} from '../../src/canonical';
import fc from 'fast-check';
import {
  chargeCodes,
  chargeHandling,
  equipmentTypes,
  noteQualifiers,
  packageTypes,
  taxTypes,
  transportModes,
  carrierIdAgencies,
} from '../../src/canonical/code-lists';
import type { PurchaseOrder } from '../../src/canonical';
import {
  code,
  defined,
  expectRoundTrip,
  isoDay,
  money,
  optional,
  text,
  unit,
  edifactSet as edifact,
  lossKeys as losses,
  x12Set as x12,
  via,
  portable,
  roundTripVia,
} from './support';

/** Through the other standard and back: clean both ways, and the document as portable() says. */
const roundTrip = <D>(kind: DocumentKind<D>, from: Standard, doc: D): D => roundTripVia(kind, from, doc).back;

describe('header data: an X12 850 with SAC, TXI, TD1, TD5 and qualified N9 notes', () => {
  const tx = () =>
    x12('PO', '850', [
      'BEG*00*SA*PO-9**20240301',
      'SAC*A*F800***1250*******02*PROMO-7**Spring promotion',
      'SAC*C*D240***4500',
      'DTM*002*20240315',
      'TD1*CTN*12****G*96.5*LB',
      'TD5**2*ABCD*M*SEE ROUTING GUIDE',
      'TD3*TL**53001',
      'TXI*ST*7.25*6.25',
      'N9*L1*NOTE',
      'MSG*Ring the bell at dock 4',
      'N9*L1*DEL',
      'MSG*Deliver before noon',
      'N1*BY*Buyer Inc*92*B1',
      'PO1*1*12*EA*9.5**BP*A-1',
      'SAC*A*C310***300**********Line discount',
      'MSG*Pack in twos',
      'TXI*VA*1.14',
      'CTT*1',
    ]);

  test('reads every value into the PurchaseOrder', () => {
    const po = purchaseOrder.x12.read(tx());
    expect(po.charges).toEqual([
      {
        indicator: 'allowance',
        code: 'promotion',
        amount: 12.5,
        handling: 'off-invoice',
        reference: 'PROMO-7',
        description: 'Spring promotion',
      },
      { indicator: 'charge', code: 'freight', amount: 45 },
    ]);
    expect(po.packaging).toEqual([{ type: 'carton', count: 12, weight: 96.5, weightKind: 'gross', weightUnit: 'LBR' }]);
    expect(po.carriers).toEqual([{ mode: 'road', id: 'ABCD', idQualifier: 'scac', routing: 'SEE ROUTING GUIDE' }]);
    expect(po.taxes).toEqual([{ type: 'state-sales', amount: 7.25, percent: 6.25 }]);
    expect(po.equipment).toEqual([{ type: 'trailer', id: '53001' }]);
    expect(po.notes).toEqual(['Ring the bell at dock 4', { qualifier: 'delivery', text: 'Deliver before noon' }]);
    expect(po.lines[0].charges).toEqual([
      { indicator: 'allowance', code: 'discount', amount: 3, description: 'Line discount' },
    ]);
    expect(po.lines[0].taxes).toEqual([{ type: 'vat', amount: 1.14 }]);
    expect(po.lines[0].notes).toEqual(['Pack in twos']);
  });

  test('the ORDERS carries them (ALC, TAX, TDT, PAC/MEA, FTX DEL) and the 850 written back has them again', () => {
    const po = purchaseOrder.x12.read(tx());
    const orders = via(purchaseOrder, 'edifact', po);
    const tags = orders.ic.groups[0].transactions[0].segments.map((s) => s.id);
    for (const tag of ['ALC', 'TAX', 'TDT', 'PAC', 'MEA', 'EQD', 'FTX', 'MOA']) expect(tags).toContain(tag);
    expect(roundTrip(purchaseOrder, 'x12', po)).toEqual(po);
  });

  test('the loss check has nothing to say of them', async () => {
    expect(await losses(purchaseOrder, 'x12', tx())).toEqual([]);
  });
});

describe('header data: an X12 810 with NTE qualifiers, summary SAC and TXI, line TXI and SAC', () => {
  const tx = () =>
    x12('IN', '810', [
      'BIG*20240301*INV-7**PO-9',
      'NTE*GEN*Thank you',
      'NTE*PMT*Net 30',
      'IT1*1*10*EA*9.5**BP*A-1',
      'TXI*VA*18.05*19',
      'DTM*011*20240228',
      'SAC*C*D500***250',
      'TDS*11755',
      'TXI*TX*18.05',
      'TXI*VA*18.05*19******DE123456789',
      'SAC*A*I170***500**********Trade discount',
      'CTT*1',
    ]);

  test('INVOIC and back: every value, clean, and no loss', async () => {
    const inv = invoice.x12.read(tx());
    expect(inv.notes).toEqual(['Thank you', { qualifier: 'payment', text: 'Net 30' }]);
    expect(inv.taxes).toEqual([{ type: 'vat', amount: 18.05, percent: 19, taxId: 'DE123456789' }]);
    expect(inv.charges).toEqual([
      { indicator: 'allowance', code: 'trade-discount', amount: 5, description: 'Trade discount' },
    ]);
    expect(inv.lines[0].taxes).toEqual([{ type: 'vat', amount: 18.05, percent: 19 }]);
    expect(inv.lines[0].charges).toEqual([{ indicator: 'charge', code: 'handling', amount: 2.5 }]);
    expect(inv.totals).toEqual({ lineCount: 1, amount: 117.55, taxAmount: 18.05 });
    expect(roundTrip(invoice, 'x12', inv)).toEqual(inv);
    expect(await losses(invoice, 'x12', tx())).toEqual([]);
  });
});

describe('header data: an EDIFACT INVOIC with ALC groups, tax groups and qualified FTX', () => {
  const tx = () =>
    edifact('INVOIC', [
      'BGM+380+INV-1+9',
      'DTM+137:20240301:102',
      'FTX+AAI+++Thank you for your order',
      'FTX+PMT+++Pay within 30 days:by transfer',
      'NAD+SU+5412345000013::9',
      'ALC+C+FR-1+6++FC::::Freight',
      'MOA+8:25',
      'ALC+A++++TD',
      'QTY+1:10:PCE',
      'PCD+3:2.5',
      'MOA+8:12',
      'RTE+1:1.2',
      'LIN+1++4012345000018:EN',
      'QTY+47:10:PCE',
      'PRI+AAA:9.5',
      'TAX+7+VAT+++:::19+S',
      'MOA+124:18.05',
      'ALC+A++++DI',
      'MOA+8:1.5',
      'UNS+S',
      'CNT+2:1',
      'MOA+77:133.05',
      'TAX+7+VAT+++:::19++DE123456789',
      'MOA+124:21.25',
      'MOA+125:111.8',
    ]);

  test('reads every value into the Invoice', () => {
    const inv = invoice.edifact.read(tx());
    expect(inv.charges).toEqual([
      {
        indicator: 'charge',
        code: 'freight',
        description: 'Freight',
        amount: 25,
        handling: 'paid-by-customer',
        reference: 'FR-1',
      },
      {
        indicator: 'allowance',
        code: 'trade-discount',
        amount: 12,
        percent: 2.5,
        rate: 1.2,
        quantity: 10,
        unit: 'H87',
      },
    ]);
    expect(inv.taxes).toEqual([{ type: 'vat', percent: 19, amount: 21.25, basisAmount: 111.8, taxId: 'DE123456789' }]);
    expect(inv.totals).toEqual({ lineCount: 1, amount: 133.05 });
    expect(inv.notes).toEqual([
      'Thank you for your order',
      { qualifier: 'payment', text: 'Pay within 30 days by transfer'.replace(' by', 'by') },
    ]);
    expect(inv.lines[0].taxes).toEqual([{ type: 'vat', percent: 19, amount: 18.05 }]);
    expect(inv.lines[0].charges).toEqual([{ indicator: 'allowance', code: 'discount', amount: 1.5 }]);
  });

  test('the 810 carries what X12 can say of them, clean, and says the rest', async () => {
    const inv = invoice.edifact.read(tx());
    const back = roundTrip(invoice, 'edifact', inv);
    expect(back).toEqual(portable(inv, 'x12'));
    // A percent needs its SAC06 basis, which EDIFACT did not send; the line tax's category S has no X12 code.
    expect(await losses(invoice, 'edifact', tx())).toEqual(['PCD 3', 'TAX 7:6']);
  });
});

describe('header data: line notes of an ORDERS', () => {
  test('FTX in the LIN group: each reaches the 850 as MSG text; the qualifier of a qualified one is said to be dropped', async () => {
    const tx = edifact('ORDERS', [
      'BGM+220+PO-5+9',
      'DTM+137:20240301:102',
      'LIN+1++4012345000018:EN',
      'QTY+21:4:KGM',
      'FTX+AAI+++Gift wrap',
      'FTX+DEL+++Leave with the neighbour',
      'UNS+S',
      'CNT+2:1',
    ]);
    const po = purchaseOrder.edifact.read(tx);
    expect(po.lines[0].notes).toEqual(['Gift wrap', { qualifier: 'delivery', text: 'Leave with the neighbour' }]);
    expect(roundTrip(purchaseOrder, 'edifact', po)).toEqual(portable(po, 'x12'));
    expect(portable(po, 'x12').lines[0].notes).toEqual(['Gift wrap', 'Leave with the neighbour']);
    expect(await losses(purchaseOrder, 'edifact', tx)).toEqual(['FTX DEL:1']);
  });
});

describe('header data: a ship notice with its carrier and packages', () => {
  const tx = () =>
    x12('SH', '856', [
      'BSN*00*ASN-1*20240301*1200',
      'HL*1**S*1',
      'TD1*PLT*2****G*410*KG',
      'TD5**2*XPOC*A',
      'TD3*CN*ABCU*1234567',
      'REF*BM*BOL-1',
      'N1*ST*Store 9*92*S9',
      'HL*2*1*O*1',
      'PRF*PO-1',
      'REF*IA*V-77',
      'HL*3*2*I*0',
      'LIN**VN*V-1',
      'SN1**10*EA',
      'CTT*3',
    ]);

  test('856 -> DESADV (TDT, EQD, PAC/MEA in the top packing level) -> 856 keeps them', async () => {
    const sn = shipNotice.x12.read(tx());
    expect(sn.carriers).toEqual([{ mode: 'air', id: 'XPOC', idQualifier: 'scac' }]);
    expect(sn.packaging).toEqual([{ type: 'pallet', count: 2, weight: 410, weightKind: 'gross', weightUnit: 'KGM' }]);
    expect(sn.equipment).toEqual([{ type: 'container', id: 'ABCU1234567' }]);
    // The order level's REF is the order's; a DESADV names an order only by its lines' RFF ON, so it
    // has no place there and the round trip through EDIFACT comes back without it.
    const { references: orderRefs, ...order } = sn.orders[0];
    expect(orderRefs).toEqual([{ qualifier: 'internal-vendor', value: 'V-77' }]);
    const portableSn = { ...sn, orders: [order] };
    expect(via(shipNotice, 'edifact', sn).doc).toEqual(portableSn);
    expect(roundTrip(shipNotice, 'x12', portableSn)).toEqual(portableSn);
    // So the loss check names it (the BSN04 time travels as the DTM 137's).
    expect(sn.time).toBe('12:00');
    expect(await losses(shipNotice, 'x12', tx())).toEqual(['REF IA']);
  });
});

describe('header data: an order response with charges', () => {
  test('855 SAC and TXI at header and line -> ORDRSP ALC and TAX -> 855', () => {
    const r = orderResponse.x12.read(
      x12('PR', '855', [
        'BAK*00*AC*PO-9*20240301****SO-1*20240302',
        'SAC*C*D500***1500',
        'TXI*GS*5.7*5',
        'PO1*1*12*EA*9.5**BP*A-1',
        'SAC*A*I530***200',
        'ACK*IA*12*EA',
        'TXI*GS*0.57*5',
        'CTT*1',
      ]),
    );
    expect(r.charges).toEqual([{ indicator: 'charge', code: 'handling', amount: 15 }]);
    expect(r.lines[0].charges).toEqual([{ indicator: 'allowance', code: 'volume-discount', amount: 2 }]);
    expect(r.taxes).toEqual([{ type: 'gst', amount: 5.7, percent: 5 }]);
    expect(r.lines[0].taxes).toEqual([{ type: 'gst', amount: 0.57, percent: 5 }]);
    expect(roundTrip(orderResponse, 'x12', r)).toEqual(r);
  });
});

describe('header data: canonical JSON in', () => {
  test('the schemas take the new fields and name what is wrong in them', () => {
    const ok = checkDocument(purchaseOrder, {
      number: 'PO-1',
      charges: [{ indicator: 'charge', code: 'freight', amount: 10 }],
      taxes: [{ type: 'vat', percent: 19 }],
      carriers: [{ mode: 'road', id: 'ABCD', idQualifier: 'scac' }],
      packaging: [{ type: 'carton', count: 3 }],
      notes: ['plain', { qualifier: 'delivery', text: 'at the back' }],
    });
    expect(ok.ok).toBe(true);
    const bad = checkDocument(purchaseOrder, {
      number: 'PO-1',
      charges: [{ indicator: 'rebate', code: 'fright' }],
      notes: [{ qualifier: 'delivery' }],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues).toContainEqual(expect.stringMatching(/^charges\[0\]\.indicator: /));
      expect(bad.issues).toContainEqual(expect.stringMatching(/^charges\[0\]\.code: expected one of .*"freight"/));
      expect(bad.issues.some((i) => i.startsWith('notes[0]'))).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Generated: every field of the new sections, within the tighter of the two element definitions.
// ---------------------------------------------------------------------------------------------

const percent = fc.integer({ min: 0, max: 99_999 }).map((n) => n / 100);
const charge = fc
  .record({
    indicator: fc.constantFrom('allowance', 'charge', 'none') as fc.Arbitrary<'allowance' | 'charge' | 'none'>,
    code: fc.constantFrom(...chargeCodes.names),
    description: optional(text(70)),
    amount: optional(money()),
    percent: optional(percent),
    rate: optional(money(1_000_000)),
    quantity: optional(money()),
    unit,
    handling: optional(fc.constantFrom(...chargeHandling.names)),
    reference: optional(code(1, 30)),
  })
  .map((c) =>
    defined({
      ...c,
      percentBasis: c.percent !== undefined ? ('x12:3' as const) : undefined,
      unit: c.quantity !== undefined ? c.unit : undefined,
    }),
  );
const tax = fc
  .record({
    type: fc.constantFrom(...taxTypes.names),
    amount: optional(money()),
    percent: optional(percent),
    basisAmount: optional(money(1_000_000)),
    exempt: optional(fc.constant(true)),
    taxId: optional(code(1, 20)),
  })
  .filter((x) => x.amount !== undefined || x.percent !== undefined)
  .map((x) => defined({ ...x, basisAmount: x.percent !== undefined ? x.basisAmount : undefined }));
const carrier = fc
  .record({
    mode: optional(fc.constantFrom(...transportModes.names)),
    id: optional(code(2, 17)),
    idQualifier: optional(fc.constantFrom(...carrierIdAgencies.names)),
    routing: optional(text(35)),
  })
  .map((c) => defined({ ...c, idQualifier: c.id !== undefined ? c.idQualifier : undefined }))
  .filter((c) => Object.keys(c).length > 0);
const packaging = fc
  .record({
    type: fc.constantFrom(...packageTypes.names),
    count: optional(fc.integer({ min: 0, max: 9_999_999 })),
    description: optional(text(35)),
    weight: optional(money(1_000_000)),
    weightKind: optional(fc.constantFrom('gross', 'net') as fc.Arbitrary<'gross' | 'net'>),
    weightUnit: fc.constantFrom('KGM', 'LBR'),
  })
  .map((p) =>
    defined({
      ...p,
      weightKind: p.weight !== undefined ? p.weightKind : undefined,
      weightUnit: p.weight !== undefined ? p.weightUnit : undefined,
    }),
  );
const equipment = fc
  .record({
    type: fc.constantFrom(...equipmentTypes.names),
    id: optional(
      fc.tuple(fc.constantFrom('', 'A', 'ABCU'), fc.integer({ min: 1, max: 9_999_999 })).map(([a, n]) => `${a}${n}`),
    ),
  })
  .map(defined);
const note = fc.oneof(
  text(80),
  fc.record({ qualifier: fc.constantFrom(...noteQualifiers.names.filter((q) => q !== 'general')), text: text(80) }),
);
const some = <T>(arb: fc.Arbitrary<T>) => optional(fc.array(arb, { minLength: 1, maxLength: 3 }));

const orders: fc.Arbitrary<PurchaseOrder> = fc
  .record({
    date: isoDay,
    charges: some(charge),
    taxes: some(tax),
    carriers: some(carrier),
    // The 850 header holds two TD1.
    packaging: optional(fc.array(packaging, { minLength: 1, maxLength: 2 })),
    equipment: some(equipment),
    notes: fc.array(note, { maxLength: 3 }),
    lineCharges: some(charge),
    lineTaxes: some(tax),
  })
  .map(({ lineCharges, lineTaxes, ...h }) =>
    defined({
      number: 'PO-1',
      purpose: 'original' as const,
      type: 'order' as const,
      parties: [],
      references: [],
      dates: [],
      ...h,
      lines: [defined({ lineNumber: '1', quantity: 1, unit: 'EA', charges: lineCharges, taxes: lineTaxes })],
      totals: { lineCount: 1 },
    }),
  );

describe('header data: generated purchase orders', () => {
  test('X12 -> canonical -> EDIFACT -> canonical -> X12 gives back every value either standard can say', () => {
    fc.assert(
      fc.property(orders, (po) => {
        expectRoundTrip(purchaseOrder, 'x12', po);
      }),
      { numRuns: 60 },
    );
  });
});
