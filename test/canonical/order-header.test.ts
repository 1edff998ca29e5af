import { purchaseOrder, type PurchaseOrder } from '../../src/canonical';
import { channels, orderTypes, referenceQualifiers } from '../../src/canonical/code-lists';
import { findings, parse, profiles, via } from './support';
import { fromOrders, fromX12_850 } from '../../src/canonical';
import { standardTranslation, translationLosses } from '../../src/canonical/losses';

const base: PurchaseOrder = {
  number: 'PO-9',
  date: '2024-03-01',
  purpose: 'original',
  type: 'order',
  parties: [],
  references: [],
  dates: [],
  lines: [{ quantity: 1, unit: 'EA', buyerItem: 'SKU-1' }],
  totals: { lineCount: 1 },
  notes: [],
};
const segment = (bytes: Buffer, tag: string) =>
  parse(bytes)[0]
    .groups[0].transactions[0].segments.filter((s) => s.id === tag)
    .map((s) => s.elements);

describe('purchase order type (BEG02 ⇄ BGM 1001)', () => {
  const both = orderTypes.rows.filter((r) => r.x12.length && r.edifact.length);

  test.each(both.map((r) => [r.name, r.x12[0], r.edifact[0]]))(
    '%s: BEG02 %s becomes BGM 1001 %s and comes back as the same type',
    (type, beg02, bgm1001) => {
      const po = { ...base, type } as PurchaseOrder;
      const x12 = via(purchaseOrder, 'x12', po);
      expect(findings(x12.ic)).toEqual([]);
      expect(segment(x12.bytes, 'BEG')[0][1]).toBe(beg02);
      const orders = via(purchaseOrder, 'edifact', x12.doc);
      expect(findings(orders.ic)).toEqual([]);
      expect(segment(orders.bytes, 'BGM')[0][0]).toBe(bgm1001);
      expect(via(purchaseOrder, 'x12', orders.doc).doc.type).toBe(type);
    },
  );

  test('NE (new order), DS (drop ship), EO (emergency) are never written as another type: the ORDERS has no 1001', () => {
    for (const [type, code] of [
      ['new-order', 'NE'],
      ['drop-ship', 'DS'],
      ['emergency', 'EO'],
    ] as const) {
      const po = { ...base, type };
      const x12 = via(purchaseOrder, 'x12', po);
      expect(segment(x12.bytes, 'BEG')[0][1]).toBe(code);
      expect(x12.doc.type).toBe(type);
      const orders = via(purchaseOrder, 'edifact', po);
      expect(findings(orders.ic)).toEqual([]);
      expect(segment(orders.bytes, 'BGM')[0]).toEqual(['', 'PO-9', '9']);
      expect(orders.doc.type).toBe('order');
    }
  });

  test('an EDIFACT type X12 has no code for (228, sample order) leaves the mandatory BEG02 empty: the 850 is refused, not sent as SA', () => {
    const po = { ...base, type: 'edifact:228' } as PurchaseOrder;
    expect(via(purchaseOrder, 'edifact', po).doc.type).toBe('edifact:228');
    const x12 = via(purchaseOrder, 'x12', po);
    expect(segment(x12.bytes, 'BEG')[0][1]).toBe('');
    expect(findings(x12.ic).join('\n')).toMatch(/BEG02/);
  });

  test('an X12 type no row names (KN) comes back to X12 as sent', () => {
    const po = { ...base, type: 'x12:KN' } as PurchaseOrder;
    const x12 = via(purchaseOrder, 'x12', po);
    expect(segment(x12.bytes, 'BEG')[0][1]).toBe('KN');
    expect(x12.doc.type).toBe('x12:KN');
  });
});

