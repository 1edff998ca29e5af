import { basename } from 'node:path';
import fc from 'fast-check';
import { describeWithCorpus, corpusFiles, read } from '../helpers/corpus';
import { partyRoles, referenceQualifiers } from '../../src/canonical/code-lists';
import {
  type DocumentKind,
  checkDocument,
  documentFor,
  documents,
  invoice,
  invoiceSchema,
  issuePath,
  orderResponse,
  orderResponseSchema,
  purchaseOrder,
  purchaseOrderSchema,
  shipNotice,
  shipNoticeSchema,
} from '../../src/canonical';
import {
  expectClean,
  findings,
  fullInvoice,
  fullOrderResponse,
  fullPurchaseOrder,
  fullShipNotice,
  invoices,
  orderResponses,
  parse,
  purchaseOrders,
  shipNotices,
  via,
} from './support';

/** What a caller of checkDocument gets: the document, or the issues as one list to compare. */
function check(kind: DocumentKind, value: unknown): unknown {
  const r = checkDocument(kind, value);
  return r.ok ? r.value : { issues: r.issues };
}

/** A document as the translate command's JSON output and a JSON round trip give it. */
const asJson = (kind: DocumentKind, doc: object): unknown =>
  JSON.parse(JSON.stringify({ document: kind.name, ...doc }));

/** Every document a reader makes of the corpus: each transaction of every file (x12/, edifact/, bad/) that has a kind. */
function corpusDocuments(): Array<[string, DocumentKind, unknown]> {
  const out: Array<[string, DocumentKind, unknown]> = [];
  for (const file of [...corpusFiles('x12'), ...corpusFiles('edifact'), ...corpusFiles('bad')]) {
    let interchanges;
    try {
      interchanges = parse(read(file));
    } catch {
      continue; // unreadable (no ISA/UNB): nothing for a reader
    }
    for (const ic of interchanges) {
      for (const tx of ic.groups.flatMap((g) => g.transactions)) {
        const kind = documentFor(ic.standard, tx.type);
        if (kind) out.push([`${basename(file)} ${tx.type} ${tx.controlNumber}`, kind, kind[ic.standard].read(tx)]);
      }
    }
  }
  return out;
}

const run = describeWithCorpus;

/**
 * Two messages in bad/ have no BGM: the reader leaves `number` out (compact() drops the empty string), so
 * what it returns is not a document of its own interface, and the schema says so.
 */
const withoutNumber = [
  'edifact-rs__edifact-rs_d01b_invoic_malformed.edi',
  'edifact-rs__edifact-rs_d96a_orders_malformed.edi',
];

/**
 * An INVOIC in bad/ states no total (no MOA at all): the 810 requires one in TDS, so writing it to X12
 * is refused by name rather than given an invented total.
 */
const withoutTotal = ['edifact-rs__edifact-rs_d01b_invoic_conforming.edi'];

run('canonical schemas: every document the readers make of the corpus', () => {
  const all = corpusDocuments();
  const docs = all.filter(([name]) => !withoutNumber.some((f) => name.startsWith(f)));

  test('the corpus holds documents of every kind', () => {
    expect(new Set(docs.map(([, kind]) => kind.name))).toEqual(new Set(documents.map((d) => d.name)));
  });

  test.each(docs)('%s: passes its schema unchanged, also as translate --to json writes it', (_name, kind, doc) => {
    expect(kind.schema.parse(doc)).toEqual(doc);
    expect(check(kind, asJson(kind, doc as object))).toEqual(doc);
  });

  test.each(docs)('%s: written to each standard and read back, still passes unchanged', (name, kind, doc) => {
    for (const std of ['x12', 'edifact'] as const) {
      if (std === 'x12' && withoutTotal.some((f) => name.startsWith(f))) {
        expect(() => via(kind, std, doc)).toThrow(/states no total amount .* which TDS01 of the X12 810 requires/);
        continue;
      }
      const back = via(kind, std, doc).doc;
      expect(kind.schema.parse(back)).toEqual(back);
    }
  });

  test('a message without a BGM reads to a document without its number, which the schema refuses', () => {
    const refused = all.filter(([name]) => withoutNumber.some((f) => name.startsWith(f)));
    expect(refused.map(([name]) => name.split(' ')[0]).sort()).toEqual(withoutNumber);
    for (const [, kind, doc] of refused)
      expect(check(kind, doc)).toEqual({ issues: ['number: missing: expected a string'] });
  });
});

