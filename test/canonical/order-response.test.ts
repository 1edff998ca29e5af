import fc from 'fast-check';
import { corpusAvailable } from '../helpers/corpus';
import { type OrderResponse, type ResponseLine, documentFor, orderResponse } from '../../src/canonical';
import {
  baseReferences, baseRoles, code, count, defined, expectClean, expectRoundTrip, isoDay, itemIds, lineNumber, money, optional, party, purposes,
  readCorpus, reference, text, unit, via,
} from './support';

const corpus = {
  nodeX12: 'x12/node-x12__test-data_855.edi',
  stupidedi: 'x12/stupidedi__PR855_pass_1.edi',
  stupidediBad: 'bad/stupidedi__PR855_fail_2.edi',
};

const run = corpusAvailable() ? describe : describe.skip;

run('canonical order response: reading the corpus', () => {
  test('node-x12 855: acknowledged with detail (AD), ship-to with three address lines, accepted (IA) and rejected (IR) lines', () => {
    const r = readCorpus(orderResponse, 'x12', corpus.nodeX12);
    expect(r).toMatchObject({ status: 'accepted', purpose: 'original', orderNumber: 'POTEST1112', orderDate: '2020-10-15', date: '2020-10-15', currency: 'USD' });
    expect(r.number).toBeUndefined(); // BAK06 (request reference) is not the seller's number (BAK08)
    expect(r.parties).toEqual([{
      role: 'shipTo', id: '123MILL 0001', name: 'EDI TEST ACCOUNT-SUFFIX', addressLines: ['REGULAR EDI ACCOUNT', 'ATTN ACQ SERVS', '7615 DISALLE BOULEVARD'], city: 'FORT WAYNE', region: 'IN', postalCode: '46825',
    }]);
    expect(r.lines.map((l) => [l.lineNumber, l.status, l.quantity, l.confirmedQuantity, l.gtin])).toEqual([
      ['1', 'accepted', 3, 3, '9780446360265'], ['2', 'rejected', 2, 0, '9780767928427'], ['3', 'rejected', 1, 0, '9780099599531'], ['4', 'accepted', 2, 2, '9780446360272'],
    ]);
    expect(r.lines[0]).toMatchObject({ unit: 'UN', unitPrice: 4.5, description: 'DIC WEBSTERS NEW WORLD' });
    expect(r.totals).toEqual({ lineCount: 4 });
  });

  test('stupidedi 855: accepted (AT), the seller\'s order number (BAK08), a line without an ACK has no status', () => {
    const r = readCorpus(orderResponse, 'x12', corpus.stupidedi);
    expect(r).toMatchObject({ number: '338093', date: '2017-04-25', status: 'accepted', orderNumber: '1D711419', orderDate: '2017-05-02' });
    expect(r.parties).toEqual([{ role: 'seller', id: 'SHRAA', idQualifier: 'buyer-assigned', name: 'SHRADER CANADA', addressLines: ['830 PROGRESS CT'], city: 'OAKVILLE', region: 'ON' }]);
    expect(r.lines).toEqual([{ lineNumber: '0001', quantity: 72, unit: 'EA', unitPrice: 47.34, buyerItem: 'C000900237' }]);
  });

  test('stupidedi 855 from bad/ (ISA not fixed width): the response itself reads, AC as changed', () => {
    const r = readCorpus(orderResponse, 'x12', corpus.stupidediBad);
    expect(r).toMatchObject({ status: 'changed', orderNumber: '8000000418', number: '349037459001' });
    expect(r.parties.map((p) => [p.role, p.name])).toEqual([['buyer', 'Hatrsville Compressor Station'], ['seller', 'SUPPLIER 001']]);
    expect(r.lines.map((l) => [l.quantity, l.unit, l.vendorItem])).toEqual([[2, 'DZN', '420525112'], [6, 'BX', '221051']]);
  });
});

run('canonical order response: round trips through the other standard', () => {
  test.each([corpus.nodeX12, corpus.stupidedi])('%s: 855 -> ORDRSP -> OrderResponse -> 855 is the same, both clean', (file) => {
    expectRoundTrip(orderResponse, 'x12', readCorpus(orderResponse, 'x12', file));
  });
});

