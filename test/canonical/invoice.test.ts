import fc from 'fast-check';
import { describeWithCorpus } from '../helpers/corpus';
import { documentFor, fromInvoic, invoice } from '../../src/canonical';
import { expectClean, expectRoundTrip, fullInvoice, invoices, readCorpus, transactions, via } from './support';

const corpus = {
  stupidedi: 'x12/stupidedi__IN810_pass_1.edi',
  staediSimple: 'x12/staedi__x12_simple810.edi',
  aerospace: 'x12/stupidedi__X348-SC810-Aerospace-Industry-Invoice_pass_credit-card-invoice.edi',
  pydifact: 'edifact/pydifact__invoice1.edi',
  pydifactColon: 'edifact/pydifact__invoice_with_colon_at_end.edi',
  staediD97B: 'edifact/staedi__EDIFACT_invoic_d97b.edi',
  staediD97BUna: 'edifact/staedi__EDIFACT_invoic_d97b_una.edi',
  staediD93A: 'edifact/staedi__EDIFACT_invoic_d93a_una.edi',
};
const x12Files = [corpus.stupidedi, corpus.staediSimple, corpus.aerospace];
const edifactFiles = [corpus.pydifact, corpus.pydifactColon, corpus.staediD97B, corpus.staediD97BUna];

const run = describeWithCorpus;

