import { rec20ToX12, unitFromX12Code, unitToX12Code } from '../../src/canonical/units';
import { checkDocument, purchaseOrder, shipNotice, x12Interchange } from '../../src/canonical';
import { builtInProfiles } from '../../src/config/profiles';
import { checkGenerated } from '../../src/edi/generated-check';
import { write } from '../../src/edi/write';

const env = {
  sender: { qualifier: 'ZZ', id: 'US' },
  receiver: { qualifier: 'ZZ', id: 'THEM' },
  controlNumber: 1,
  now: new Date('2026-01-02T03:04:00Z'),
};

describe('units: UN/ECE Recommendation 20 ⇄ X12 355', () => {
  test('every X12 code in the table is two characters and names one Rec 20 unit (C62, one, reads back as EA)', () => {
    for (const [rec20, x12] of rec20ToX12) {
      expect(x12).toMatch(/^[A-Z0-9]{2}$/);
      expect(unitToX12Code(rec20)).toBe(x12);
      if (rec20 !== 'C62') expect(unitFromX12Code(x12)).toBe(rec20);
    }
    expect(unitFromX12Code('EA')).toBe('EA');
  });

  test.each([
    ['KGM', 'KG'],
    ['H87', 'PC'],
    ['PCE', 'PC'],
    ['CS', 'CA'],
    ['EA', 'EA'],
    ['CT', 'CT'],
  ])('%s is written to X12 as %s', (rec20, x12) => expect(unitToX12Code(rec20)).toBe(x12));

  const po = (unit: string) => {
    const r = checkDocument(purchaseOrder, { number: 'PO-1', date: '2026-01-02', lines: [{ quantity: 2, unit }] });
    if (!r.ok) throw new Error(r.issues.join('; '));
    const body = purchaseOrder.x12.write(r.value);
    return write(x12Interchange([{ type: '850', version: '004010', body }], env));
  };
  const profiles = builtInProfiles().set;

  test('a Rec 20 unit with an X12 pair gives a PO103 the 004010 profile accepts', () => {
    expect(po('KGM').toString()).toContain('PO1**2*KG~');
    expect(checkGenerated(po('KGM'), profiles).errors).toEqual([]);
  });

  test('a code with no X12 form (GBND, STK) is not copied through silently: the profile check names PO103', () => {
    for (const unit of ['GBND', 'STK']) {
      const errors = checkGenerated(po(unit), profiles).errors;
      expect(errors.map((d) => [d.location.segmentId, d.location.element])).toContainEqual(['PO1', 3]);
    }
  });

  test('a ShipNotice item without a unit is not given an invented EA: SN103 is left empty and the check refuses it', () => {
    const r = checkDocument(shipNotice, {
      number: 'SN-1',
      date: '2026-01-02',
      orders: [{ number: 'PO-1', items: [{ quantity: 2, buyerItem: 'SKU' }] }],
    });
    if (!r.ok) throw new Error(r.issues.join('; '));
    const body = shipNotice.x12.write(r.value);
    expect(body.find((s) => s.id === 'SN1')?.elements).toEqual(['', '2']);
    const bytes = write(x12Interchange([{ type: '856', version: '004010', body }], { ...env, functionalId: 'SH' }));
    const errors = checkGenerated(bytes, profiles).errors;
    expect(errors.map((d) => [d.location.segmentId, d.location.element])).toContainEqual(['SN1', 3]);
  });
});
