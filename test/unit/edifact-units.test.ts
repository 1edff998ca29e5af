import { basename } from 'node:path';
import { rec20ToX12 } from '../../src/canonical/units';
import { checkDocument, edifactInterchange, orderResponse, purchaseOrder } from '../../src/canonical';
import { builtInProfiles } from '../../src/config/profiles';
import { checkGenerated } from '../../src/edi/generated-check';
import { rec20Units } from '../../src/edi/edifact/unit-codes';
import { allDiagnostics } from '../../src/edi/model';
import { parseBuffer } from '../../src/edi/parse';
import { write } from '../../src/edi/write';
import { corpusFiles, describeWithCorpus, read } from '../helpers/corpus';

const profiles = builtInProfiles().set;
const env = {
  sender: { qualifier: 'ZZ', id: 'US' },
  receiver: { qualifier: 'ZZ', id: 'THEM' },
  controlNumber: 1,
  now: new Date('2026-01-02T03:04:00Z'),
};

const unitFindings = (bytes: Buffer) =>
  parseBuffer(bytes, { profiles })
    .interchanges.flatMap((ic) => allDiagnostics(ic))
    .filter((d) => d.message.includes('Recommendation 20'));

const orders = (body: string[]) =>
  Buffer.from(
    [
      "UNA:+.? 'UNB+UNOA:3+THEM:ZZ+US:ZZ+260102:0304+1",
      'UNH+1+ORDERS:D:96A:UN',
      'BGM+220+PO-1+9',
      'DTM+137:20260102:102',
      ...body,
      'UNS+S',
      `UNT+${body.length + 5}+1`,
      'UNZ+1+1',
    ].join("'") + "'",
  );

describe('EDIFACT units: 6411 read against UN/ECE Recommendation 20', () => {
  test('the list holds the current codes, the deprecated and deleted ones older directories use, and PCE', () => {
    for (const code of ['H87', 'C62', 'KGM', 'EA', 'STK', 'NPR', 'CS', 'CT', 'PCE'])
      expect(rec20Units.has(code)).toBe(true);
    for (const code of ['PCS', 'GBND', 'XY', 'PC', 'BOX']) expect(rec20Units.has(code)).toBe(false);
  });

  test('every Rec 20 code of the X12 355 table is in the list', () => {
    for (const [rec20] of rec20ToX12) expect([rec20, rec20Units.has(rec20)]).toEqual([rec20, true]);
  });

  test("a partner's ORDERS with a unit outside Rec 20 (PCS) at QTY is read with CONTRL 12 at segment, element and component", () => {
    const found = unitFindings(orders(['LIN+1++SKU-1:SA', 'QTY+21:10:PCS', 'LIN+2++SKU-2:SA', 'QTY+21:1:PCE']));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      severity: 'error',
      code: '12',
      value: 'PCS',
      location: { segment: 5, segmentId: 'QTY', element: 1, component: 3 },
    });
  });

  test('the price basis unit (PRI C509 6411) and a measure unit (MEA C174 6411) are read too', () => {
    const found = unitFindings(
      orders(['LIN+1++SKU-1:SA', 'MEA+AAE+G+XKG:10', 'QTY+21:10:KGM', 'PRI+AAA:9.5::::BTL']),
    ).map((d) => [d.location.segmentId, d.location.element, d.location.component, d.value]);
    expect(found).toEqual([
      ['MEA', 3, 1, 'XKG'],
      ['PRI', 1, 6, 'BTL'],
    ]);
  });

  test('a canonical document whose unit has no Rec 20 code is refused before it is sent as EDIFACT', () => {
    const r = checkDocument(purchaseOrder, {
      number: 'PO-1',
      date: '2026-01-02',
      lines: [{ quantity: 2, unit: 'PCS', buyerItem: 'SKU-1' }],
    });
    if (!r.ok) throw new Error(r.issues.join('; '));
    const bytes = write(
      edifactInterchange([{ type: 'ORDERS', version: 'D96A', body: purchaseOrder.edifact.write(r.value) }], env),
    );
    const errors = checkGenerated(bytes, profiles).errors;
    expect(errors.map((d) => [d.location.segmentId, d.value])).toContainEqual(['QTY', 'PCS']);
  });

  test('an OrderResponse in Rec 20 units validates clean', () => {
    const r = checkDocument(orderResponse, {
      orderNumber: 'PO-1',
      orderDate: '2026-01-01',
      date: '2026-01-02',
      lines: [{ lineNumber: '1', quantity: 2, unit: 'KGM', confirmedQuantity: 2 }],
    });
    if (!r.ok) throw new Error(r.issues.join('; '));
    const bytes = write(
      edifactInterchange([{ type: 'ORDRSP', version: 'D96A', body: orderResponse.edifact.write(r.value) }], env),
    );
    expect(checkGenerated(bytes, profiles).errors).toEqual([]);
  });
});

describeWithCorpus('EDIFACT units: the corpus', () => {
  test.each(corpusFiles('edifact').map((f) => [basename(f), f]))(
    '%s: every 6411 unit it sends is a Rec 20 code',
    (_name, file) => {
      expect(unitFindings(read(file)).map((d) => d.value)).toEqual([]);
    },
  );
});
