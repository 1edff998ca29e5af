import { checkDocument, purchaseOrder } from '../../src/canonical';

const doc = (gtin: string) => {
  const r = checkDocument(purchaseOrder, { number: 'PO-1', lines: [{ quantity: 1, gtin }] });
  if (!r.ok) throw new Error(r.issues.join('; '));
  return r.value;
};
const x12Ids = (gtin: string) =>
  purchaseOrder.x12
    .write(doc(gtin))
    .find((s) => s.id === 'PO1')!
    .elements.slice(5);
const lin = (gtin: string) => purchaseOrder.edifact.write(doc(gtin)).find((s) => s.id === 'LIN')!.elements[2];

describe('GTINs: the qualifier says what the digits are', () => {
  test.each([
    ['036000291452', 'UP', 'UP'],
    ['4006381333931', 'EN', 'EN'],
    ['10036000291459', 'UK', 'EN'],
    ['96385074', 'EN', 'EN'],
  ])('%s: X12 %s, EDIFACT %s, the digits as they are', (gtin, x12, edifact) => {
    expect(x12Ids(gtin)).toEqual([x12, gtin]);
    expect(lin(gtin)).toEqual([gtin, edifact]);
  });

  test('a 12-digit UPC is never labelled an EAN-13 in EDIFACT, and reads back as the same 12 digits', () => {
    const written = purchaseOrder.edifact.write(doc('036000291452'));
    const tx = { segments: written.map((s) => ({ ...s, offset: 0 })) } as never;
    expect(purchaseOrder.edifact.read(tx).lines[0].gtin).toBe('036000291452');
  });
});
