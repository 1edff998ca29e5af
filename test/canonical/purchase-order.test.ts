import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describeWithCorpus, corpusDir, read } from '../helpers/corpus';
import { parseBuffer } from '../../src/edi/parse';
import { allDiagnostics, type Interchange, type Transaction } from '../../src/edi/model';
import { write } from '../../src/edi/write';
import { builtInProfiles } from '../../src/config/profiles';
import {
  type PurchaseOrder,
  edifactInterchange,
  fromOrders,
  fromX12_850,
  toOrders,
  toX12_850,
  x12Interchange,
} from '../../src/canonical';
import { fullPurchaseOrder, lossWarnings, portable, purchaseOrders } from './support';

const profiles = builtInProfiles().set;
const now = new Date('2024-01-02T12:30:00Z');
const env = {
  sender: { qualifier: 'ZZ', id: 'SENDER' },
  receiver: { qualifier: 'ZZ', id: 'RECEIVER' },
  controlNumber: 42,
  now,
};

const corpus = {
  nodeX12: 'x12/node-x12__test-data_850.edi',
  stupidedi: 'x12/stupidedi__X357-SC850-Aerospace-Industry-Purchase-Order_pass_taxexempt-po.edi',
  staedi: 'x12/staedi__x12_invoice810_po850_dual.edi',
  pydifact: 'bad/pydifact__order.edi',
  smooksEx: 'bad/smooks-ex__camel-unedifact-to-xml_input-message.txt',
  smooksD03B: 'edifact/smooks__edifact-cartridge_ORDERS_D.03B_Interchange.txt',
};
const x12Files = [corpus.nodeX12, corpus.stupidedi, corpus.staedi];
const edifactFiles = [corpus.pydifact, corpus.smooksEx, corpus.smooksD03B];

function parse(buf: Buffer): Interchange[] {
  return parseBuffer(buf, { level: 'full', profiles }).interchanges;
}

function transactions(file: string, type: string): Transaction[] {
  return parse(read(join(corpusDir, file)))
    .flatMap((ic) => ic.groups.flatMap((g) => g.transactions))
    .filter((t) => t.type === type);
}

const x12Order = (file: string) => fromX12_850(transactions(file, '850')[0]);
const edifactOrder = (file: string) => fromOrders(transactions(file, 'ORDERS')[0]);

/** Writes an order as a whole interchange and reads it back with our parser and the shipped profiles. */
function viaX12(po: PurchaseOrder): { po: PurchaseOrder; ic: Interchange; bytes: Buffer } {
  const bytes = write(x12Interchange([{ type: '850', version: '004010', body: toX12_850(po) }], env));
  const [ic] = parse(bytes);
  return { po: fromX12_850(ic.groups[0].transactions[0]), ic, bytes };
}

function viaOrders(po: PurchaseOrder): { po: PurchaseOrder; ic: Interchange; bytes: Buffer } {
  const bytes = write(edifactInterchange([{ type: 'ORDERS', version: 'D96A', body: toOrders(po) }], env));
  const [ic] = parse(bytes);
  return { po: fromOrders(ic.groups[0].transactions[0]), ic, bytes };
}

function expectClean(ic: Interchange): void {
  const tx = ic.groups[0].transactions[0];
  expect(tx.tree).toBeDefined(); // the shipped profile was found and applied
  expect(allDiagnostics(ic).filter((d) => d.severity === 'error')).toEqual([]);
  expect(allDiagnostics(ic).filter((d) => d.severity === 'warning')).toEqual([]);
}

const run = describeWithCorpus;

