import fc from 'fast-check';
import { describeWithCorpus } from '../helpers/corpus';
import { type ShippedOrder, documentFor, shipNotice } from '../../src/canonical';
import { expectClean, expectRoundTrip, fullShipNotice, shipNotices, transactions, via } from './support';

const corpus = {
  nodeX12: 'x12/node-x12__test-data_856.edi',
  stupidedi: 'bad/stupidedi__SH856_fail_2.edi',
};

const run = describeWithCorpus;

run('canonical ship notice: reading the corpus', () => {
  test('node-x12 856 (004060, no profile): S -> O -> I levels, ship-from party, carrier references, two items of one order', () => {
    const [tx] = transactions(corpus.nodeX12, '856');
    expect(tx.tree).toBeUndefined();
    const sn = shipNotice.x12.read(tx);
    expect(sn).toMatchObject({
      number: '829716',
      date: '2011-12-06',
      purpose: 'advance-notification',
      shipped: '2011-12-06',
    });
    // SH (shipper, EDIFACT CZ consignor) and OB (ordered by) are carried beside SF.
    expect(sn.parties).toEqual([
      {
        role: 'shipper',
        name: '1 EDI SOURCE',
        addressLines: ['31875 SOLON RD'],
        city: 'SOLON',
        region: 'OH',
        postalCode: '44139',
      },
      {
        role: 'orderedBy',
        name: 'XYZ RETAIL',
        addressLines: ['P O BOX 9999999'],
        city: 'ATLANTA',
        region: 'GA',
        postalCode: '31139',
      },
      {
        role: 'shipFrom',
        name: '1 EDI SOURCE',
        addressLines: ['31875 SOLON ROAD'],
        city: 'SOLON',
        region: 'OH',
        postalCode: '44139',
      },
    ]);
    // The 00406 ISA declares '-' the repetition separator, so REF*BM*999999-001 holds 999999 (then 001).
    expect(sn.references).toEqual([
      { qualifier: 'bill-of-lading', value: '999999' },
      { qualifier: 'carrier-reference', value: '5787970539' },
    ]);
    expect(sn.orders).toEqual([
      {
        number: '99999817',
        orderDate: '2011-12-05',
        items: [
          {
            lineNumber: '1',
            quantity: 24,
            unit: 'EA',
            vendorItem: '87787D',
            gtin: '999999310145',
            description: 'BLUE WIDGET',
          },
          {
            lineNumber: '2',
            quantity: 6,
            unit: 'EA',
            vendorItem: '99887D',
            gtin: '999999311746',
            description: 'RED WIDGET',
          },
        ],
      },
    ]);
  });

  test('stupidedi 856 from bad/ (segments run together): what is readable is read, the item whose order level was swallowed has no order', () => {
    const [tx] = transactions(corpus.stupidedi, '856');
    expect(tx.errors.length).toBeGreaterThan(0); // the SE count is wrong: the file is in bad/ for a reason
    const sn = shipNotice.x12.read(tx);
    expect(sn).toMatchObject({
      number: '861554',
      date: '2018-03-13',
      shipped: '2018-06-20',
      references: [{ qualifier: 'bill-of-lading', value: '861554' }],
    });
    expect(sn.parties.find((p) => p.role === 'shipTo')).toEqual({
      role: 'shipTo',
      id: '207046228T',
      idQualifier: 'buyer-assigned',
      name: 'TORONTO PDC PARTS',
      addressLines: ['80 TEST AVE'],
      city: 'SCARBOROUGH',
      region: 'ON',
      postalCode: 'G0X3A0',
      country: 'CAN',
    });
    // HL*2 (the order) ends up inside the N1 that lacks its terminator, so HL*3 names a parent that is not there.
    expect(sn.orders).toEqual([
      {
        items: [
          {
            lineNumber: '1',
            quantity: 40,
            unit: 'H87',
            buyerItem: 'C0355UCAD8',
            itemIdQualifiers: { buyerItem: 'BP' }, // LIN BP, not the default IN: kept
            description: 'GREY MET. PAINT',
          },
        ],
      },
    ]);
  });
});

run('canonical ship notice: round trips through the other standard', () => {
  test('node-x12 856 -> DESADV -> ShipNotice -> 856 is the same, both clean', () => {
    expectRoundTrip(shipNotice, 'x12', shipNotice.x12.read(transactions(corpus.nodeX12, '856')[0]));
  });
});

describe('canonical ship notice: fields the corpus does not exercise', () => {
  const full = fullShipNotice;

  test('every field survives X12 and EDIFACT, and both documents validate without findings', () => {
    expectRoundTrip(shipNotice, 'x12', full);
    expectRoundTrip(shipNotice, 'edifact', full);
  });

  test('856: HL ids numbered in order with parents computed (S, O under S, I under O, a loose I under S); DESADV: one CPS, RFF ON on each line', () => {
    const x12 = via(shipNotice, 'x12', full).bytes.toString();
    expect(x12).toMatch(
      /\nGS\*SH\*SENDER\*RECEIVER\*20240102\*1230\*42\*X\*004010~\nST\*856\*0001~\nBSN\*05\*ASN-0815\*20240301\*0000~\nHL\*1\*\*S\*1~/,
    );
    expect(x12.match(/HL\*[^~]*/g)).toEqual([
      'HL*1**S*1',
      'HL*2*1*O*1',
      'HL*3*2*I*0',
      'HL*4*2*I*0',
      'HL*5*1*O*1',
      'HL*6*5*I*0',
      'HL*7*1*I*0',
    ]);
    expect(x12).toMatch(/HL\*7\*1\*I\*0~\nSN1\*99\*3\*EA~\nPID\*F\*\*\*\*Not tied/);
    expect(x12).toMatch(/CTT\*7~\nSE\*/);
    const edifact = via(shipNotice, 'edifact', full).bytes.toString('latin1');
    expect(edifact.match(/CPS[^']*/g)).toEqual(['CPS+1']);
    expect(edifact).toMatch(
      new RegExp(
        String.raw`LIN\+1\+\+04012345000018:EN'\nPIA\+1\+V-1:SA'\nIMD\+F\+\+:::Ten cases ` +
          String.raw`of the twelve ordered'\nQTY\+12:10:CS'\nQTY\+21:12:CS'\nDTM\+36:20250301:102'` +
          String.raw`\nRFF\+ON:PO-1'\nDTM\+171:20240220:102'\nRFF\+PK:PK-1-1'`,
      ),
    );
    expect(edifact).toMatch(/CNT\+2:4'/);
  });

  test('an order with no items has its HL in X12 but no line to name it in a DESADV; the registry finds the kind by either type', () => {
    const empty: ShippedOrder = { number: 'PO-EMPTY', items: [] };
    const sn = { ...full, orders: [...full.orders, empty] };
    expect(via(shipNotice, 'x12', sn).doc).toEqual(sn);
    expect(via(shipNotice, 'edifact', sn).doc).toEqual(full);
    expect(documentFor('x12', '856')).toBe(shipNotice);
    expect(documentFor('edifact', 'DESADV')).toBe(shipNotice);
  });
});

describe('canonical ship notice: property', () => {
  test('any ShipNotice both standards can carry comes back equal from X12 and from EDIFACT, and both validate clean', () => {
    fc.assert(
      fc.property(shipNotices, (sn) => {
        for (const std of ['x12', 'edifact'] as const) {
          const r = via(shipNotice, std, sn);
          expectClean(r.ic);
          expect(r.doc).toEqual(sn);
        }
      }),
      { numRuns: 60 },
    );
  });
});