describe('purchase order delivery terms (FOB ⇄ TOD)', () => {
  test.each([
    ['prepaid', 'PP'],
    ['collect', 'CC'],
    ['prepaid-charged-to-customer', 'PC'],
    ['third-party', 'TP'],
  ] as const)('%s: FOB01 and TOD 4215 are both %s, and it comes back', (payment, code) => {
    const po: PurchaseOrder = { ...base, deliveryTerms: { payment } };
    const x12 = via(purchaseOrder, 'x12', po);
    expect(findings(x12.ic)).toEqual([]);
    expect(segment(x12.bytes, 'FOB')).toEqual([[code]]);
    const orders = via(purchaseOrder, 'edifact', x12.doc);
    expect(findings(orders.ic)).toEqual([]);
    expect(segment(orders.bytes, 'TOD')).toEqual([['', code]]);
    expect(orders.doc.deliveryTerms).toEqual({ payment });
    expect(via(purchaseOrder, 'x12', orders.doc).doc).toEqual(po);
  });

  test('a read FOB*CC from an 850 and a TOD from an ORDERS give the same document', () => {
    const isa =
      'ISA*00*          *00*          *ZZ*S              *ZZ*R              *240102*1230*U*00401*000000001*0*P*>~';
    const x12 =
      `${isa}GS*PO*S*R*20240102*1230*1*X*004010~ST*850*0001~BEG*00*SA*PO-9**20240301~FOB*CC~` +
      `PO1*1*1*EA***BP*SKU-1~CTT*1~SE*6*0001~GE*1*1~IEA*1*000000001~`;
    const edi =
      `UNA:+.? 'UNB+UNOA:3+S+R+240102:1230+1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO-9+9'` +
      `DTM+137:20240301:102'TOD++CC'LIN+1'PIA+5+SKU-1:BP'QTY+21:1:EA'UNS+S'CNT+2:1'UNT+10+1'UNZ+1+1'`;
    const a = fromX12_850(parse(Buffer.from(x12))[0].groups[0].transactions[0]);
    const b = fromOrders(parse(Buffer.from(edi))[0].groups[0].transactions[0]);
    expect(a.deliveryTerms).toEqual({ payment: 'collect' });
    expect(b).toEqual(a);
  });

  test('a payment code no row maps stays in its own standard: TOD 4215 ZZZ writes no FOB (FOB01 is mandatory)', () => {
    const po: PurchaseOrder = { ...base, deliveryTerms: { payment: 'edifact:ZZZ' } };
    expect(segment(via(purchaseOrder, 'edifact', po).bytes, 'TOD')).toEqual([['', 'ZZZ']]);
    const x12 = via(purchaseOrder, 'x12', po);
    expect(segment(x12.bytes, 'FOB')).toEqual([]);
    expect(findings(x12.ic)).toEqual([]);
  });
});