describe('canonical schemas: hand-made and generated documents', () => {
  const full: Array<[string, DocumentKind, object]> = [
    ['PurchaseOrder', purchaseOrder, fullPurchaseOrder],
    ['Invoice', invoice, fullInvoice],
    ['ShipNotice', shipNotice, fullShipNotice],
    ['OrderResponse', orderResponse, fullOrderResponse],
  ];

  test.each(full)('the %s that fills every field passes unchanged', (_name, kind, doc) => {
    expect(kind.schema.parse(doc)).toEqual(doc);
    expect(check(kind, asJson(kind, doc))).toEqual(doc);
  });

  test('any generated document of each kind passes unchanged, from memory and from JSON', () => {
    const kinds: Array<[DocumentKind, fc.Arbitrary<object>]> = [
      [purchaseOrder, purchaseOrders],
      [invoice, invoices],
      [shipNotice, shipNotices],
      [orderResponse, orderResponses],
    ];
    for (const [kind, arb] of kinds) {
      fc.assert(
        fc.property(arb, (doc) => {
          expect(kind.schema.parse(doc)).toEqual(doc);
          expect(check(kind, asJson(kind, doc))).toEqual(doc);
        }),
        { numRuns: 100 },
      );
    }
  });

  test("the registry carries each kind's schema", () => {
    expect(documents.map((d) => d.schema)).toEqual([
      purchaseOrderSchema,
      invoiceSchema,
      shipNoticeSchema,
      orderResponseSchema,
    ]);
  });
});