run('canonical invoice: reading the corpus', () => {
  test('stupidedi 810 (| delimiters): dates, order, ship-to, net 30 terms, ISBN/EAN lines, TDS in implied cents', () => {
    const inv = readCorpus(invoice, 'x12', corpus.stupidedi);
    expect(inv).toMatchObject({
      number: '00237058',
      date: '2021-11-18',
      type: 'invoice',
      purpose: 'original',
      orderNumber: '0691-0014403',
      orderDate: '2021-11-02',
      terms: { netDays: 30 },
    });
    expect(inv.parties).toEqual([
      {
        role: 'shipTo',
        id: '1091581',
        name: 'Store Shipping Address',
        addressLines: ['123 address_1', 'address_2'],
        city: 'SAVANNAH',
        region: 'GA',
        postalCode: '314014245',
      },
    ]);
    expect(inv.lines).toEqual([
      // IT1 GC (no code list entry) is carried as sent, for X12 only.
      {
        quantity: 4,
        unitPrice: 70,
        gtin: '9781501331978',
        description: 'Retail Buying From Basics to Fashion',
        productIds: [{ qualifier: 'x12:GC', value: '01' }],
      },
      {
        quantity: 1,
        unitPrice: 5.66,
        gtin: '9780316154680',
        description: 'When You Are Engulfed in Flames',
        productIds: [{ qualifier: 'x12:GC', value: '02' }],
      },
    ]);
    expect(inv.totals).toEqual({ lineCount: 2, amount: 285.66 }); // TDS*28566
  });

  test('staedi 810s: bill-to and remit-to (RE) parties with D-U-N-S+4, 1% 15 days / net 16, cases as CS', () => {
    const [first, second] = transactions(corpus.staediSimple, '810').map(invoice.x12.read);
    expect(first.parties.map((p) => [p.role, p.name, p.idQualifier])).toEqual([
      ['shipTo', 'BUYSNACKS PORT', 'duns+4'],
      ['billTo', 'BUYSNACKS', 'duns+4'],
      ['remitTo', 'FOODSELLER', 'duns+4'],
    ]);
    expect(first.terms).toEqual({ discountPercent: 1, discountDays: 15, netDays: 16 });
    expect(first.lines).toHaveLength(7);
    expect(first.lines[0]).toEqual({
      quantity: 16,
      unit: 'CS',
      unitPrice: 12.34,
      gtin: '002840022222',
      // IT106 UA (U.P.C./EAN case code), kept as sent: X12 writes UP for 12 digits (issue 14).
      itemIdQualifiers: { gtin: 'UA' },
      description: 'CRUNCHY CHIPS LSS',
    });
    expect(first.totals).toEqual({ lineCount: 7, amount: 2554.38 });
    expect(second).toMatchObject({ orderNumber: 'A99999-04', date: '1997-12-15' });
    expect(second.lines.map((l) => l.quantity)).toEqual([50, 100]);
  });

  test('stupidedi X348 810 (004010X348, no profile): consolidated invoice (BIG07 CI), payee bank (RI, remit to)', () => {
    const [tx] = transactions(corpus.aerospace, '810');
    expect(tx.tree).toBeUndefined();
    const inv = invoice.x12.read(tx);
    expect(inv).toMatchObject({
      number: '39876980601170600',
      type: 'consolidated',
      orderNumber: '767124',
      orderDate: '2000-05-06',
      terms: { netDays: 14 },
    });
    expect(inv.parties).toEqual([{ role: 'payee', id: '290448', idQualifier: 'buyer-assigned', name: 'US BANK' }]);
    expect(inv.totals).toEqual({ lineCount: 1, amount: 170.6 });
  });

  test('pydifact INVOIC D97A (no profile): credit note, price per 100 (PRI 5284) read per unit, PCE read as H87, due date from PAT/DTM 140', () => {
    const inv = readCorpus(invoice, 'edifact', corpus.pydifact);
    expect(inv).toMatchObject({
      number: '1060113800026',
      date: '1999-10-06',
      type: 'credit',
      currency: 'EUR',
      terms: { dueDate: '1999-10-31' },
    });
    // NAD+BT (bill to) beside IV (invoicee, what EDIFACT writes for the bill-to party): the code is kept, so
    // EDIFACT gets BT back; X12 gets the party as N1 BT (it used to be dropped with its VAT number).
    expect(inv.parties).toEqual([
      {
        role: 'billTo',
        roleCode: 'BT',
        id: 'VAUXHALL MOTORS LTD',
        idQualifier: 'seller-assigned',
        references: [{ qualifier: 'vat-registration', value: '382324067' }],
      },
      {
        role: 'seller',
        id: '2002993',
        idQualifier: 'buyer-assigned',
        references: [{ qualifier: 'vat-registration', value: '123844750' }],
      },
    ]);
    expect(inv.lines).toHaveLength(1);
    expect(inv.lines[0]).toMatchObject({ quantity: 54, unit: 'H87', buyerItem: '090346642' });
    expect(inv.lines[0].unitPrice).toBeCloseTo(36.301724, 6);
    expect(inv.totals).toEqual({ lineCount: 1, amount: 1960.29 });
    expect(readCorpus(invoice, 'edifact', corpus.pydifactColon)).toEqual(inv);
  });

  test('staedi INVOIC D97B (its own profile, lines in SG26): order reference, D-U-N-S parties, invoice total MOA 39', () => {
    const [tx] = transactions(corpus.staediD97B, 'INVOIC');
    expect(tx.tree).toBeDefined();
    const inv = fromInvoic(tx);
    expect(inv).toMatchObject({ number: '342459', date: '2006-05-15', type: 'invoice', orderNumber: '521052' });
    expect(inv.parties.map((p) => [p.role, p.id, p.idQualifier])).toEqual([
      ['buyer', '792820524', 'duns'],
      ['sellingParty', '005435656', 'duns'],
    ]);
    // PRI INV is an invoice price (kept as one), ALI the country of origin; MOA 203 each line's amount, which
    // is quantity × price and so implied rather than kept (the writer gives it back).
    const invoicePrice = { unitPriceQualifier: 'invoice' };
    expect(inv.lines).toEqual([
      {
        lineNumber: '1',
        quantity: 1020,
        unit: 'EA',
        unitPrice: 1.179,
        ...invoicePrice,
        buyerItem: '157870', // LIN 7143 IN (buyer's item number): the default of both standards, nothing kept
        description: 'WIDGET',
        countryOfOrigin: 'US',
      },
      {
        lineNumber: '2',
        quantity: 20,
        unit: 'EA',
        unitPrice: 20.5,
        ...invoicePrice,
        buyerItem: '157871',
        description: 'DIFFERENT WIDGET',
        countryOfOrigin: 'JP',
      },
    ]);
    // The summary's ALC group (SG51) is a charge total; ABG is its reference, it names no C214 code.
    expect(inv.totals).toEqual({
      lineCount: 2,
      amount: 2137.58,
      charges: [{ indicator: 'charge', reference: 'ABG', amount: 525 }],
    });
  });

  test('staedi INVOIC D93A: tax amount MOA 124; no invoice amount it knows (79/128), so not a complete 810', () => {
    const inv = readCorpus(invoice, 'edifact', corpus.staediD93A);
    // MOA 79 and 128 are totals of their own (79 crosses to X12 as AMT 1; 128 has no X12 code).
    expect(inv.totals).toEqual({
      lineCount: 3,
      taxAmount: 124.38,
      amounts: [
        { qualifier: 'line-items-total', amount: 777.4 },
        { qualifier: 'total', amount: 901.78 },
      ],
    });
    expect(inv.lines.map((l) => [l.lineNumber, l.quantity, l.unitPrice, l.description])).toEqual([
      ['1', 1, 750, 'Fahrrad, Damen'],
      ['2', 1, 19.9, 'Luftpumpe, Stand-'],
      ['3', 3, 2.5, 'Ersatzventil'],
    ]);
  });
});