describe('purchase order Incoterms rule (FOB04 01 / FOB05 ⇄ TOD C100 4053)', () => {
  const isa =
    'ISA*00*          *00*          *ZZ*S              *ZZ*R              *240102*1230*U*00401*000000001*0*P*>~';
  const x12With = (fob: string) =>
    `${isa}GS*PO*S*R*20240102*1230*1*X*004010~ST*850*0001~BEG*00*SA*PO-9**20240301~${fob}~` +
    `PO1*1*1*EA***BP*SKU-1~CTT*1~SE*6*0001~GE*1*1~IEA*1*000000001~`;
  const ordersWith = (tod: string, count: number) =>
    `UNA:+.? 'UNB+UNOA:3+S+R+240102:1230+1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO-9+9'` +
    `DTM+137:20240301:102'${tod}'LIN+1'PIA+5+SKU-1:BP'QTY+21:1:EA'UNS+S'CNT+2:1'UNT+${count}+1'UNZ+1+1'`;
  const lossesOf = async (standard: 'x12' | 'edifact', edi: string) => {
    const tx = parse(Buffer.from(edi))[0].groups[0].transactions[0];
    const target = standard === 'x12' ? 'edifact' : 'x12';
    const found = await translationLosses(
      { standard, tx, profiles },
      standardTranslation(purchaseOrder, standard, target),
      target,
    );
    return found.filter((l) => ['FOB', 'TOD', 'LOC'].includes(l.tag)).map((l) => `${l.tag}:${l.element ?? '*'}`);
  };

  test('the rule and the payment are written in both standards and come back', () => {
    const po: PurchaseOrder = { ...base, deliveryTerms: { payment: 'prepaid', incoterm: 'free-carrier' } };
    const x12 = via(purchaseOrder, 'x12', po);
    expect(findings(x12.ic)).toEqual([]);
    expect(segment(x12.bytes, 'FOB')).toEqual([['PP', '', '', '01', 'FCA']]);
    const orders = via(purchaseOrder, 'edifact', x12.doc);
    expect(findings(orders.ic)).toEqual([]);
    expect(segment(orders.bytes, 'TOD')).toEqual([['', 'PP', 'FCA']]);
    expect(orders.doc.deliveryTerms).toEqual(po.deliveryTerms);
    expect(via(purchaseOrder, 'x12', orders.doc).doc).toEqual(po);
  });

  test('an 850 FOB and an ORDERS TOD with the same rule read alike; another code list or FOB04 is no Incoterms rule', () => {
    const a = fromX12_850(parse(Buffer.from(x12With('FOB*CC***01*CIF')))[0].groups[0].transactions[0]);
    const b = fromOrders(parse(Buffer.from(ordersWith('TOD++CC+CIF', 10)))[0].groups[0].transactions[0]);
    expect(a.deliveryTerms).toEqual({ payment: 'collect', incoterm: 'cost-insurance-freight' });
    expect(b).toEqual(a);
    const mutual = fromX12_850(parse(Buffer.from(x12With('FOB*CC***ZZ*CIF')))[0].groups[0].transactions[0]);
    expect(mutual.deliveryTerms).toEqual({ payment: 'collect' });
    const other = fromOrders(parse(Buffer.from(ordersWith('TOD++CC+CIF:ZZ:92', 10)))[0].groups[0].transactions[0]);
    expect(other.deliveryTerms).toEqual({ payment: 'collect' });
  });

  test('what does not cross is said: the place (FOB02/03, the LOC of the TOD), a rule the list lacks (CPT)', async () => {
    // FOB04 and FOB05 arrive; the place has no counterpart.
    expect(await lossesOf('x12', x12With('FOB*PP*OR*Chicago*01*FCA'))).toEqual(['FOB:2', 'FOB:3']);
    expect(await lossesOf('x12', x12With('FOB*PP***01*CPT'))).toEqual(['FOB:4', 'FOB:5']);
    expect(await lossesOf('edifact', ordersWith("TOD++PP+FCA'LOC+1+:::Chicago", 11))).toEqual(['LOC:*']);
    expect(await lossesOf('edifact', ordersWith('TOD++PP+FCA', 10))).toEqual([]);
  });
});

describe('code list rows checked against the standards', () => {
  test('import licence is X12 2A and EDIFACT IP; X12 IP (inspection report) is no import licence', () => {
    expect(referenceQualifiers.read('x12', '2A')).toBe('import-license');
    expect(referenceQualifiers.write('edifact', 'import-license')).toBe('IP');
    expect(referenceQualifiers.read('x12', 'IP')).toBe('x12:IP');
    expect(referenceQualifiers.write('edifact', 'x12:IP')).toBeUndefined();
  });

  test('a URL (X12 UR) has no D96A code: EDIFACT AH (later directories) is read as a URL, never sent in a D96A COM', () => {
    expect(channels.read('edifact', 'AH')).toBe('url');
    expect(channels.write('x12', 'url')).toBe('UR');
    expect(channels.write('edifact', 'url')).toBe('AH');
    expect([...channels.later]).toEqual(['AH']);
    const po: PurchaseOrder = {
      ...base,
      parties: [
        {
          role: 'buyer',
          name: 'Buyer',
          contacts: [
            {
              function: 'information',
              communications: [
                { channel: 'phone', value: '555 0100' },
                { channel: 'url', value: 'https://example.com' },
              ],
            },
          ],
        },
      ],
    };
    const orders = via(purchaseOrder, 'edifact', po);
    expect(segment(orders.bytes, 'COM')).toEqual([[['555 0100', 'TE']]]);
    expect(segment(via(purchaseOrder, 'x12', po).bytes, 'PER')).toEqual([
      ['IC', '', 'TE', '555 0100', 'UR', 'https://example.com'],
    ]);
  });
});

