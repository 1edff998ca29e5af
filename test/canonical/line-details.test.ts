import type { Segment, Transaction } from '../../src/edi/model';
import { text } from '../../src/edi/model';
import { checkDocument, invoice, orderResponse, purchaseOrder } from '../../src/canonical';
import { standardTranslation, translationLosses } from '../../src/canonical/losses';
import { expectClean, parse, portable, profiles, via } from './support';

// Real-shaped line data: a VICS 850 whose lines carry a retail price (CTP), a pack (PO4) and store
// allocations (SDQ), and an EANCOM ORDERS with the same in PRI, PAC/QTY 52, LOC+7/QTY 11 and PIA.

const ISA =
  'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240102*1230*U*00401*000000042*0*P*>~';

function x12(gs01: string, body: string[]): Transaction {
  const segs = body.join('~') + '~';
  const count = body.length + 1;
  const edi = `${ISA}GS*${gs01}*SENDER*RECEIVER*20240102*1230*1*X*004010~${segs}SE*${count}*0001~GE*1*1~IEA*1*000000042~`;
  return parse(Buffer.from(edi))[0].groups[0].transactions[0];
}

function edifact(type: string, body: string[]): Transaction {
  const segs = body.map((s) => `${s}'`).join('');
  const edi = `UNA:+.? 'UNB+UNOC:3+SENDER:ZZ+RECEIVER:ZZ+240102:1230+42'UNH+1+${type}:D:96A:UN'${segs}UNT+${body.length + 2}+1'UNZ+1+42'`;
  return parse(Buffer.from(edi, 'latin1'))[0].groups[0].transactions[0];
}

/** `n` store allocations of 6 EA each, SDQ*EA*92 ten pairs to a segment, stores 0001… */
function sdq(n: number): string[] {
  const stores = Array.from({ length: n }, (_, i) => String(i + 1).padStart(4, '0'));
  const out: string[] = [];
  for (let i = 0; i < n; i += 10)
    out.push(
      `SDQ*EA*92*${stores
        .flatMap((s) => [s, '6'])
        .slice(2 * i, 2 * i + 20)
        .join('*')}`,
    );
  return out;
}

/** A VICS 850: 169 lines with a contract price per each, a CTP retail price and a pack; the first allocated to 222 stores. */
function vics850(lines = 169, stores = 222): Transaction {
  const body = ['ST*850*0001', 'BEG*00*SA*PO-4711**20240301', 'N1*ST*DC 9*92*0009'];
  for (let i = 1; i <= lines; i++) {
    body.push(
      `PO1*${i}*${i === 1 ? 6 * stores : 12}*EA*9.25*TE*UP*0${String(12345678900 + i)}*VN*AB-${i}*SN*S-${i}`,
      `CTP**RES*19.99`,
      'PID*F****WIDGET',
      'PO4*4*3*EA*CTN',
      ...(i === 1 ? sdq(stores) : []),
    );
  }
  body.push(`CTT*${lines}`);
  return x12('PO', body);
}

const count = (segments: Segment[], id: string, qualifier?: string) =>
  segments.filter((s) => s.id === id && (qualifier === undefined || text(s.elements[0]) === qualifier)).length;

async function lossesOf(kind: typeof purchaseOrder, from: 'x12' | 'edifact', tx: Transaction) {
  const to = from === 'x12' ? 'edifact' : 'x12';
  return translationLosses({ standard: from, tx, profiles }, standardTranslation(kind, from, to), 'target');
}