run('canonical purchase order: reading the corpus', () => {
  test('node-x12 850: header, ship-to party, six lines with items, prices and descriptions, totals', () => {
    const po = x12Order(corpus.nodeX12);
    expect(po).toMatchObject({
      number: '08292233294',
      date: '2010-11-27',
      purpose: 'original',
      type: 'order',
      requestedDelivery: '2010-12-14',
    });
    expect(po.parties).toEqual([
      {
        role: 'shipTo',
        id: '0003947268292',
        idQualifier: 'duns+4',
        name: 'XYZ RETAIL',
        addressLines: ['31875 SOLON RD'],
        city: 'SOLON',
        region: 'OH',
        postalCode: '44139',
      },
    ]);
    expect(po.lines).toHaveLength(6);
    expect(po.lines[0]).toEqual({
      lineNumber: '1',
      quantity: 120,
      unit: 'EA',
      unitPrice: 9.25,
      buyerItem: '065322-117',
      vendorItem: 'AB3542',
      // PO106 CB (buyer's catalogue number) and PO110 VN (vendor's item number), kept as sent (issue 14).
      itemIdQualifiers: { buyerItem: 'CB', vendorItem: 'VN' },
      description: 'SMALL WIDGET',
      // PO105 TE: a contract price per each; PO4*4*4*EA*PLT94**3*LR: four packs of four each on a wooden
      // pallet, 3 (LR) a pack, with no weight qualifier (PO405).
      unitPriceType: 'contract',
      unitPriceUnit: 'EA',
      packaging: [
        { pack: 4, size: 4, unit: 'EA', packageType: 'pallet', packageMaterial: '94', weight: 3, weightUnit: 'LR' },
      ],
      // PO108 PR has no code list entry: carried as sent, for X12 only.
      productIds: [{ qualifier: 'x12:PR', value: 'RO' }],
    });
    expect(po.lines[5]).toMatchObject({
      quantity: 696,
      unitPrice: 9.55,
      vendorItem: 'DX1875',
      description: 'ORANGE WIDGET',
    });
    // AMT*1 is the line items total, not the order's total (no AMT*TT is sent).
    expect(po.totals).toEqual({ lineCount: 6, amounts: [{ qualifier: 'line-items-total', amount: 13045.94 }] });
    // ITD*14*3*2**45**46: 2 % off within 45 days, net 46 days
    expect(po.terms).toEqual({ type: 'previously-agreed', discountPercent: 2, discountDays: 45, netDays: 46 });
    // REF*DP (department) is 1153 AMV, which D96A lacks: read as the department, written to X12 and D01B only; REF*PS is RFF PS in both
    expect(po.references).toEqual([
      { qualifier: 'department', value: '038' },
      { qualifier: 'purchase-order-suffix', value: 'R' },
    ]);
  });

  test('stupidedi X357 850: buyer with address, manufacturer part number, AMT*TT total', () => {
    const po = x12Order(corpus.stupidedi);
    expect(po).toMatchObject({ number: 'XX-1234', date: '2017-03-01' });
    expect(po.parties[0]).toMatchObject({
      role: 'buyer',
      name: 'ABC AEROSPACE',
      id: '1234567890101',
      city: 'FIGHTER TOWN',
      region: 'CA',
      postalCode: '98898',
    });
    expect(po.lines).toEqual([
      // PO105 PE: the price is per each.
      {
        lineNumber: '1',
        quantity: 25,
        unit: 'EA',
        unitPrice: 36,
        unitPriceUnit: 'EA',
        manufacturerItem: 'XYZ-1234',
        // SCH*25*EA***106*20170615: 106 (required by) is in no date list, so it stays X12's.
        schedules: [{ quantity: 25, unit: 'EA', dates: [{ qualifier: 'x12:106', date: '2017-06-15' }] }],
        // MEA*WT*WT*10*OZ: the item weighs 10 ounces.
        measurements: [{ dimension: 'weight', value: 10, unit: 'ONZ' }],
      },
    ]);
    expect(po.totals).toEqual({ lineCount: 1, amount: 900 });
  });

  test('staedi 003010 850 beside two 810s, read without a profile: YYMMDD date, NE order, buyer item numbers', () => {
    const tx = transactions(corpus.staedi, '850')[0];
    expect(tx.tree).toBeUndefined();
    const po = fromX12_850(tx);
    expect(po).toMatchObject({
      number: 'S115921858',
      date: '2004-03-17',
      type: 'new-order',
      references: [
        { qualifier: 'promotion', value: '040209' },
        { qualifier: 'x12:MU', value: '0.3492' },
        { qualifier: 'x12:WH', value: '24' },
      ],
    });
    expect(po.parties.map((p) => [p.role, p.name, p.id])).toEqual([
      ['buyer', 'SHIPPING GROUP, INC.', '999999999'],
      ['shipTo', 'CARGO LIMITED #112', undefined],
    ]);
    expect(po.lines.map((l) => [l.quantity, l.buyerItem])).toEqual([
      [150, '02006'],
      [50, '02008'],
      [25, '01019'],
      [25, '01220'],
    ]);
    expect(po.totals.lineCount).toBe(4);
  });

  test('pydifact ORDERS (no UNZ): GLN parties, dates with times, GTIN lines', () => {
    const po = edifactOrder(corpus.pydifact);
    expect(po).toMatchObject({
      number: '801715918011',
      date: '2015-08-03',
      requestedDelivery: '2015-08-06',
      references: [{ qualifier: 'promotion', value: '50515' }],
    });
    expect(po.parties).toEqual([
      { role: 'seller', id: '5020436000004', idQualifier: 'gln' },
      { role: 'buyer', id: '8711576000012', idQualifier: 'gln' },
      { role: 'shipTo', id: '8711576100019', idQualifier: 'gln' },
    ]);
    // Each line names its promotion (RFF PD in the line group).
    const promotion = [{ qualifier: 'promotion', value: '99' }];
    expect(po.lines).toEqual([
      { lineNumber: '1', quantity: 8, gtin: '5020436373085', references: promotion },
      { lineNumber: '2', quantity: 8, gtin: '5020436373108', references: promotion },
    ]);
  });

  test('smooks camel ORDERS: ISBNs in PIA, gross prices (PRI AAB), line count from CNT 2', () => {
    const po = edifactOrder(corpus.smooksEx);
    expect(po).toMatchObject({ number: '0123456789123', date: '1998-01-06' });
    expect(po.parties.map((p) => [p.role, p.id])).toEqual([
      ['buyer', '1135309'],
      ['shipTo', '6678157'],
      ['seller', '3333333'],
    ]);
    expect(po.lines.map((l) => [l.quantity, l.unitPrice, l.isbn])).toEqual([
      [2, 10.5, '0835201031'],
      [10, 9.25, '0835202151'],
      [5, 30, '0835208338'],
    ]);
    expect(po.totals).toEqual({ lineCount: 3 });
  });

  test('smooks D03B ORDERS (no profile): discrete quantities (QTY 1), ISBNs in LIN', () => {
    const tx = transactions(corpus.smooksD03B, 'ORDERS')[0];
    expect(tx.tree).toBeUndefined();
    const po = fromOrders(tx);
    expect(po).toMatchObject({ number: 'BKOD99', date: '2005-11-07' });
    expect(po.parties).toEqual([
      { role: 'buyer', id: '5412345000176', idQualifier: 'gln' },
      {
        role: 'seller',
        id: '4012345000094',
        idQualifier: 'gln',
        // CTA+AA and COM 3155 AA are not in the code lists: carried as sent, for EDIFACT only
        contacts: [{ function: 'edifact:AA', communications: [{ channel: 'edifact:AA', value: 's11' }] }],
      },
    ]);
    expect(po.lines.map((l) => [l.lineNumber, l.quantity, l.isbn])).toEqual([
      ['1', 25, '0764569104'],
      ['2', 25, '0764569090'],
      ['3', 16, '1861004656'],
      ['4', 10, '0596006756'],
    ]);
  });
});