describe('purchase order line schedules (SCH ⇄ SCC with QTY and DTM)', () => {
  const scheduled: PurchaseOrder = {
    ...base,
    lines: [
      {
        quantity: 12,
        unit: 'CS',
        buyerItem: 'SKU-1',
        dates: [{ qualifier: 'ship-not-before', date: '2024-03-09' }],
        schedules: [
          { quantity: 8, unit: 'CS', dates: [{ qualifier: 'requested-delivery', date: '2024-03-16' }] },
          {
            quantity: 4,
            unit: 'KGM',
            dates: [
              { qualifier: 'requested-ship', date: '2024-03-20', time: '08:30' },
              { qualifier: 'requested-delivery', date: '2024-03-23' },
            ],
          },
        ],
      },
    ],
  };

  test('schedules go to SCH and to one SCC with a QTY 113 and its DTMs each, and come back; the line keeps its own dates apart', () => {
    const x12 = via(purchaseOrder, 'x12', scheduled);
    expect(findings(x12.ic)).toEqual([]);
    expect(segment(x12.bytes, 'SCH')).toEqual([
      ['8', 'CA', '', '', '002', '20240316'],
      ['4', 'KG', '', '', '010', '20240320', '0830', '002', '20240323'],
    ]);
    expect(x12.doc).toEqual(scheduled);
    const orders = via(purchaseOrder, 'edifact', x12.doc);
    expect(findings(orders.ic)).toEqual([]);
    expect(segment(orders.bytes, 'SCC')).toEqual([['1']]);
    expect(segment(orders.bytes, 'QTY')).toEqual([[['21', '12', 'CS']], [['113', '8', 'CS']], [['113', '4', 'KGM']]]);
    expect(orders.doc).toEqual(scheduled);
    expect(via(purchaseOrder, 'x12', orders.doc).doc).toEqual(scheduled);
  });

  test("a schedule without a unit takes the line's (SCH02 is mandatory); one with no date X12 has a code for is not written", () => {
    const po: PurchaseOrder = {
      ...base,
      lines: [
        {
          quantity: 3,
          unit: 'EA',
          schedules: [
            { quantity: 1, dates: [{ qualifier: 'requested-delivery', date: '2024-04-01' }] },
            { quantity: 2, dates: [{ qualifier: 'edifact:ZZZ', date: '2024-04-02' }] },
          ],
        },
      ],
    };
    const x12 = via(purchaseOrder, 'x12', po);
    expect(findings(x12.ic)).toEqual([]);
    expect(segment(x12.bytes, 'SCH')).toEqual([['1', 'EA', '', '', '002', '20240401']]);
  });

  test('the aerospace 850 SCH (required by, 106, which EDIFACT has no code for) is read with its date as sent', () => {
    const isa =
      'ISA*00*          *00*          *ZZ*S              *ZZ*R              *240102*1230*U*00401*000000001*0*P*>~';
    const x12 =
      `${isa}GS*PO*S*R*20240102*1230*1*X*004010~ST*850*0001~BEG*00*SA*PO-9**20240301~` +
      `PO1*1*25*EA*36*PE*MG*XYZ-1234~SCH*25*EA***106*20170615~CTT*1~SE*6*0001~GE*1*1~IEA*1*000000001~`;
    const po = fromX12_850(parse(Buffer.from(x12))[0].groups[0].transactions[0]);
    expect(po.lines[0].schedules).toEqual([
      { quantity: 25, unit: 'EA', dates: [{ qualifier: 'x12:106', date: '2017-06-15' }] },
    ]);
    expect(segment(via(purchaseOrder, 'x12', po).bytes, 'SCH')).toEqual([['25', 'EA', '', '', '106', '20170615']]);
  });
});
