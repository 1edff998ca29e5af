/**
 * Property: any text in any text field of a canonical document either comes back the same after
 * canonical → X12 or EDIFACT → bytes → parse → canonical, or is refused with a located reason before a
 * byte is written. Never a different document.
 */
import fc from 'fast-check';
import {
  type DocumentKind,
  checkDocument,
  documents,
  edifactInterchange,
  purchaseOrder,
  x12Interchange,
} from '../../src/canonical';
import type { PurchaseOrder } from '../../src/canonical';
import { fitSyntaxLevel } from '../../src/edi/edifact/syntax-level';
import { fitX12Delimiters } from '../../src/edi/x12/delimiters';
import { TextRefused } from '../../src/edi/text-refused';
import { write } from '../../src/edi/write';
import { parseBuffer } from '../../src/edi/parse';
import type { Interchange, Standard } from '../../src/edi/model';

const env = {
  sender: { qualifier: 'ZZ', id: 'US' },
  receiver: { qualifier: 'ZZ', id: 'THEM' },
  controlNumber: 1,
  now: new Date('2026-01-02T03:04:00Z'),
};

/** Full Unicode graphemes, weighted towards what breaks writers: service characters and characters beyond latin-1. */
const control = /\p{Cc}/u;
const grapheme = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }).filter((s) => !control.test(s));
const tricky = fc.constantFrom(...[..."'+:?ħĺŁ€Л東éÿ\u00a0 "], '🚚');
const x12Delimiter = fc.constantFrom(...'*~>^|!#');
const controlChar = fc.constantFrom('\n', '\r', '\t', '\u0000', '\u0085', '\u007f');
const textOf = (dirty: boolean) =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: grapheme },
        { weight: 4, arbitrary: tricky },
        { weight: 1, arbitrary: x12Delimiter },
        { weight: dirty ? 1 : 0, arbitrary: controlChar },
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((parts) => parts.join(''));
/**
 * Long text crosses the places writers split it (EDIFACT 35 and 70, X12 80 and 264 characters), where a
 * surrogate pair cut in two would be lost. Within what the segments hold: a NAD name is five 35-character
 * parts and a note five FTX 70-character parts (cutting beyond that is a dropped-data warning, not text).
 */
const longTextOf = (dirty: boolean, max: number) =>
  fc.array(textOf(dirty), { minLength: 5, maxLength: 40 }).map((parts) => [...parts.join('')].slice(0, max).join(''));
const fieldOf = (dirty: boolean, max = 400) =>
  fc.oneof({ weight: 4, arbitrary: textOf(dirty) }, { weight: 1, arbitrary: longTextOf(dirty, max) });

const partyOf = (text: fc.Arbitrary<string>, name: fc.Arbitrary<string>) =>
  fc.record(
    {
      role: fc.constantFrom('buyer' as const, 'seller' as const, 'shipTo' as const, 'billTo' as const),
      name,
      addressLines: fc.array(text, { minLength: 1, maxLength: 4 }),
      city: text,
      region: text,
      postalCode: text,
      country: text,
    },
    { requiredKeys: ['role', 'name'] },
  );
const lineOf = (text: fc.Arbitrary<string>, long: fc.Arbitrary<string>) =>
  fc.record(
    {
      lineNumber: text,
      quantity: fc.integer({ min: 1, max: 999 }),
      buyerItem: text,
      vendorItem: text,
      description: long,
    },
    { requiredKeys: ['quantity'] },
  );
const orderOf = (dirty: boolean) => {
  const text = textOf(dirty);
  const party = partyOf(text, fieldOf(dirty, 175));
  const line = lineOf(text, fieldOf(dirty));
  return fc.record({
    number: text,
    date: fc.constant('2026-01-02'),
    parties: fc.uniqueArray(party, { minLength: 1, maxLength: 3, selector: (p) => p.role }),
    references: fc.array(fc.record({ qualifier: fc.constant('contract' as const), value: text }), { maxLength: 2 }),
    lines: fc.array(line, { minLength: 1, maxLength: 2 }),
    notes: fc.array(fieldOf(dirty, 350), { maxLength: 2 }),
  });
};
/** Most documents hold no control character, so that most of them are written; some do, and are refused. */
const order = fc.oneof({ weight: 4, arbitrary: orderOf(false) }, { weight: 1, arbitrary: orderOf(true) });

function canonical(value: unknown): PurchaseOrder {
  const r = checkDocument(purchaseOrder, value);
  if (!r.ok) throw new Error(r.issues.join('; '));
  return r.value;
}

function build(doc: PurchaseOrder, to: Standard, alternatives: string): Interchange {
  if (to === 'x12') {
    const ic = x12Interchange([{ type: '850', version: '004010', body: purchaseOrder.x12.write(doc) }], env);
    return fitX12Delimiters(ic, { alternatives });
  }
  const ic = edifactInterchange([{ type: 'ORDERS', version: 'D96A', body: purchaseOrder.edifact.write(doc) }], env);
  return fitSyntaxLevel(ic);
}

/** Every string of a document, for checking that a refusal names a character the document really holds. */
const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : [];