describe('canonical order response: fields the corpus does not exercise', () => {
  const full: OrderResponse = {
    number: 'SO-5531', date: '2024-02-02', purpose: 'original', status: 'changed', orderNumber: 'PO-77', orderDate: '2024-02-01', currency: 'EUR',
    parties: [
      { role: 'seller', id: '5412345000013', idQualifier: 'gln', name: 'Müller & Söhne GmbH' },
      { role: 'buyer', id: '123456789', idQualifier: 'duns', name: "O'Brien Supply", addressLines: ['1 Main St'], city: 'Boston', region: 'MA', postalCode: '02101', country: 'US' },
    ],
    references: [{ qualifier: 'contract', value: 'C-2024-1' }],
    lines: [
      { lineNumber: '1', status: 'accepted', quantity: 10, unit: 'EA', unitPrice: 9.5, confirmedQuantity: 10, estimatedDelivery: '2024-02-10', gtin: '04012345000018', description: 'Accepted as ordered' },
      { lineNumber: '2', status: 'changed', quantity: 5, unit: 'CS', unitPrice: 20, confirmedQuantity: 4, vendorItem: 'V-2' },
      { lineNumber: '3', status: 'rejected', quantity: 1, unit: 'EA', confirmedQuantity: 0, buyerItem: 'B-3' },
      { lineNumber: '4', status: 'backordered', quantity: 8, unit: 'KGM', confirmedQuantity: 8, estimatedDelivery: '2024-04-01', isbn: '9780000000002' },
      { lineNumber: '5', quantity: 2, unit: 'EA', manufacturerItem: 'M-5' },
    ],
    totals: { lineCount: 5, amount: 1234.5 },
    notes: ['Line 2: only four cases left in this size.'],
  };

  test('every field survives X12 and EDIFACT, and both documents validate without findings', () => {
    expectRoundTrip(orderResponse, 'x12', full);
    expectRoundTrip(orderResponse, 'edifact', full);
  });

  test('line status: ACK01 IA/IC/IR/IB in the 855; LIN 1229 5/6/7 in the ORDRSP, a back order as 6 with QTY 83', () => {
    const x12 = via(orderResponse, 'x12', full).bytes.toString();
    expect(x12).toMatch(/\nGS\*PR\*SENDER\*RECEIVER\*20240102\*1230\*42\*X\*004010~\nST\*855\*0001~\nBAK\*00\*AC\*PO-77\*20240201\*\*\*\*SO-5531\*20240202~/);
    expect(x12.match(/ACK\*[^~]*/g)).toEqual(['ACK*IA*10*EA*017*20240210', 'ACK*IC*4*CA', 'ACK*IR*0*EA', 'ACK*IB*8*KG*017*20240401']);
    const edifact = via(orderResponse, 'edifact', full).bytes.toString('latin1');
    expect(edifact).toMatch(/UNH\+1\+ORDRSP:D:96A:UN'\nBGM\+231\+SO-5531\+9\+AC'\nDTM\+137:20240202:102'/);
    expect(edifact.match(/LIN\+[^']*/g)).toEqual(['LIN+1+5+04012345000018:EN', 'LIN+2+6', 'LIN+3+7', 'LIN+4+6', 'LIN+5']);
    expect(edifact.match(/QTY\+[^']*/g)).toEqual(['QTY+21:10:EA', 'QTY+113:10:EA', 'QTY+21:5:CS', 'QTY+113:4:CS', 'QTY+21:1:EA', 'QTY+113:0:EA', 'QTY+21:8:KGM', 'QTY+83:8:KGM', 'QTY+21:2:EA']);
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
  // What an 855 can say of a line: an ACK needs a status, a unit needs a quantity to travel with, a back
  // order needs its quantity in an ORDRSP (QTY 83).
  const line: fc.Arbitrary<ResponseLine> = fc.record({
    lineNumber: optional(lineNumber),
    status: optional(fc.constantFrom('accepted', 'rejected', 'changed', 'backordered') as fc.Arbitrary<ResponseLine['status']>),
    quantity: optional(money()),
    unit: optional(unit),
    unitPrice: optional(money()),
    confirmedQuantity: optional(money()),
    estimatedDelivery: optional(isoDay),
    description: optional(text(150)),
  }).map((l) => defined({
    ...l,
    unit: l.quantity !== undefined || (l.status && l.confirmedQuantity !== undefined) ? l.unit : undefined,
    confirmedQuantity: l.status ? (l.status === 'backordered' ? l.confirmedQuantity ?? 1 : l.confirmedQuantity) : undefined,
    estimatedDelivery: l.status ? l.estimatedDelivery : undefined,
  })).chain((l) => itemIds.map((ids) => defined({ ...l, ...ids })));
  const doc: fc.Arbitrary<OrderResponse> = fc.record({
    number: optional(code(1, 30)),
    date: isoDay,
    purpose: purposes,
    status: fc.constantFrom('accepted', 'changed', 'rejected') as fc.Arbitrary<OrderResponse['status']>,
    orderNumber: code(1, 22),
    orderDate: isoDay,
    currency: optional(fc.constantFrom('EUR', 'USD', 'CHF')),
    parties: fc.array(party(baseRoles), { maxLength: 4 }),
    references: fc.array(reference(baseReferences), { maxLength: 4 }),
    lines: fc.array(line, { maxLength: 5 }),
    totals: fc.record({ lineCount: count(999), amount: optional(money()) }).map(defined),
    notes: fc.array(text(300), { maxLength: 3 }),
  }).map((d) => defined(d) as OrderResponse);

  test('any OrderResponse both standards can carry comes back equal from X12 and from EDIFACT, and both validate clean', () => {
    fc.assert(fc.property(doc, (r) => {
      for (const std of ['x12', 'edifact'] as const) {
        const back = via(orderResponse, std, r);
        expectClean(back.ic);
        expect(back.doc).toEqual(r);
      }
    }), { numRuns: 60 });
  });
});