run('canonical purchase order: round trips through the other standard', () => {
  test.each(x12Files)('%s: 850 -> ORDERS -> PurchaseOrder is the same, and the ORDERS is clean D96A', (file) => {
    const po = x12Order(file);
    // What the other standard has no code for stays behind; the rest comes back unchanged.
    const orders = viaOrders(po);
    expectClean(orders.ic);
    expect(orders.po).toEqual(portable(po));
    const back = viaX12(orders.po);
    expectClean(back.ic);
    expect(back.po).toEqual(portable(po, 'x12'));
    expect(viaX12(po).po).toEqual(po);
  });

  test.each(edifactFiles)('%s: ORDERS -> 850 -> PurchaseOrder is the same, and the 850 is clean 004010', (file) => {
    const po = edifactOrder(file);
    const x12 = viaX12(po);
    expectClean(x12.ic);
    expect(x12.po).toEqual(portable(po, 'x12'));
    const back = viaOrders(x12.po);
    expectClean(back.ic);
    expect(back.po).toEqual(portable(po, 'x12'));
    expect(viaOrders(po).po).toEqual(po);
  });
});

describe('canonical purchase order: fields the corpus does not exercise', () => {
  const full = fullPurchaseOrder;

  test('every field survives X12 and EDIFACT, and both documents validate without findings', () => {
    const x12 = viaX12(full);
    expectClean(x12.ic);
    expect(x12.po).toEqual(full);
    const orders = viaOrders(full);
    expectClean(orders.ic);
    expect(orders.po).toEqual(full);
    expect(viaOrders(x12.po).po).toEqual(full);
    expect(viaX12(orders.po).po).toEqual(full);
  });

  test('envelope: sender, receiver and control numbers as given; counts computed by write()', () => {
    const x12 = viaX12(full);
    expect(x12.ic).toMatchObject({ sender: env.sender, receiver: env.receiver, controlNumber: '000000042' });
    expect(x12.bytes.toString()).toMatch(
      new RegExp(
        String.raw`^ISA\*00\* {10}\*00\* {10}\*ZZ\*SENDER {9}\*ZZ\*RECEIVER {7}\*240102\*1230\*U\*00401\*000000042\*0\*P\*>~` +
          String.raw`\nGS\*PO\*SENDER\*RECEIVER\*20240102\*1230\*42\*X\*004010~\nST\*850\*0001~`,
      ),
    );
    const orders = viaOrders(full);
    expect(orders.ic).toMatchObject({ sender: env.sender, receiver: env.receiver, controlNumber: '42' });
    expect(orders.bytes.toString('latin1')).toMatch(
      /^UNA:\+\.\? '\nUNB\+UNOC:3\+SENDER:ZZ\+RECEIVER:ZZ\+240102:1230\+42'\nUNH\+1\+ORDERS:D:96A:UN'/,
    );
  });
});

