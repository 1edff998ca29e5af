import fc from 'fast-check';
import { describeWithCorpus } from '../helpers/corpus';
import { documentFor, orderResponse } from '../../src/canonical';
import { expectClean, expectRoundTrip, fullOrderResponse, orderResponses, readCorpus, via } from './support';

const corpus = {
  nodeX12: 'x12/node-x12__test-data_855.edi',
  stupidedi: 'x12/stupidedi__PR855_pass_1.edi',
  stupidediBad: 'bad/stupidedi__PR855_fail_2.edi',
};

const run = describeWithCorpus;

run('canonical order response: reading the corpus', () => {
  test('node-x12 855: acknowledged with detail (AD), ship-to with three address lines, accepted (IA) and rejected (IR) lines', () => {
    const r = readCorpus(orderResponse, 'x12', corpus.nodeX12);
    expect(r).toMatchObject({
      status: 'accepted',
      purpose: 'original',
      orderNumber: 'POTEST1112',
      orderDate: '2020-10-15',
      date: '2020-10-15',
      currency: 'USD',
    });
    expect(r.number).toBeUndefined(); // BAK06 (request reference) is not the seller's number (BAK08)
    expect(r.parties).toEqual([
      {
        role: 'shipTo',
        id: '123MILL 0001',
        idQualifier: 'x12:15', // N103 15 (Standard Address Number) has no EDIFACT agency in the lists
        name: 'EDI TEST ACCOUNT-SUFFIX',
        addressLines: ['REGULAR EDI ACCOUNT', 'ATTN ACQ SERVS', '7615 DISALLE BOULEVARD'],
        city: 'FORT WAYNE',
        region: 'IN',
        postalCode: '46825',
      },
    ]);
    expect(r.lines.map((l) => [l.lineNumber, l.status, l.quantity, l.confirmedQuantity, l.gtin])).toEqual([
      ['1', 'accepted', 3, 3, '9780446360265'],
      ['2', 'rejected', 2, 0, '9780767928427'],
      ['3', 'rejected', 1, 0, '9780099599531'],
      ['4', 'accepted', 2, 2, '9780446360272'],
    ]);
    // X12 UN (unit) is Rec 20 C62 (one, synonym unit): the canonical unit is the Rec 20 code.
    expect(r.lines[0]).toMatchObject({ unit: 'C62', unitPrice: 4.5, description: 'DIC WEBSTERS NEW WORLD' });
    expect(r.totals).toEqual({ lineCount: 4 });
  });

  test("stupidedi 855: accepted (AT), the seller's order number (BAK08), a line without an ACK has no status", () => {
    const r = readCorpus(orderResponse, 'x12', corpus.stupidedi);
    expect(r).toMatchObject({
      number: '338093',
      date: '2017-04-25',
      status: 'accepted',
      orderNumber: '1D711419',
      orderDate: '2017-05-02',
    });
    expect(r.parties).toEqual([
      {
        // N1 SU: the supplier, kept apart from the vendor (VN), so it is written back as SU.
        role: 'supplier',
        id: 'SHRAA',
        idQualifier: 'buyer-assigned',
        name: 'SHRADER CANADA',
        addressLines: ['830 PROGRESS CT'],
        city: 'OAKVILLE',
        region: 'ON',
      },
    ]);
    expect(r.lines).toEqual([
      // PO105 UM (price per unit of measure) has no EDIFACT price type: carried as sent, for X12 only.
      {
        lineNumber: '0001',
        quantity: 72,
        unit: 'EA',
        unitPrice: 47.34,
        unitPriceType: 'x12:UM',
        buyerItem: 'C000900237',
        // PO1 BP (buyer's part number) is not what either standard writes by default (IN): kept.
        itemIdQualifiers: { buyerItem: 'BP' },
      },
    ]);
  });

  test('stupidedi 855 from bad/ (ISA not fixed width): the response itself reads, AC as changed', () => {
    const r = readCorpus(orderResponse, 'x12', corpus.stupidediBad);
    expect(r).toMatchObject({ status: 'changed', orderNumber: '8000000418', number: '349037459001' });
    expect(r.parties.map((p) => [p.role, p.name])).toEqual([
      ['buyer', 'Hatrsville Compressor Station'],
      ['sellingParty', 'SUPPLIER 001'],
    ]);
    expect(r.lines.map((l) => [l.quantity, l.unit, l.vendorItem])).toEqual([
      [2, 'DZN', '420525112'],
      [6, 'BX', '221051'],
    ]);
  });
});

