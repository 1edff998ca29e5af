import type { Segment } from '../../src/edi/model';
import { components } from '../../src/edi/model';
import { invoice, purchaseOrder } from '../../src/canonical';
import { standardTranslation, translationLosses } from '../../src/canonical/losses';
import { edifactSet, expectClean, lossKeys, profiles, via, x12Set } from './support';

// EDIFACT-origin data that used to be dropped or reshaped on the way through X12 (issue 14): an item
// number sent in LIN, a line's country of origin (ALI), a line amount that is quantity × price (MOA 203).

const head = ['BGM+380+INV-1+9', 'DTM+137:20240301:102'];
const tail = ['UNS+S', 'MOA+77:100'];

const segs = (ic: { groups: Array<{ transactions: Array<{ segments: Segment[] }> }> }) =>
  ic.groups[0].transactions[0].segments;
const shown = (s: Segment[], id: string) =>
  s.filter((x) => x.id === id).map((x) => x.elements.map((e) => components(e).join(':')).join('+'));

describe('EDIFACT-origin lines through X12 and back', () => {
  test('an item number sent in LIN comes back in LIN, not as an added PIA 5', () => {
    const tx = edifactSet('INVOIC', [...head, 'LIN+1++157870:IN', 'QTY+47:2:EA', 'PRI+AAA:5', ...tail]);
    const x12 = via(invoice, 'x12', invoice.edifact.read(tx));
    expect(x12.bytes.toString()).toContain('IT1*1*2*EA*5**IN*157870~');
    const back = via(invoice, 'edifact', x12.doc);
    expectClean(back.ic);
    expect(shown(segs(back.ic), 'LIN')).toEqual(['1++157870:IN']);
    expect(shown(segs(back.ic), 'PIA')).toEqual([]);
  });

  test('beside a GTIN in LIN, the other item numbers go in PIA 1 (additional)', () => {
    const tx = edifactSet('ORDERS', [
      'BGM+220+PO-1+9',
      'DTM+137:20240301:102',
      'LIN+1++4012345000018:EN',
      'PIA+1+B-1:IN',
      'QTY+21:2:EA',
      'UNS+S',
    ]);
    const back = via(purchaseOrder, 'edifact', via(purchaseOrder, 'x12', purchaseOrder.edifact.read(tx)).doc);
    expect(shown(segs(back.ic), 'LIN')).toEqual(['1++4012345000018:EN']);
    expect(shown(segs(back.ic), 'PIA')).toEqual(['1+B-1:IN']);
  });

  test('ALI country of origin travels as the IT1 pair CH and back, and the loss check finds nothing lost', async () => {
    const tx = edifactSet('INVOIC', [...head, 'LIN+1++157870:IN', 'QTY+47:2:EA', 'ALI+US', 'PRI+AAA:5', ...tail]);
    const doc = invoice.edifact.read(tx);
    expect(doc.lines[0].countryOfOrigin).toBe('US');
    const x12 = via(invoice, 'x12', doc);
    expectClean(x12.ic);
    expect(x12.bytes.toString()).toContain('IT1*1*2*EA*5**IN*157870*CH*US~');
    expect(x12.doc.lines[0].countryOfOrigin).toBe('US');
    expect(x12.doc.lines[0].productIds).toBeUndefined();
    const back = via(invoice, 'edifact', x12.doc);
    expectClean(back.ic);
    expect(shown(segs(back.ic), 'ALI')).toEqual(['US']);
    expect(await lossKeys(invoice, 'edifact', tx)).not.toContain('ALI');
  });

  test('an 850 line with a CH pair writes ALI after its QTY and reads back the same', () => {
    const po = purchaseOrder.x12.read(
      x12Set('PO', '850', ['BEG*00*SA*PO-1**20240301', 'PO1*1*3*EA*2**VP*V-1*CH*JP', 'CTT*1']),
    );
    expect(po.lines[0]).toMatchObject({ vendorItem: 'V-1', countryOfOrigin: 'JP' });
    const orders = via(purchaseOrder, 'edifact', po);
    expectClean(orders.ic);
    expect(orders.bytes.toString('latin1')).toContain("QTY+21:3:EA'\nALI+JP'");
    expect(orders.doc).toEqual(po);
  });

  test("an ORDERS line's qualified FTX reaches the 850 as MSG text; its qualifier, which MSG cannot hold, is reported", async () => {
    const tx = edifactSet('ORDERS', [
      'BGM+220+PO-1+9',
      'DTM+137:20240301:102',
      'LIN+1++0764569104:IB',
      'QTY+21:25',
      'FTX+AFM+1++Lord of the Rings',
      'UNS+S',
    ]);
    const x12 = via(purchaseOrder, 'x12', purchaseOrder.edifact.read(tx));
    expectClean(x12.ic);
    expect(x12.bytes.toString().replace(/\n/g, '')).toContain('PO1*1*25****IB*0764569104~MSG*Lord of the Rings~');
    expect(x12.doc.lines[0].notes).toEqual(['Lord of the Rings']);
    const lost = await lossKeys(purchaseOrder, 'edifact', tx);
    expect(lost).toContain('FTX AFM:1');
    expect(lost).not.toContain('FTX AFM');
  });

  test('an ORDERS QTY 1 (discrete quantity) stays QTY 1 in EDIFACT; through the 850, which has no qualifier, it is said to change', async () => {
    const tx = edifactSet('ORDERS', [
      'BGM+220+PO-1+9',
      'DTM+137:20240301:102',
      'LIN+1++0764569104:IB',
      'QTY+1:25',
      'UNS+S',
    ]);
    const po = purchaseOrder.edifact.read(tx);
    expect(po.lines[0]).toMatchObject({ quantity: 25, quantityQualifier: 'discrete' });
    const again = via(purchaseOrder, 'edifact', po);
    expectClean(again.ic);
    expect(shown(segs(again.ic), 'QTY')).toEqual(['1:25']);
    const found = await translationLosses(
      { standard: 'edifact', tx, profiles },
      standardTranslation(purchaseOrder, 'edifact', 'x12'),
      'X12 850',
    );
    expect(found.filter((l) => l.tag === 'QTY')).toMatchObject([{ qualifier: '1', value: '1', changedTo: '21' }]);
  });

  test('an ALI of an allowance group is not the line country', () => {
    const tx = edifactSet('INVOIC', [
      ...head,
      'LIN+1++157870:IN',
      'QTY+47:2:EA',
      'PRI+AAA:5',
      'ALC+A++++DI',
      'ALI+FR',
      'MOA+8:1',
      ...tail,
    ]);
    expect(invoice.edifact.read(tx).lines[0].countryOfOrigin).toBeUndefined();
  });
});