run('canonical invoice: round trips through the other standard', () => {
  test.each(x12Files)('%s: 810 -> INVOIC -> Invoice -> 810 is the same, both clean', (file) => {
    for (const tx of transactions(file, '810')) expectRoundTrip(invoice, 'x12', invoice.x12.read(tx));
  });

  test.each(edifactFiles)('%s: INVOIC -> 810 -> Invoice -> INVOIC is the same, both clean', (file) => {
    expectRoundTrip(invoice, 'edifact', readCorpus(invoice, 'edifact', file));
  });

  test('pydifact NAD+BT (bill to): N1 BT with its VAT number in the 810, NAD+BT back within EDIFACT, NAD+IV through X12', () => {
    const doc = readCorpus(invoice, 'edifact', corpus.pydifact);
    const segs = (ic: ReturnType<typeof via>['ic']) =>
      ic.groups[0].transactions[0].segments.map((s) => JSON.stringify([s.id, ...s.elements]));
    const x12 = via(invoice, 'x12', doc);
    expectClean(x12.ic);
    const n1 = segs(x12.ic).findIndex((s) => s.startsWith('["N1","BT"'));
    expect(n1).toBeGreaterThan(-1);
    expect(segs(x12.ic).slice(n1 + 1)).toContainEqual(JSON.stringify(['REF', 'VX', '382324067']));
    expect(x12.doc.parties[0]).toEqual({ ...doc.parties[0], roleCode: undefined });
    const nadCodes = (ic: ReturnType<typeof via>['ic']) =>
      ic.groups[0].transactions[0].segments.filter((s) => s.id === 'NAD').map((s) => s.elements[0]);
    expect(nadCodes(via(invoice, 'edifact', doc).ic)).toEqual(['BT', 'SU', 'ST']);
    expect(nadCodes(via(invoice, 'edifact', x12.doc).ic)).toEqual(['IV', 'SU', 'DP']);
  });
});

describe('canonical invoice: fields the corpus does not exercise', () => {
  const full = fullInvoice;

  test('every field survives X12 and EDIFACT, and both documents validate without findings', () => {
    expectRoundTrip(invoice, 'x12', full);
    expectRoundTrip(invoice, 'edifact', full);
  });

  test('envelope: GS01 IN and an 810 set; a debit note is BGM 383 in the INVOIC, with PAT/PCD terms and the SG48 totals', () => {
    expect(via(invoice, 'x12', full).bytes.toString()).toMatch(
      /\nGS\*IN\*SENDER\*RECEIVER\*20240102\*1230\*42\*X\*004010~\nST\*810\*0001~\nBIG\*20240229\*INV-2024-0042\*20240201\*PO-77\*\*\*DR\*05~/,
    );
    const edifact = via(invoice, 'edifact', full).bytes.toString('latin1');
    expect(edifact).toMatch(/UNH\+1\+INVOIC:D:96A:UN'\nBGM\+383\+INV-2024-0042\+5'\nDTM\+137:20240229:102'/);
    expect(edifact).toMatch(/PAT\+1\+\+5:3:D:30'\nDTM\+13:20240330:102'\nPAT\+22\+\+5:3:D:10'\nPCD\+12:2.5'/);
    expect(edifact).toMatch(/UNS\+S'\nCNT\+2:2'\nMOA\+77:3098.75'\nMOA\+176:588.76'/);
  });

  test('a note longer than an NTE (80) is cut in X12; the registry finds the kind by either transaction type', () => {
    const long = { ...full, notes: ['x'.repeat(120)] };
    expect(via(invoice, 'x12', long).doc.notes).toEqual(['x'.repeat(80)]);
    expect(via(invoice, 'edifact', long).doc.notes).toEqual(['x'.repeat(120)]);
    expect(documentFor('x12', '810')).toBe(invoice);
    expect(documentFor('edifact', 'INVOIC')).toBe(invoice);
  });
});

describe('canonical invoice: property', () => {
  test('any Invoice both standards can carry comes back equal from X12 and from EDIFACT, and both validate clean', () => {
    fc.assert(
      fc.property(invoices, (inv) => {
        for (const std of ['x12', 'edifact'] as const) {
          const r = via(invoice, std, inv);
          expectClean(r.ic);
          expect(r.doc).toEqual(inv);
        }
      }),
      { numRuns: 60 },
    );
  });
});
