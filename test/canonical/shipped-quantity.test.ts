import type { Segment } from '../../src/edi/model';
import { components } from '../../src/edi/model';
import { checkDocument, invoice } from '../../src/canonical';
import { edifactSet, expectClean, lossKeys, via, x12Set } from './support';

/**
 * Issue 14: the units shipped of an invoice line, X12 IT3 (IT301, IT302) and EDIFACT QTY 12 (despatched
 * quantity), carried as `shippedQuantity` and `shippedUnit` beside the invoiced quantity.
 */

const segs = (ic: { groups: Array<{ transactions: Array<{ segments: Segment[] }> }> }) =>
  ic.groups[0].transactions[0].segments;
const shown = (s: Segment[], id: string) =>
  s.filter((x) => x.id === id).map((x) => x.elements.map((e) => components(e).join(':')).join('+'));

const invoic = (...line: string[]) =>
  edifactSet('INVOIC', ['BGM+380+INV-1+9', 'DTM+137:20240301:102', 'LIN+1++157870:IN', ...line, 'UNS+S', 'MOA+77:100']);

describe('invoice: the shipped quantity, X12 IT3 and EDIFACT QTY 12', () => {
  test('an 810 IT3 reaches the INVOIC as a QTY 12 beside the QTY 47 and comes back as sent', async () => {
    const tx = x12Set('IN', '810', ['BIG*20240102*INV1', 'IT1*1*10*CA*2.5**VP*SKU1', 'IT3*12*CA', 'TDS*2500', 'CTT*1']);
    const doc = invoice.x12.read(tx);
    expect(doc.lines[0]).toMatchObject({ quantity: 10, unit: 'CS', shippedQuantity: 12, shippedUnit: 'CS' });
    const edifact = via(invoice, 'edifact', doc);
    expectClean(edifact.ic);
    expect(shown(segs(edifact.ic), 'QTY')).toEqual(['47:10:CS', '12:12:CS']);
    const back = via(invoice, 'x12', edifact.doc);
    expect(shown(segs(back.ic), 'IT3')).toEqual(['12+CA']);
    expect(back.doc).toEqual(doc);
    expect((await lossKeys(invoice, 'x12', tx)).filter((k) => k.startsWith('IT3'))).toEqual([]);
  });

  test('an INVOIC QTY 12 beside the invoiced QTY 47 reaches the 810 as IT3 and comes back as sent', async () => {
    const tx = invoic('QTY+47:10:PCE', 'QTY+12:12:PCE', 'PRI+AAA:5');
    const doc = invoice.edifact.read(tx);
    expect(doc.lines[0]).toMatchObject({ quantity: 10, shippedQuantity: 12, shippedUnit: 'H87' });
    expect(doc.lines[0].quantityQualifier).toBeUndefined();
    const x12 = via(invoice, 'x12', doc);
    expectClean(x12.ic);
    expect(shown(segs(x12.ic), 'IT3')).toEqual(['12+PC']);
    expect(shown(segs(via(invoice, 'edifact', x12.doc).ic), 'QTY')).toEqual(['47:10:H87', '12:12:H87']);
    expect((await lossKeys(invoice, 'edifact', tx)).filter((k) => k.startsWith('QTY'))).toEqual([]);
  });

  test('a line that states only the despatched quantity is billed on it: IT102 and IT3 give it, so QTY 12 is not reported changed', async () => {
    const tx = invoic('QTY+12:54:PCE', 'PRI+AAA:3630.1724::NTP:100:C62');
    const doc = invoice.edifact.read(tx);
    expect(doc.lines[0]).toMatchObject({ quantity: 54, quantityQualifier: 'despatched' });
    expect(doc.lines[0].shippedQuantity).toBeUndefined();
    // Written back to EDIFACT it is still the one QTY 12, not a second one for the shipped quantity.
    expect(shown(segs(via(invoice, 'edifact', doc).ic), 'QTY')).toEqual(['12:54:H87']);
    const x12 = via(invoice, 'x12', doc);
    expectClean(x12.ic);
    expect(shown(segs(x12.ic), 'IT1')[0]).toMatch(/^1\+54\+PC\+/);
    expect(shown(segs(x12.ic), 'IT3')).toEqual(['54+PC']);
    expect(shown(segs(via(invoice, 'edifact', x12.doc).ic), 'QTY')).toEqual(['47:54:H87', '12:54:H87']);
    expect((await lossKeys(invoice, 'edifact', tx)).filter((k) => k.startsWith('QTY'))).toEqual([]);
  });

  test('a QTY 12 beside a delivered QTY 46 is the shipped quantity, where it used to leave the 46 out', () => {
    const doc = invoice.edifact.read(invoic('QTY+46:9:PCE', 'QTY+12:10:PCE'));
    expect(doc.lines[0]).toMatchObject({ quantity: 9, quantityQualifier: 'delivered', shippedQuantity: 10 });
    expect(shown(segs(via(invoice, 'edifact', doc).ic), 'QTY')).toEqual(['46:9:H87', '12:10:H87']);
  });

  test('a line that states only the delivered quantity (QTY 46) is still reported changed to 47: IT3 is no delivered quantity', async () => {
    const keys = await lossKeys(invoice, 'edifact', invoic('QTY+46:9:PCE', 'PRI+AAA:5'));
    expect(keys).toContain('QTY 46:1');
  });

  test('canonical JSON whose despatched quantity also has a shipped quantity beside it is refused at that field', () => {
    const line = { quantity: 5, quantityQualifier: 'despatched', shippedQuantity: 5 };
    const r = checkDocument(invoice, { number: 'INV-1', lines: [line] });
    expect(r.ok ? [] : r.issues).toEqual([
      'lines[0].shippedQuantity: the quantity of this line is already the despatched one (quantityQualifier "despatched")',
    ]);
    expect(checkDocument(invoice, { number: 'INV-1', lines: [{ quantity: 5, shippedQuantity: 5 }] }).ok).toBe(true);
  });

  test('the status, difference and reason of an IT3 (IT303-IT305) have no field, and are reported', async () => {
    const tx = x12Set('IN', '810', [
      'BIG*20240102*INV1',
      'IT1*1*10*EA*2.5**VP*SKU1',
      'IT3*8*EA*BP*2*AA',
      'TDS*2500',
      'CTT*1',
    ]);
    const keys = await lossKeys(invoice, 'x12', tx);
    expect(keys).toEqual(expect.arrayContaining(['IT3:3', 'IT3:4', 'IT3:5']));
    expect(keys).not.toContain('IT3:1');
    expect(keys).not.toContain('IT3');
  });
});