describe('canonical schemas: a minimal document is completed with the defaults', () => {
  test('PurchaseOrder: purpose original, type order, empty lists, lineCount the number of lines; "document" is dropped', () => {
    expect(check(purchaseOrder, { document: 'PurchaseOrder', number: 'PO-1', lines: [{ quantity: 1 }] })).toEqual({
      number: 'PO-1',
      purpose: 'original',
      type: 'order',
      parties: [],
      references: [],
      dates: [],
      lines: [{ quantity: 1 }],
      totals: { lineCount: 1 },
      notes: [],
    });
  });

  test("Invoice: type invoice, purpose original; ShipNotice: purpose original, no orders, an order's items empty; OrderResponse: status accepted", () => {
    expect(
      check(invoice, { number: 'INV-1', lines: [{ quantity: 2 }, { quantity: 3 }], totals: { amount: 10 } }),
    ).toEqual({
      number: 'INV-1',
      type: 'invoice',
      purpose: 'original',
      parties: [],
      references: [],
      dates: [],
      lines: [{ quantity: 2 }, { quantity: 3 }],
      totals: { amount: 10, lineCount: 2 },
      notes: [],
    });
    expect(check(shipNotice, { number: 'ASN-1' })).toEqual({
      number: 'ASN-1',
      purpose: 'original',
      parties: [],
      references: [],
      dates: [],
      orders: [],
    });
    expect(check(shipNotice, { number: 'ASN-1', orders: [{ number: 'PO-1' }] })).toMatchObject({
      orders: [{ number: 'PO-1', items: [] }],
    });
    expect(check(orderResponse, { orderNumber: 'PO-1' })).toEqual({
      orderNumber: 'PO-1',
      purpose: 'original',
      status: 'accepted',
      parties: [],
      references: [],
      dates: [],
      lines: [],
      totals: { lineCount: 0 },
      notes: [],
    });
  });

  test('a lineCount that is sent is kept, even when it is not the number of lines; defaults are never shared between documents', () => {
    expect(check(purchaseOrder, { number: 'PO-1', lines: [{ quantity: 1 }], totals: { lineCount: 7 } })).toMatchObject({
      totals: { lineCount: 7 },
    });
    const a = purchaseOrderSchema.parse({ number: 'A' });
    a.notes.push('mutated');
    a.parties.push({ role: 'buyer', name: 'X' });
    expect(purchaseOrderSchema.parse({ number: 'B' })).toMatchObject({ notes: [], parties: [] });
  });

  test(
    'the writers take a minimal PurchaseOrder (it used to fail with "po.notes is not iterable"); ' +
      'without a date the profiles say BEG05 and DTM 137 are missing',
    () => {
      const po = purchaseOrderSchema.parse({ number: 'PO-1', lines: [{ quantity: 1 }] });
      expect(findings(via(purchaseOrder, 'x12', po).ic)).toEqual([expect.stringMatching(/BEG05/)]);
      expect(findings(via(purchaseOrder, 'edifact', po).ic)).toEqual([expect.stringMatching(/DTM/)]);
    },
  );

  // What each standard makes mandatory (docs/canonical.md): a date for every document, an amount for an
  // invoice, the order's date for a response. With those, the minimal documents are clean in both.
  const minimal: Array<[string, DocumentKind, object]> = [
    ['PurchaseOrder', purchaseOrder, { number: 'PO-1', date: '2024-03-01', lines: [{ quantity: 1 }] }],
    [
      'Invoice',
      invoice,
      { number: 'INV-1', date: '2024-03-01', lines: [{ quantity: 1, unitPrice: 10 }], totals: { amount: 10 } },
    ],
    [
      'ShipNotice',
      shipNotice,
      { number: 'ASN-1', date: '2024-03-01', orders: [{ number: 'PO-1', items: [{ quantity: 1, unit: 'EA' }] }] },
    ],
    [
      'OrderResponse',
      orderResponse,
      {
        orderNumber: 'PO-1',
        date: '2024-03-01',
        orderDate: '2024-02-28',
        lines: [{ status: 'accepted', quantity: 1, confirmedQuantity: 1 }],
      },
    ],
  ];

  test.each(minimal)(
    'a minimal %s with its defaults is written to X12 and EDIFACT that validate clean, and reads back the same',
    (_name, kind, input) => {
      const r = checkDocument(kind, input);
      if (!r.ok) throw new Error(r.issues.join('\n'));
      for (const std of ['x12', 'edifact'] as const) {
        const { ic, doc } = via(kind, std, r.value);
        expectClean(ic);
        expect(doc).toEqual(r.value);
      }
    },
  );
});