run('canonical order response: round trips through the other standard', () => {
  test.each([corpus.nodeX12, corpus.stupidedi])(
    '%s: 855 -> ORDRSP -> OrderResponse -> 855 is the same, both clean',
    (file) => {
      expectRoundTrip(orderResponse, 'x12', readCorpus(orderResponse, 'x12', file));
    },
  );
});

describe('canonical order response: fields the corpus does not exercise', () => {
  const full = fullOrderResponse;

  test('every field survives X12 and EDIFACT, and both documents validate without findings', () => {
    expectRoundTrip(orderResponse, 'x12', full);
    expectRoundTrip(orderResponse, 'edifact', full);
  });

  test('line status: ACK01 IA/IC/IR/IB in the 855; LIN 1229 5/6/7 in the ORDRSP, a back order as 6 with QTY 83', () => {
    const x12 = via(orderResponse, 'x12', full).bytes.toString();
    expect(x12).toMatch(
      /\nGS\*PR\*SENDER\*RECEIVER\*20240102\*1230\*42\*X\*004010~\nST\*855\*0001~\nBAK\*00\*AC\*PO-77\*20240201\*\*\*\*SO-5531\*20240202~/,
    );
    expect(x12.match(/ACK\*[^~]*/g)).toEqual([
      'ACK*IA*10*EA*017*20240210',
      'ACK*IC*4*CA',
      'ACK*IR*0*EA',
      'ACK*IB*8*KG*017*20240401',
    ]);
    const edifact = via(orderResponse, 'edifact', full).bytes.toString('latin1');
    expect(edifact).toMatch(/UNH\+1\+ORDRSP:D:96A:UN'\nBGM\+231\+SO-5531\+9\+AC'\nDTM\+137:20240202:102'/);
    expect(edifact.match(/LIN\+[^']*/g)).toEqual([
      'LIN+1+5+04012345000018:EN',
      // Without a GTIN the line's item number is in LIN itself, not in an added PIA 5.
      'LIN+2+6+V-2:SA',
      // A buyer's number is IN in both standards when no code is kept (issue 14: EANCOM's code, not BP).
      'LIN+3+7+B-3:IN',
      'LIN+4+6+9780000000002:IB',
      'LIN+5++M-5:MF',
    ]);
    expect(edifact.match(/QTY\+[^']*/g)).toEqual([
      'QTY+21:10:EA',
      'QTY+113:10:EA',
      'QTY+21:5:CS',
      'QTY+113:4:CS',
      'QTY+21:1:EA',
      'QTY+113:0:EA',
      'QTY+21:8:KGM',
      'QTY+83:8:KGM',
      'QTY+21:2:EA',
    ]);
  });

  test('reading ORDRSP codes other senders use: 1225 27 without 4343 is a rejection, 1229 3 is a change; the registry finds the kind', () => {
    const rejected = via(orderResponse, 'edifact', { ...full, status: 'rejected' }).doc;
    expect(rejected.status).toBe('rejected');
    expect(documentFor('x12', '855')).toBe(orderResponse);
    expect(documentFor('edifact', 'ORDRSP')).toBe(orderResponse);
    const { ic } = via(orderResponse, 'edifact', full);
    const tx = ic.groups[0].transactions[0];
    const bgm = tx.segments.find((s) => s.id === 'BGM')!;
    bgm.elements = ['231', 'SO-5531', '27'];
    const lin = tx.segments.find((s) => s.id === 'LIN' && s.elements[0] === '2')!;
    lin.elements[1] = '3';
    const r = orderResponse.edifact.read({ ...tx, tree: undefined });
    expect(r).toMatchObject({ status: 'rejected', purpose: 'original' });
    expect(r.lines[1].status).toBe('changed');
  });
});

describe('canonical order response: property', () => {
  test('any OrderResponse both standards can carry comes back equal from X12 and from EDIFACT, and both validate clean', () => {
    fc.assert(
      fc.property(orderResponses, (r) => {
        for (const std of ['x12', 'edifact'] as const) {
          const back = via(orderResponse, std, r);
          expectClean(back.ic);
          expect(back.doc).toEqual(r);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('canonical order response: acknowledged with detail, no change (BAK02 AD ⇄ 4343 AD)', () => {
  const base = { orderNumber: 'PO-1', orderDate: '2024-03-01', date: '2024-03-02', purpose: 'original' } as const;
  const codeIn = (std: 'x12' | 'edifact', doc: object) => {
    const { ic } = via(orderResponse, std, {
      ...base,
      parties: [],
      references: [],
      dates: [],
      lines: [],
      notes: [],
      totals: { lineCount: 0 },
      ...doc,
    } as never);
    const segs = ic.groups[0].transactions[0].segments;
    return std === 'x12'
      ? segs.find((s) => s.id === 'BAK')!.elements[1]
      : segs.find((s) => s.id === 'BGM')!.elements[3];
  };

  test('an accepted response with the detail is written AD in both standards and read back with it', () => {
    const doc = { status: 'accepted', statusDetail: 'with-detail-no-change' };
    expect(codeIn('x12', doc)).toBe('AD');
    expect(codeIn('edifact', doc)).toBe('AD');
    for (const std of ['x12', 'edifact'] as const)
      expect(
        via(orderResponse, std, {
          ...base,
          parties: [],
          references: [],
          dates: [],
          lines: [],
          notes: [],
          totals: { lineCount: 0 },
          ...doc,
        } as never).doc,
      ).toMatchObject(doc);
  });

  test('without the detail an accepted response is AT / AP; a detail beside another status is not written as AD', () => {
    expect(codeIn('x12', { status: 'accepted' })).toBe('AT');
    expect(codeIn('edifact', { status: 'accepted' })).toBe('AP');
    expect(codeIn('x12', { status: 'changed', statusDetail: 'with-detail-no-change' })).toBe('AC');
    expect(codeIn('edifact', { status: 'rejected', statusDetail: 'with-detail-no-change' })).toBe('RE');
  });
});

describe('canonical order response: line schedules (X12 SCH ⇄ EDIFACT SCC with QTY and DTM)', () => {
  const doc = {
    orderNumber: 'PO-1',
    orderDate: '2024-03-01',
    date: '2024-03-02',
    purpose: 'original',
    status: 'accepted',
    parties: [],
    references: [],
    dates: [],
    notes: [],
    totals: { lineCount: 1 },
    lines: [
      {
        lineNumber: '1',
        status: 'accepted',
        quantity: 10,
        unit: 'EA',
        confirmedQuantity: 10,
        schedules: [
          { quantity: 6, unit: 'EA', dates: [{ qualifier: 'requested-delivery', date: '2024-04-01' }] },
          { quantity: 4, dates: [{ qualifier: 'deliver-not-after', date: '2024-05-01' }] },
        ],
      },
    ],
  } as const;

  test('each schedule is an SCH in the 855 and an SCC group in the ORDRSP, and comes back from both', () => {
    for (const std of ['x12', 'edifact'] as const) {
      const back = via(orderResponse, std, doc as never);
      expectClean(back.ic);
      const segs = back.ic.groups[0].transactions[0].segments.map((s) => s.id);
      if (std === 'x12') expect(segs.filter((id) => id === 'SCH')).toHaveLength(2);
      else expect(segs.filter((id) => id === 'SCC')).toHaveLength(1);
      // The ORDRSP's confirmed quantity (QTY 113) stays the line's, not the schedule's (also QTY 113).
      expect(back.doc.lines[0]).toMatchObject({ confirmedQuantity: 10 });
      // SCH02 is mandatory: a schedule without a unit takes the line's in X12.
      const second = std === 'x12' ? { quantity: 4, unit: 'EA' } : { quantity: 4 };
      expect(back.doc.lines[0].schedules).toEqual([
        doc.lines[0].schedules[0],
        { ...doc.lines[0].schedules[1], ...second },
      ]);
    }
  });
});

run('canonical order response: the corpus schedules', () => {
  test('node-x12 855: each SCH is read as a schedule of its line, its date under the X12 code it was sent with (080)', () => {
    const r = readCorpus(orderResponse, 'x12', corpus.nodeX12);
    expect(r.lines[0].schedules).toEqual([
      { quantity: 3, unit: 'C62', dates: [{ qualifier: 'x12:080', date: '2004-12-31' }] },
    ]);
  });
});
