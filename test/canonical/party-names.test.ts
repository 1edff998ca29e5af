import { purchaseOrder } from '../../src/canonical';
import { findings, parse, via } from './support';

/** An ORDERS whose buyer is named in NAD C058 (unstructured name and address) only, as older senders do. */
const orders = (nad: string) =>
  Buffer.from(
    [
      "UNA:+.? 'UNB+UNOC:3+THEM:ZZ+US:ZZ+240102:1230+1",
      'UNH+1+ORDERS:D:96A:UN',
      'BGM+220+PO-9+9',
      'DTM+137:20240301:102',
      nad,
      'LIN+1++SKU-1:SA',
      'QTY+21:1:EA',
      'UNS+S',
      'UNT+8+1',
      'UNZ+1+1',
    ].join("'") + "'",
  );

const read = (bytes: Buffer) => purchaseOrder.edifact.read(parse(bytes)[0].groups[0].transactions[0]);
const x12Segments = (bytes: Buffer, tags: string[]) =>
  parse(bytes)[0]
    .groups[0].transactions[0].segments.filter((s) => tags.includes(s.id))
    .map((s) => [s.id, ...s.elements]);

describe('party names: NAD C058 lines ⇄ X12 N1 and N2', () => {
  test('every line of a C058 crosses: the first as the name (N102), the others as further names (N2, two to a segment)', () => {
    const doc = read(orders('NAD+BY+++ACME STORES:PURCHASING:BUILDING 4:DOCK 7:ROOM 2'));
    expect(doc.parties[0]).toMatchObject({
      role: 'buyer',
      name: 'ACME STORES',
      additionalNames: ['PURCHASING', 'BUILDING 4', 'DOCK 7', 'ROOM 2'],
    });
    const x12 = via(purchaseOrder, 'x12', doc);
    expect(findings(x12.ic)).toEqual([]);
    expect(x12Segments(x12.bytes, ['N1', 'N2'])).toEqual([
      ['N1', 'BY', 'ACME STORES'],
      ['N2', 'PURCHASING', 'BUILDING 4'],
      ['N2', 'DOCK 7', 'ROOM 2'],
    ]);
    // Back in EDIFACT the names are structured: C080, a line each (none is full, so each ends its name).
    const back = via(purchaseOrder, 'edifact', x12.doc);
    expect(findings(back.ic)).toEqual([]);
    expect(back.doc.parties).toEqual(doc.parties);
  });

  test('a one-line C058 is the name and nothing more; a C080 name takes precedence and C058 is not read then', () => {
    expect(read(orders('NAD+BY+++ACME STORES')).parties[0]).toEqual({ role: 'buyer', name: 'ACME STORES' });
    expect(read(orders('NAD+BY++ACME STORES:PURCHASING+ACME STORES INC')).parties[0]).toEqual({
      role: 'buyer',
      name: 'ACME STORES INC',
    });
  });
});