describe('canonical schemas: located issues', () => {
  test('wrong types: the path of the value and what was expected instead', () => {
    expect(
      check(purchaseOrder, {
        number: 42,
        lines: [{ quantity: 1 }, { quantity: 2 }, { quantity: '12' }],
        notes: 'one note',
        totals: { lineCount: 1.5 },
      }),
    ).toEqual({
      issues: [
        'number: expected a string, got 42',
        'lines[2].quantity: expected a number, got "12"',
        'totals.lineCount: expected a whole number, got 1.5',
        'notes: expected an array, got "one note"',
      ],
    });
    expect(check(invoice, { number: 'I', terms: { netDays: -1 }, lines: [{ quantity: null }] })).toEqual({
      issues: ['terms.netDays: expected at least 0, got -1', 'lines[0].quantity: expected a number, got null'],
    });
    expect(
      check(shipNotice, {
        number: 'S',
        orders: [{ items: [] }, { items: [{ quantity: 1 }, { quantity: Number.NaN }] }],
      }),
    ).toEqual({
      issues: ['orders[1].items[1].quantity: expected a number, got NaN'],
    });
  });

  test('missing and empty required fields, bad dates, and a value that is not a document at all', () => {
    expect(check(purchaseOrder, { lines: [{ unit: 'EA' }] })).toEqual({
      issues: ['number: missing: expected a string', 'lines[0].quantity: missing: expected a number'],
    });
    expect(check(orderResponse, { orderNumber: '', date: '2024-02-30', orderDate: '20240201' })).toEqual({
      issues: [
        'date: expected a date as YYYY-MM-DD, got "2024-02-30"',
        'orderNumber: must not be empty',
        'orderDate: expected a date as YYYY-MM-DD, got "20240201"',
      ],
    });
    expect(check(invoice, [])).toEqual({ issues: ['expected an object, got an array'] });
    expect(check(invoice, 'INV-1')).toEqual({ issues: ['expected an object, got "INV-1"'] });
  });

  test('unknown keys, each at its own path, so a typo is caught', () => {
    expect(
      check(purchaseOrder, {
        number: 'PO-1',
        note: ['x'],
        lines: [{ quantity: 1, unitprice: 9.5 }],
        parties: [{ role: 'buyer', nmae: 'ACME', 'post code': '1' }],
      }),
    ).toEqual({
      issues: [
        'parties[0].nmae: unknown key',
        'parties[0]["post code"]: unknown key',
        'lines[0].unitprice: unknown key',
        'note: unknown key',
      ],
    });
  });

  test('bad enums list the values the document knows; roles and qualifiers are those of the code lists, or a code as sent', () => {
    const roles = partyRoles.names.map((n) => JSON.stringify(n)).join(', ');
    const refs = referenceQualifiers.names.map((n) => JSON.stringify(n)).join(', ');
    expect(
      check(purchaseOrder, {
        number: 'PO-1',
        type: 'standing',
        parties: [{ role: 'boss' }],
        references: [{ qualifier: 'bill of lading', value: 'B' }],
        dates: [{ qualifier: 'x12:', date: '2024-02-30', time: '25:00' }],
      }),
    ).toEqual({
      issues: [
        'type: expected one of "order", "new-order", "blanket", "rush", "release", "consigned", "drop-ship", ' +
          '"emergency", or x12:CODE / edifact:CODE, got "standing"',
        `parties[0].role: expected one of ${roles}, or x12:CODE / edifact:CODE, got "boss"`,
        `references[0].qualifier: expected one of ${refs}, or x12:CODE / edifact:CODE, got "bill of lading"`,
        expect.stringMatching(/^dates\[0\]\.qualifier: expected one of "cancel-after", .*, got "x12:"$/),
        'dates[0].date: expected a date as YYYY-MM-DD, got "2024-02-30"',
        'dates[0].time: expected a time as HH:MM',
      ],
    });
    // Every document knows every role and reference kind, and a code as sent.
    expect(checkDocument(purchaseOrder, { number: 'P', parties: [{ role: 'remitTo', name: 'Lockbox' }] }).ok).toBe(
      true,
    );
    expect(
      checkDocument(shipNotice, {
        number: 'S',
        references: [
          { qualifier: 'bill-of-lading', value: 'B' },
          { qualifier: 'x12:DP', value: '038' },
        ],
        parties: [
          {
            role: 'edifact:BT',
            contacts: [{ function: 'information', communications: [{ channel: 'email', value: 'a@b.c' }] }],
          },
        ],
      }).ok,
    ).toBe(true);
    expect(
      check(orderResponse, {
        orderNumber: 'PO-1',
        status: 'ok',
        lines: [{ status: 'shipped' }],
        parties: [{ role: 'buyer', idQualifier: 'ZZ' }],
      }),
    ).toEqual({
      issues: [
        'status: expected one of "accepted", "changed", "rejected", got "ok"',
        'parties[0].idQualifier: expected one of "gln", "duns", "duns+4", "seller-assigned", "buyer-assigned", or x12:CODE / edifact:CODE, got "ZZ"',
        'lines[0].status: expected one of "accepted", "rejected", "changed", "backordered", got "shipped"',
      ],
    });
  });

  test('a "document" field naming another kind is an error', () => {
    expect(check(purchaseOrder, { document: 'Invoice', number: 'INV-1' })).toEqual({
      issues: ['document: expected "PurchaseOrder", got "Invoice"'],
    });
  });

  test('paths are written JSONPath-like', () => {
    expect(issuePath(['lines', 2, 'quantity'])).toBe('lines[2].quantity');
    expect(issuePath(['orders', 0, 'items', 1, 'unit'])).toBe('orders[0].items[1].unit');
    expect(issuePath(['parties', 0, 'post code'])).toBe('parties[0]["post code"]');
    expect(issuePath([])).toBe('');
  });
});
