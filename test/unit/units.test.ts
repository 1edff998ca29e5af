import { rec20ToX12, unitFromX12Code, unitToX12Code } from '../../src/canonical/units';
import { checkDocument, purchaseOrder, shipNotice, x12Interchange } from '../../src/canonical';
import { builtInProfiles } from '../../src/config/profiles';
import { checkGenerated } from '../../src/edi/generated-check';
import { write } from '../../src/edi/write';
import { x12UnitCodes } from '../../src/edi/x12/unit-codes';
import { parseBuffer } from '../../src/edi/parse';
import { buildAck } from '../../src/edi/ack/build';
import { x12 } from '../helpers/build';

const env = {
  sender: { qualifier: 'ZZ', id: 'US' },
  receiver: { qualifier: 'ZZ', id: 'THEM' },
  controlNumber: 1,
  now: new Date('2026-01-02T03:04:00Z'),
};

describe('units: UN/ECE Recommendation 20 ⇄ X12 355', () => {
  test('every X12 code in the table is two characters and names one Rec 20 unit, both ways', () => {
    for (const [rec20, x12] of rec20ToX12) {
      expect(x12).toMatch(/^[A-Z0-9]{2}$/);
      expect(unitToX12Code(rec20)).toBe(x12);
      expect(unitFromX12Code(x12)).toBe(rec20);
    }
    expect(unitFromX12Code('EA')).toBe('EA');
  });

  test('X12 UN (unit) is Rec 20 C62 (one, synonym unit), a code EDIFACT 6411 takes, both ways; EA stays EA', () => {
    expect(unitFromX12Code('UN')).toBe('C62');
    expect(unitToX12Code('C62')).toBe('UN');
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

  const po = (unit: string, version = '004010', lines: object[] = [{ quantity: 2, unit }]) => {
    const r = checkDocument(purchaseOrder, { number: 'PO-1', date: '2026-01-02', lines });
    if (!r.ok) throw new Error(r.issues.join('; '));
    const body = purchaseOrder.x12.write(r.value);
    return write(x12Interchange([{ type: '850', version, body }], env));
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

  test('every X12 code the unit table writes is in the 355 list of 004010 and of 005010', () => {
    for (const [, x12] of rec20ToX12) {
      expect(x12UnitCodes('004010').has(x12)).toBe(true);
      expect(x12UnitCodes('005010').has(x12)).toBe(true);
    }
  });

  test('a two-character Rec 20 code with no X12 355 counterpart (XY) is refused at PO103 with its value, in 004010 and 005010', () => {
    for (const version of ['004010', '005010']) {
      const errors = checkGenerated(po('XY', version), profiles).errors;
      const at = errors.filter((d) => d.location.segmentId === 'PO1' && d.location.element === 3);
      expect(at).toHaveLength(1);
      expect(at[0]).toMatchObject({ code: '7', value: 'XY', elementRef: '355', location: { segment: 3 } });
      expect(at[0].message).toContain(`PO103 "XY" is no X12 ${version} unit code (355)`);
    }
  });

  test('the 355 check reads every place a unit goes: a store allocation and a packaging unit of no X12 form are named', () => {
    const bytes = po('EA', '004010', [
      {
        quantity: 2,
        unit: 'EA',
        allocations: [{ location: '0001', quantity: 2, unit: 'XY' }],
        packaging: [{ pack: 4, size: 1, unit: 'XZ' }],
      },
    ]);
    const errors = checkGenerated(bytes, profiles).errors.map((d) => [
      d.location.segmentId,
      d.location.element,
      d.value,
    ]);
    expect(errors).toContainEqual(['SDQ', 1, 'XY']);
    expect(errors).toContainEqual(['PO4', 3, 'XZ']);
  });

  test('005010 adds codes 004010 lacks: Z7 passes in 005010 and is refused in 004010', () => {
    expect(checkGenerated(po('Z7', '005010'), profiles).errors).toEqual([]);
    expect(checkGenerated(po('Z7', '004010'), profiles).errors.map((d) => d.value)).toEqual(['Z7']);
  });

  test('a too-long code (GBND) is reported once, by the profile, not again by the 355 check', () => {
    const at = checkGenerated(po('GBND'), profiles).errors.filter((d) => d.location.segmentId === 'PO1');
    expect(at).toHaveLength(1);
  });

  test("a partner's 850 with a unit outside the 355 list (XY) is read with AK4 7 at PO103 and its 997 rejects the set", () => {
    const file = x12({
      transactions: [['BEG*00*SA*PO1**20240102', 'PO1*1*10*XY*9.5**VP*SKU-1', 'PO1*2*1*EA*1', 'CTT*2']],
    });
    const ic = parseBuffer(Buffer.from(file), { profiles }).interchanges[0];
    const tx = ic.groups[0].transactions[0];
    expect(
      tx.errors.map((d) => [d.location.segment, d.location.segmentId, d.location.element, d.code, d.value]),
    ).toEqual([[3, 'PO1', 3, '7', 'XY']]);
    const ack = write(buildAck(ic, '997', { controlNumber: 1, now: env.now }), { lineBreak: '\n' }).toString('utf8');
    expect(ack).toContain('AK4*3*355*7*XY~');
    expect(ack).toContain('AK5*R*5~');
  });

  test('a set of a version newer than the lists here (006020) is not read against them: its release may add units', () => {
    const file = x12({ transactions: [['BEG*00*SA*PO1**20240102', 'PO1*1*10*XY*9.5**VP*SKU-1', 'CTT*1']] });
    const newer = file.replace('*X*004010~', '*X*006020~');
    expect(newer).not.toEqual(file);
    const tx = parseBuffer(Buffer.from(newer), { profiles }).interchanges[0].groups[0].transactions[0];
    expect(tx.version).toBe('006020');
    expect(tx.errors.filter((d) => d.elementRef === '355')).toEqual([]);
  });
});
