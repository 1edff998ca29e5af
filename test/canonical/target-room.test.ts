/**
 * Where the target holds less than the canonical document, the writers leave the rest out (the loss check
 * reports it) instead of writing what the receiving standard's profile rejects. Each case is a document
 * the generated-document property (test/property/canonical-conformance.property.test.ts) once found
 * written invalid.
 */
import {
  type DocumentKind,
  checkDocument,
  edifactInterchange,
  invoice,
  orderResponse,
  purchaseOrder,
  shipNotice,
  x12Interchange,
} from '../../src/canonical';
import { checkGenerated } from '../../src/edi/generated-check';
import { formatDiagnostic } from '../../src/edi/diagnostic';
import { write } from '../../src/edi/write';
import { profiles, now } from './support';

const env = { sender: { qualifier: 'ZZ', id: 'US' }, receiver: { qualifier: 'ZZ', id: 'THEM' }, controlNumber: 1, now };

function written(kind: DocumentKind<unknown>, value: unknown, to: 'x12' | 'edifact', version: string) {
  const checked = checkDocument(kind, value);
  if (!checked.ok) throw new Error(checked.issues.join('; '));
  const message = { type: kind[to].type, version, body: kind[to].write(checked.value) };
  const bytes = write(
    to === 'x12'
      ? x12Interchange([message], { ...env, functionalId: kind.x12.functionalId })
      : edifactInterchange([message], env),
  );
  return {
    text: bytes.toString('latin1'),
    errors: checkGenerated(bytes, profiles).errors.map((d) => formatDiagnostic(d)),
  };
}

const segments = (text: string, tag: string) =>
  text.split(/['~]\n?/).filter((s) => s.startsWith(`${tag}*`) || s.startsWith(`${tag}+`) || s === tag);

const k = <D>(kind: DocumentKind<D>) => kind as DocumentKind<unknown>;

describe('what the target has no room for is left out, and the rest is valid', () => {
  test('an 850 with a total and further amounts writes one AMT in its CTT loop: the total', () => {
    const po = { number: 'PO1', date: '2026-01-02', lines: [{ quantity: 1 }] };
    const r = written(
      k(purchaseOrder),
      { ...po, totals: { amount: 10, amounts: [{ qualifier: 'line-items-total', amount: 9 }] } },
      'x12',
      '004010',
    );
    expect(r.errors).toEqual([]);
    expect(segments(r.text, 'AMT')).toEqual(['AMT*TT*10']);
    // Without a total, the first further amount X12 has a code for.
    const alone = written(
      k(purchaseOrder),
      { ...po, totals: { amounts: [{ qualifier: 'line-items-total', amount: 9 }] } },
      'x12',
      '004010',
    );
    expect(segments(alone.text, 'AMT')).toEqual(['AMT*1*9']);
  });

  test("an 810 line's further packaging is not written: its IT1 loop holds one PO4", () => {
    const inv = {
      number: 'INV1',
      date: '2026-01-02',
      lines: [
        {
          quantity: 1,
          packaging: [
            { pack: 12, packageType: 'carton' },
            { pack: 6, packageType: 'carton' },
          ],
        },
      ],
      totals: { amount: 1 },
    };
    const r = written(k(invoice), inv, 'x12', '004010');
    expect(r.errors).toEqual([]);
    expect(segments(r.text, 'PO4')).toHaveLength(1);
    expect(segments(r.text, 'PO4')[0]).toMatch(/^PO4\*12\*/);
  });

  test('a 005010 810 leaves out a CAD without a transport mode; 004010 keeps it', () => {
    const inv = {
      number: 'INV1',
      date: '2026-01-02',
      lines: [{ quantity: 1 }],
      totals: { amount: 1 },
      carriers: [{ routing: 'FREEFORM' }],
    };
    const v5 = written(k(invoice), inv, 'x12', '005010');
    expect(v5.errors).toEqual([]);
    expect(segments(v5.text, 'CAD')).toEqual([]);
    const v4 = written(k(invoice), inv, 'x12', '004010');
    expect(v4.errors).toEqual([]);
    expect(segments(v4.text, 'CAD')).toEqual(['CAD*****FREEFORM']);
  });

  test.each(['D96A', 'D01B'])("an INVOIC's summary charge is written as ALC and MOA only (%s)", (directory) => {
    const inv = {
      number: 'INV1',
      date: '2026-01-02',
      lines: [{ quantity: 1 }],
      totals: { amount: 1, charges: [{ indicator: 'allowance', amount: 5, quantity: 2, percent: 10, rate: 1.5 }] },
    };
    const r = written(k(invoice), inv, 'edifact', directory);
    expect(r.errors).toEqual([]);
    const summary = r.text.slice(r.text.indexOf('UNS+S'));
    expect(segments(summary, 'ALC')).toHaveLength(1);
    expect(segments(summary, 'MOA')).toContain('MOA+8:5');
    expect([...segments(summary, 'QTY'), ...segments(summary, 'PCD'), ...segments(summary, 'RTE')]).toEqual([]);
  });

  test("an ORDRSP's summary charge without an amount is not written: its group's MOA is mandatory", () => {
    const rsp = {
      number: 'R1',
      date: '2026-01-02',
      orderNumber: 'PO1',
      orderDate: '2026-01-01',
      lines: [{}],
      totals: {
        charges: [
          { indicator: 'allowance', percent: 5 },
          { indicator: 'charge', amount: 3 },
        ],
      },
    };
    const r = written(k(orderResponse), rsp, 'edifact', 'D96A');
    expect(r.errors).toEqual([]);
    const summary = r.text.slice(r.text.indexOf('UNS+S'));
    expect(segments(summary, 'ALC')).toEqual(['ALC+C']);
  });

  test('an EDIFACT measurement or weight without a unit is not written: C174 requires the unit', () => {
    const po = {
      number: 'PO1',
      date: '2026-01-02',
      lines: [
        {
          quantity: 1,
          measurements: [
            { dimension: 'gross-weight', value: 3 },
            { dimension: 'gross-weight', value: 4, unit: 'KGM' },
          ],
        },
      ],
    };
    const r = written(k(purchaseOrder), po, 'edifact', 'D96A');
    expect(r.errors).toEqual([]);
    expect(segments(r.text, 'MEA')).toHaveLength(1);
    expect(segments(r.text, 'MEA')[0]).toMatch(/KGM:4$/);
  });

  test('a DESADV package whose packaging EDIFACT has no element for still gets a PAC for its MEA, PCI and GIN', () => {
    const sn = {
      number: 'SN1',
      date: '2026-01-02',
      packs: [
        {
          id: 'P1',
          level: 'tare',
          packaging: [{}],
          measurements: [{ dimension: 'gross-weight', value: 5, unit: 'KGM' }],
          marks: [{ qualifier: 'sscc', value: '000123456789012345' }],
        },
      ],
      orders: [{ items: [{ quantity: 1, unit: 'EA', pack: 'P1' }] }],
    };
    const r = written(k(shipNotice), sn, 'edifact', 'D96A');
    expect(r.errors).toEqual([]);
    const pack = r.text.slice(r.text.indexOf('CPS+2'));
    expect(
      pack
        .split(/'\n?/)
        .slice(1, 5)
        .map((s) => s.slice(0, 3)),
    ).toEqual(['PAC', 'MEA', 'PCI', 'GIN']);
  });
});