describe('canonical line details: a VICS 850', () => {
  const tx = vics850();
  const po = purchaseOrder.x12.read(tx);

  test('each of the 169 lines keeps its CTP retail price, its pack and its price basis; the first its 222 store allocations', () => {
    expect(po.lines).toHaveLength(169);
    for (const l of po.lines) {
      expect(l.prices).toEqual([{ qualifier: 'retail', amount: 19.99 }]);
      expect(l.packaging).toEqual([{ pack: 4, size: 3, unit: 'EA', packageType: 'carton' }]);
      expect(l).toMatchObject({ unitPrice: 9.25, unitPriceType: 'contract', unitPriceUnit: 'EA' });
    }
    expect(po.lines[0].productIds).toEqual([{ qualifier: 'serial-number', value: 'S-1' }]);
    const allocations = po.lines[0].allocations ?? [];
    expect(allocations).toHaveLength(222);
    expect(allocations[0]).toEqual({ location: '0001', idQualifier: 'buyer-assigned', quantity: 6, unit: 'EA' });
    expect(allocations[221]).toEqual({ location: '0222', idQualifier: 'buyer-assigned', quantity: 6, unit: 'EA' });
  });

  test('to ORDERS: 169 retail PRIs, 222 LOC+7 with their QTY 11, PAC with QTY 52, PIA; clean D96A; and back to the same 850 lines', () => {
    const orders = via(purchaseOrder, 'edifact', po);
    expectClean(orders.ic);
    const segs = orders.ic.groups[0].transactions[0].segments;
    expect(count(segs, 'PRI', 'AAE')).toBe(169);
    expect(count(segs, 'PRI', 'AAA')).toBe(169);
    expect(count(segs, 'LOC', '7')).toBe(222);
    expect(count(segs, 'QTY', '11')).toBe(222);
    expect(count(segs, 'QTY', '52')).toBe(169);
    const bytes = orders.bytes.toString('latin1');
    expect(bytes).toContain("PRI+AAA:9.25:CT::1:EA'");
    expect(bytes).toContain("PIA+1+S-1:SN'");
    expect(bytes).toContain("PAC+++CT'\nQTY+52:4'");
    expect(bytes).toContain("LOC+7+0001::92'\nQTY+11:6:EA'");
    // Size and unit of the pack have no element in EDIFACT: what comes back is the rest.
    expect(orders.doc).toEqual(portable(po));

    const back = via(purchaseOrder, 'x12', orders.doc);
    expectClean(back.ic);
    const x12Segs = back.ic.groups[0].transactions[0].segments;
    expect(count(x12Segs, 'CTP')).toBe(169);
    expect(count(x12Segs, 'SDQ')).toBe(23);
    expect(back.bytes.toString()).toContain('PO1*1*1332*EA*9.25*TE*VN*AB-1*UP*012345678901*SN*S-1~');
    expect(back.doc).toEqual(portable(po));
  });

  test('the loss check reports none of the carried items, and the pack size and unit EDIFACT has no element for', async () => {
    const losses = await lossesOf(purchaseOrder, 'x12', vics850(3, 12));
    expect(losses.filter((l) => ['PO1', 'CTP', 'SDQ', 'PID'].includes(l.tag))).toEqual([]);
    expect(losses.map((l) => [l.tag, l.element, l.value])).toEqual([
      ['PO4', 2, '3'],
      ['PO4', 3, 'EA'],
      ['PO4', 2, '3'],
      ['PO4', 3, 'EA'],
      ['PO4', 2, '3'],
      ['PO4', 3, 'EA'],
    ]);
  });

  test('a price no EDIFACT qualifier means (CTP LPR, list price) stays in the document and is reported, never guessed', async () => {
    const tx2 = x12('PO', [
      'ST*850*0001',
      'BEG*00*SA*PO-1**20240301',
      'PO1*1*1*EA*5*PE*BP*B-1',
      'CTP**LPR*7.5',
      'CTT*1',
    ]);
    expect(purchaseOrder.x12.read(tx2).lines[0].prices).toEqual([{ qualifier: 'list', amount: 7.5 }]);
    const losses = await lossesOf(purchaseOrder, 'x12', tx2);
    expect(losses.map((l) => [l.tag, l.qualifier, l.reason])).toEqual([
      ['CTP', 'LPR', 'the document carries it but the target written from it does not'],
    ]);
  });
});