describe('canonical purchase order: property', () => {
  test('any PurchaseOrder both standards can carry comes back equal from X12 and from EDIFACT, and both validate clean', () => {
    fc.assert(
      fc.property(purchaseOrders, (po) => {
        for (const r of [viaX12(po), viaOrders(po)]) {
          expectClean(r.ic);
          expect(r.po).toEqual(po);
        }
      }),
      { numRuns: 60 },
    );
  });
});

run('cli: translate', () => {
  const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
  const dir = mkdtempSync(join(tmpdir(), 'edigw-translate-'));
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, 'translate', ...args], { encoding: 'utf8', cwd: dir });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const path = (f: string) => join(corpusDir, f);

  test('850 to json: an array of PurchaseOrders, each named by its document field; what it does not carry is said, exit 1', () => {
    const r = cli(path(corpus.nodeX12), '--to', 'json');
    expect(lossWarnings(r.err)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          String.raw`interchange 000003438, transaction 000000010, segment 15 \(PO4\), element ` +
            String.raw`8: "15" dropped: no field of the document carries it, so the canonical ` +
            String.raw`JSON PurchaseOrder has no counterpart$`,
        ),
      ),
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual([{ document: 'PurchaseOrder', ...x12Order(corpus.nodeX12) }]);
  });

  test("850 to edifact: from the input interchange's own sender to its own receiver, a clean ORDERS", () => {
    const r = cli(path(corpus.nodeX12), '--to', 'edifact', '--control-number', '7');
    // The carrier travels (TDT); its routing sequence code (TD501) has no field.
    expect(lossWarnings(r.err)).toContainEqual(
      expect.stringContaining('segment 9 (TD5 92), element 1: "A" dropped: no field of the document carries it'),
    );
    expect(lossWarnings(r.err).filter((l) => l.includes('(TD5 92)'))).toHaveLength(1);
    expect(r.code).toBe(1);
    const [ic] = parse(Buffer.from(r.out, 'latin1'));
    expect(ic).toMatchObject({
      sender: { id: '4405197800', qualifier: 'ZZ' },
      receiver: { id: '999999999', qualifier: '1' },
      controlNumber: '7',
    }); // ISA 12 (phone) -> ZZ, ISA 01 (DUNS) -> 1
    expectClean(ic);
    expect(fromOrders(ic.groups[0].transactions[0])).toEqual(portable(x12Order(corpus.nodeX12)));
  });

  test('ORDERS to x12 with --sender and --receiver', () => {
    const r = cli(path(corpus.pydifact), '--to', 'x12', '--sender', 'ZZ:US', '--receiver', '01:123456789');
    expect(lossWarnings(r.err).length).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    const [ic] = parse(Buffer.from(r.out));
    expect(ic).toMatchObject({ sender: { qualifier: 'ZZ', id: 'US' }, receiver: { qualifier: '01', id: '123456789' } });
    expectClean(ic);
  });

  test('a file with 810s beside an 850: the invoices are translated too (see translate.test.ts), the 850 as before', () => {
    const r = cli(path(corpus.staedi), '--to', 'json');
    expect(lossWarnings(r.err)).toContainEqual(expect.stringContaining('segment 30 (ISS): dropped'));
    expect(r.code).toBe(1);
    const docs = JSON.parse(r.out) as Array<{ document: string; number: string }>;
    expect(docs.map((d) => [d.document, d.number])).toEqual([
      ['Invoice', '00001'],
      ['Invoice', '00001'],
      ['PurchaseOrder', 'S115921858'],
    ]);
  });

  test('a transaction with no canonical kind: exit 1, one line per skipped transaction, the rest still translated', () => {
    const r = cli(join(corpusDir, 'x12/stupidedi__AR943_pass_1.edi'), '--to', 'json');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          String.raw`interchange 000000001, transaction 0001: X12 943 has no canonical map ` +
            String.raw`\(translate reads X12 850, 810, 856, 855 and EDIFACT ORDERS, INVOIC, DESADV, ` +
            String.raw`ORDRSP\); skipped`,
        ),
      ),
    ]);
    expect(JSON.parse(r.out)).toEqual([]);
  });

  test('usage and unreadable input: exit 2 with one line', () => {
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'hello, not EDI');
    for (const args of [
      [path(corpus.nodeX12)],
      [path(corpus.nodeX12), '--to', 'csv'],
      [path(corpus.nodeX12), '--to', 'x12', '--sender', 'nocolon'],
      [join(dir, 'missing.edi'), '--to', 'json'],
      [junk, '--to', 'json'],
    ]) {
      const r = cli(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.out).toBe('');
      expect(
        r.err
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('(run edi-gateway')),
      ).toHaveLength(1);
    }
  });
});