describe('property: canonical text survives X12 and EDIFACT, or is refused with its place', () => {
  test.each(['x12', 'edifact'] as const)(
    'property: a PurchaseOrder with full-Unicode text in every text field, to %s and back, is the same document or a located refusal',
    (to) => {
      let written = 0;
      let refused = 0;
      fc.assert(
        fc.property(order, fc.constantFrom('', '|!#$%'), (value, alternatives) => {
          const doc = canonical(value);
          let bytes: Buffer;
          try {
            bytes = write(build(doc, to, alternatives));
          } catch (e) {
            if (!(e instanceof TextRefused)) throw e;
            refused++;
            const held = strings(doc).join('');
            for (const p of e.problems) {
              expect(p.position).toBeGreaterThan(0);
              expect(p.segmentId).toMatch(/^[A-Z][A-Z0-9]{1,2}$/);
              expect(p.element).toBeGreaterThan(0);
              const ch = /U\+([0-9A-F]{4,6})/.exec(p.reason) ?? /holds "(.)"/u.exec(p.reason);
              expect(ch).not.toBeNull();
              const c = ch![0].startsWith('U+') ? String.fromCodePoint(parseInt(ch![1], 16)) : ch![1];
              expect(held).toContain(c);
            }
            return;
          }
          written++;
          const ics = parseBuffer(bytes).interchanges;
          expect(ics).toHaveLength(1);
          const tx = ics[0].groups[0].transactions[0];
          expect(tx.errors.filter((d) => d.severity === 'error')).toEqual([]);
          expect(purchaseOrder[to].read(tx)).toEqual(doc);
        }),
        { numRuns: 300 },
      );
      // Both outcomes occur: the property is not passing by refusing everything.
      expect(written).toBeGreaterThan(20);
      expect(refused).toBeGreaterThan(20);
    },
  );
});

/**
 * One document of each kind with every field filled. The property below replaces every free-text string
 * in it (not the codes: roles, qualifiers, units, currencies, dates) with generated text, so a text field
 * a kind gains is covered without touching this test.
 */
const party = {
  id: 'ID-1',
  name: 'N',
  addressLines: ['A1', 'A2'],
  city: 'C',
  region: 'R',
  postalCode: 'P',
  country: 'CO',
};
const item = { lineNumber: '1', unit: 'EA', buyerItem: 'B', vendorItem: 'V', description: 'D' };
const bases: Record<string, unknown> = {
  PurchaseOrder: {
    number: 'PO',
    date: '2026-01-02',
    parties: [{ role: 'buyer', ...party }],
    references: [{ qualifier: 'contract', value: 'R' }],
    lines: [{ ...item, quantity: 2 }],
    notes: ['NOTE'],
  },
  Invoice: {
    number: 'INV',
    date: '2026-01-02',
    orderNumber: 'PO',
    parties: [{ role: 'remitTo', ...party }],
    references: [{ qualifier: 'contract', value: 'R' }],
    lines: [{ ...item, quantity: 2, unitPrice: 1.5 }],
    // The 810 requires the invoice's total (TDS01): an invoice without one is refused, not written.
    totals: { lineCount: 1, amount: 3 },
    notes: ['NOTE'],
  },
  ShipNotice: {
    number: 'SN',
    date: '2026-01-02',
    parties: [{ role: 'shipFrom', ...party }],
    references: [{ qualifier: 'bill-of-lading', value: 'R' }],
    orders: [{ number: 'PO', items: [{ ...item, quantity: 2 }] }],
  },
  OrderResponse: {
    number: 'RSP',
    date: '2026-01-02',
    orderNumber: 'PO',
    parties: [{ role: 'seller', ...party }],
    references: [{ qualifier: 'contract', value: 'R' }],
    lines: [{ ...item, quantity: 2, status: 'accepted' }],
    notes: ['NOTE'],
  },
};
const CODE_KEYS = new Set(['role', 'idQualifier', 'qualifier', 'purpose', 'type', 'status', 'unit', 'currency']);
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);

/** Every free-text string of a document, as a path, in a stable order. */
function textPaths(v: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof v === 'string') return CODE_KEYS.has(String(path[path.length - 1])) || isDate(v) ? [] : [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => textPaths(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => textPaths(x, [...path, k]));
  return [];
}

function withTexts(base: unknown, paths: Array<Array<string | number>>, texts: string[]): unknown {
  const doc = structuredClone(base) as Record<string | number, unknown>;
  paths.forEach((path, i) => {
    let at = doc;
    for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
    at[path[path.length - 1]] = texts[i];
  });
  return doc;
}

describe('property: every text field of every document kind survives, or is refused with its place', () => {
  const cases = documents.flatMap((kind) => (['x12', 'edifact'] as const).map((to) => [kind.name, to, kind] as const));
  test.each(cases)('property: %s with generated text in every text field, to %s and back', (name, to, kind) => {
    const k = kind as DocumentKind<unknown>;
    const base = bases[name];
    const paths = textPaths(base);
    expect(paths.length).toBeGreaterThan(10);
    let written = 0;
    fc.assert(
      fc.property(
        fc.boolean().chain((dirty) => fc.tuple(...paths.map(() => textOf(dirty)))),
        fc.constantFrom('', '|!#$%'),
        (texts, alternatives) => {
          const checked = checkDocument(k, withTexts(base, paths, texts));
          if (!checked.ok) throw new Error(checked.issues.join('; '));
          const doc = checked.value;
          const message = { type: k[to].type, version: k[to].version, body: k[to].write(doc) };
          let bytes: Buffer;
          try {
            bytes = write(
              to === 'x12'
                ? fitX12Delimiters(x12Interchange([message], { ...env, functionalId: k.x12.functionalId }), {
                    alternatives,
                  })
                : fitSyntaxLevel(edifactInterchange([message], env)),
            );
          } catch (e) {
            if (!(e instanceof TextRefused)) throw e;
            for (const p of e.problems) expect(p.position).toBeGreaterThan(0);
            return;
          }
          written++;
          const tx = parseBuffer(bytes).interchanges[0].groups[0].transactions[0];
          expect(tx.errors.filter((d) => d.severity === 'error')).toEqual([]);
          expect(k[to].read(tx)).toEqual(doc);
        },
      ),
      { numRuns: 150 },
    );
    expect(written).toBeGreaterThan(10);
  });
});