describe('canonical line details: product ids', () => {
  test('a second id for a filled field (UP after EN) travels as sent: back to X12 whole, reported lost to EDIFACT', async () => {
    const tx = x12('PO', [
      'ST*850*0001',
      'BEG*00*SA*PO-1**20240301',
      'PO1*1*1*EA*5**EN*4000862141404*UP*012345678905*LT*B-7',
      'CTT*1',
    ]);
    const po = purchaseOrder.x12.read(tx);
    expect(po.lines[0]).toMatchObject({
      gtin: '4000862141404',
      productIds: [
        { qualifier: 'x12:UP', value: '012345678905' },
        { qualifier: 'batch', value: 'B-7' },
      ],
    });
    const again = via(purchaseOrder, 'x12', po);
    expectClean(again.ic);
    expect(again.doc).toEqual(po);
    const losses = await lossesOf(purchaseOrder, 'x12', tx);
    expect(losses.map((l) => [l.tag, l.element, l.value])).toEqual([
      ['PO1', 8, 'UP'],
      ['PO1', 9, '012345678905'],
    ]);
  });
});

describe('canonical line details: an EANCOM ORDERS', () => {
  const tx = edifact('ORDERS', [
    'BGM+220+PO-815+9',
    'DTM+137:20240301:102',
    'LIN+1++4000862141404:EN',
    'PIA+1+ABC123:SA+L2024-07:NB',
    'IMD+F++:::Widget, blue',
    'QTY+21:48:EA',
    'PRI+AAA:9.5:CT::1:EA',
    'PRI+AAE:12.99',
    'PAC+++CT',
    'QTY+52:12',
    'LOC+7+4012345000016::9',
    'QTY+11:24:EA',
    'LOC+7+4012345000023::9',
    'QTY+11:24:EA',
    'UNS+S',
    'CNT+2:1',
  ]);
  const po = purchaseOrder.edifact.read(tx);

  test('reads the prices, the pack, the allocations and the batch number of the line', () => {
    expect(po.lines[0]).toEqual({
      lineNumber: '1',
      quantity: 48,
      unit: 'EA',
      unitPrice: 9.5,
      unitPriceType: 'contract',
      unitPriceUnit: 'EA',
      vendorItem: 'ABC123',
      gtin: '4000862141404',
      description: 'Widget, blue',
      prices: [{ qualifier: 'retail', amount: 12.99 }],
      packaging: [{ pack: 12, packageType: 'carton' }],
      allocations: [
        { location: '4012345000016', idQualifier: 'gln', quantity: 24, unit: 'EA' },
        { location: '4012345000023', idQualifier: 'gln', quantity: 24, unit: 'EA' },
      ],
      productIds: [{ qualifier: 'batch', value: 'L2024-07' }],
    });
  });

  test('to an 850 (PO105 TE, CTP RES, PO4, SDQ*EA*UL, LT pair) that validates clean, and back unchanged; nothing of it is reported lost', async () => {
    const x = via(purchaseOrder, 'x12', po);
    expectClean(x.ic);
    const bytes = x.bytes.toString();
    expect(bytes).toContain('PO1*1*48*EA*9.5*TE*VP*ABC123*EN*4000862141404*LT*L2024-07~');
    expect(bytes).toContain('CTP**RES*12.99~');
    expect(bytes).toContain('PO4*12***CTN~');
    expect(bytes).toContain('SDQ*EA*UL*4012345000016*24*4012345000023*24~');
    expect(x.doc).toEqual(po);
    const back = via(purchaseOrder, 'edifact', x.doc);
    expectClean(back.ic);
    expect(back.doc).toEqual(po);
    const losses = await lossesOf(purchaseOrder, 'edifact', tx);
    expect(losses.filter((l) => ['LIN', 'PIA', 'PRI', 'PAC', 'QTY', 'LOC'].includes(l.tag))).toEqual([]);
  });
});