describe('INVOIC line amount (MOA 203) and the 810, which has no line amount', () => {
  const withAmount = (amount: string) =>
    edifactSet('INVOIC', [
      ...head,
      'LIN+1++157870:IN',
      'QTY+12:54:PCE',
      `MOA+203:${amount}`,
      'PRI+AAA:3630.1724::NTP:100:C62',
      ...tail,
    ]);

  test('an amount that is quantity × price to the cent is not reported lost and comes back as sent', async () => {
    const tx = withAmount('1960.29');
    const doc = invoice.edifact.read(tx);
    // Implied by quantity and price, so the document does not keep it apart.
    expect(doc.lines[0].amounts).toBeUndefined();
    expect(await lossKeys(invoice, 'edifact', tx)).not.toContain('MOA 203');
    const back = via(invoice, 'edifact', via(invoice, 'x12', doc).doc);
    expect(shown(segs(back.ic), 'MOA')).toContain('203:1960.29');
  });

  test('another amount stays in the document and is reported where it stands', async () => {
    const tx = withAmount('1900');
    expect(invoice.edifact.read(tx).lines[0].amounts).toEqual([{ qualifier: 'line-item', amount: 1900 }]);
    const index = tx.segments.findIndex((s) => s.id === 'MOA') + 1;
    expect(await lossKeys(invoice, 'edifact', tx)).toContain('MOA 203');
    const found = await translationLosses(
      { standard: 'edifact', tx, profiles },
      standardTranslation(invoice, 'edifact', 'x12'),
      'X12 810',
    );
    expect(found.find((l) => l.tag === 'MOA')).toMatchObject({ segment: index, qualifier: '203' });
  });

  test('an 810 line gets its MOA 203 from IT102 × IT104; a line that states a goods item total (66) gets none added', () => {
    const inv = invoice.x12.read(
      x12Set('IN', '810', ['BIG*20240301*INV-1', 'IT1*1*3*EA*2.5**BP*A', 'IT1*2*2*EA', 'TDS*750', 'CTT*2']),
    );
    const edi = via(invoice, 'edifact', inv);
    expectClean(edi.ic);
    expect(shown(segs(edi.ic), 'MOA')).toEqual(['203:7.5', '77:7.5']);
    expect(edi.doc).toEqual(inv);

    const d93a = edifactSet('INVOIC', [
      ...head,
      'LIN+1++4711.001:IN',
      'QTY+47:3:PCE',
      'MOA+66:7.5',
      'PRI+AAA:2.5',
      ...tail,
    ]);
    const again = via(invoice, 'edifact', invoice.edifact.read(d93a));
    expect(shown(segs(again.ic), 'MOA')).toEqual(['66:7.5', '77:100']);
  });
});