describe('canonical line details: invoices and order responses', () => {
  test('an 810 line: IT105, CTP, SDQ and product ids come back from an INVOIC; its PO4 pack is said to be lost', async () => {
    const tx = x12('IN', [
      'ST*810*0001',
      'BIG*20240305*INV-1*20240301*PO-1',
      'IT1*1*12*EA*9.25*TE*VN*AB-1*SN*S-1',
      'CTP**RES*19.99',
      'PO4*12',
      'SDQ*EA*92*0012*6*0014*6',
      'TDS*11100',
      'CTT*1',
    ]);
    const inv = invoice.x12.read(tx);
    expect(inv.lines[0]).toMatchObject({
      unitPriceType: 'contract',
      unitPriceUnit: 'EA',
      prices: [{ qualifier: 'retail', amount: 19.99 }],
      packaging: [{ pack: 12 }],
      allocations: [
        { location: '0012', idQualifier: 'buyer-assigned', quantity: 6, unit: 'EA' },
        { location: '0014', idQualifier: 'buyer-assigned', quantity: 6, unit: 'EA' },
      ],
      productIds: [{ qualifier: 'serial-number', value: 'S-1' }],
    });
    const there = via(invoice, 'edifact', inv);
    expectClean(there.ic);
    const { packaging: _p, ...line } = inv.lines[0];
    expect(there.doc.lines[0]).toEqual(line);
    const losses = await lossesOf(invoice as unknown as typeof purchaseOrder, 'x12', tx);
    expect(losses.map((l) => [l.tag, l.reason])).toEqual([
      ['PO4', 'the document carries it but the target written from it does not'],
    ]);
  });

  test('an 855 line: PO105 PE (per each), a CTP and a PO4 come back from an ORDRSP', () => {
    const tx = x12('PR', [
      'ST*855*0001',
      'BAK*00*AC*PO-1*20240301*****20240302',
      'PO1*1*12*EA*9.25*PE*VN*AB-1',
      'CTP**RES*19.99*1*EA',
      'PO4*6**EA*BOX',
      'ACK*IA*12*EA',
      'CTT*1',
    ]);
    const r = orderResponse.x12.read(tx);
    expect(r.lines[0]).toMatchObject({
      unitPriceUnit: 'EA',
      prices: [{ qualifier: 'retail', amount: 19.99, basisQuantity: 1, basisUnit: 'EA' }],
      packaging: [{ pack: 6, unit: 'EA', packageType: 'box' }],
    });
    const there = via(orderResponse, 'edifact', r);
    expectClean(there.ic);
    expect(there.bytes.toString('latin1')).toContain("PRI+AAE:19.99:::1:EA'");
    expect(there.doc).toEqual(portable(r));
    const back = via(orderResponse, 'x12', there.doc);
    expectClean(back.ic);
    expect(back.bytes.toString()).toContain('PO1*1*12*EA*9.25*PE*VN*AB-1~\nCTP**RES*19.99*1*EA~\nPO4*6***BOX~');
  });
});

describe('canonical line details: canonical JSON in', () => {
  test('a bad price, pack, allocation or product id is refused at its own path, every problem at once', () => {
    const r = checkDocument(purchaseOrder, {
      number: 'PO-1',
      lines: [
        {
          quantity: 1,
          unitPriceType: 'cheap',
          prices: [{ qualifier: 'retail', amount: '9.99' }],
          packaging: [{ pack: 6, packageType: 'sack', colour: 'red' }],
          allocations: [{ quantity: 3, unit: 'EA' }],
          productIds: [{ qualifier: 'x12:SN', value: '' }],
        },
      ],
    });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.issues).toEqual([
      expect.stringMatching(/^lines\[0\]\.unitPriceType: expected one of "catalogue", .*, got "cheap"$/),
      'lines[0].prices[0].amount: expected a number, got "9.99"',
      expect.stringMatching(/^lines\[0\]\.packaging\[0\]\.packageType: expected one of "carton", .*, got "sack"$/),
      'lines[0].packaging[0].colour: unknown key',
      'lines[0].allocations[0].location: missing: expected a string',
      'lines[0].productIds[0].value: must not be empty',
    ]);
  });
});
