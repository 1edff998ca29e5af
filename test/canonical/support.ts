/** What the canonical document tests share: reading the corpus in place, writing a document through a standard and back, checking it is clean. */
import { join } from 'node:path';
import fc from 'fast-check';
import { corpusDir, read } from '../helpers/corpus';
import { parseBuffer } from '../../src/edi/parse';
import { allDiagnostics, type Interchange, type Standard, type Transaction } from '../../src/edi/model';
import { write } from '../../src/edi/write';
import { standardTranslation, translationLosses } from '../../src/canonical/losses';
import { unitToX12Code } from '../../src/canonical/units';
import { some } from '../../src/canonical/common';
import { builtInProfiles } from '../../src/config/profiles';
import { type ItemField, hasItemCode, keepsItemCode } from '../../src/canonical/item-codes';
import {
  amountQualifiers,
  channels,
  contactFunctions,
  dateQualifiers,
  type QualifierList,
  packageTypes,
  partyRoles,
  priceQualifiers,
  priceTypes,
  productIdQualifiers,
  orderTypes,
  referenceQualifiers,
  transportPayments,
} from '../../src/canonical/code-lists';
import {
  type DocumentKind,
  type Invoice,
  type OrderResponse,
  type PurchaseOrder,
  type ResponseLine,
  type ShipNotice,
  type ShippedOrder,
  edifactInterchange,
  x12Interchange,
} from '../../src/canonical';

export const profiles = builtInProfiles().set;
export const now = new Date('2024-01-02T12:30:00Z');
export const env = {
  sender: { qualifier: 'ZZ', id: 'SENDER' },
  receiver: { qualifier: 'ZZ', id: 'RECEIVER' },
  controlNumber: 42,
  now,
};

export function parse(buf: Buffer): Interchange[] {
  return parseBuffer(buf, { level: 'full', profiles }).interchanges;
}

/** The transactions of one type in a corpus file (path under ../shared/corpus), read in place. */
export function transactions(file: string, type: string): Transaction[] {
  return parse(read(join(corpusDir, file)))
    .flatMap((ic) => ic.groups.flatMap((g) => g.transactions))
    .filter((t) => t.type === type);
}

/** The first transaction of the kind's type in a corpus file, as the canonical document. */
export function readCorpus<D>(kind: DocumentKind<D>, standard: Standard, file: string): D {
  const [tx] = transactions(file, kind[standard].type);
  if (!tx) throw new Error(`${file} holds no ${kind[standard].type}`);
  return kind[standard].read(tx);
}

/** Writes a document as a whole interchange of one standard and reads it back with our parser and the shipped profiles. */
export function via<D>(kind: DocumentKind<D>, standard: Standard, doc: D): { doc: D; ic: Interchange; bytes: Buffer } {
  const k = kind[standard];
  const message = { type: k.type, version: k.version, body: k.write(doc) };
  const bytes = write(
    standard === 'x12'
      ? x12Interchange([message], { ...env, functionalId: kind.x12.functionalId })
      : edifactInterchange([message], env),
  );
  const [ic] = parse(bytes);
  return { doc: k.read(ic.groups[0].transactions[0]), ic, bytes };
}

/** The findings of a written interchange: none expected, and the shipped profile must have been applied to every transaction. */
export function findings(ic: Interchange): string[] {
  const out = allDiagnostics(ic)
    .filter((d) => d.severity === 'error' || d.severity === 'warning')
    .map((d) => `${d.severity} ${d.code}: ${d.message}`);
  for (const tx of ic.groups.flatMap((g) => g.transactions))
    if (!tx.tree) out.push(`no profile applied to ${tx.type} ${tx.version}`);
  return out;
}

export function expectClean(ic: Interchange): void {
  expect(findings(ic)).toEqual([]);
}

/**
 * Through the other standard and back: clean both ways, read there as `expectThere` (by default what
 * portable() keeps for that standard), and what came back with the transaction written there.
 */
export function roundTripVia<D>(
  kind: DocumentKind<D>,
  from: Standard,
  doc: D,
  expectThere?: D,
): { there: Transaction; back: D } {
  const other: Standard = from === 'x12' ? 'edifact' : 'x12';
  const there = via(kind, other, doc);
  expectClean(there.ic);
  expect(there.doc).toEqual(expectThere ?? portable(doc, other));
  const back = via(kind, from, there.doc);
  expectClean(back.ic);
  return { there: there.ic.groups[0].transactions[0], back: back.doc };
}

/**
 * X12 -> canonical -> EDIFACT -> canonical -> X12 (or the reverse): the document is unchanged at every
 * step but for the codes only its own standard knows, and both written documents are clean.
 */
export function expectRoundTrip<D>(kind: DocumentKind<D>, from: Standard, doc: D): void {
  const other: Standard = from === 'x12' ? 'edifact' : 'x12';
  // Codes no list maps travel back to their own standard only (portable() leaves them out).
  expect(via(kind, from, doc).doc).toEqual(doc);
  const there = via(kind, other, doc);
  expectClean(there.ic);
  expect(there.doc).toEqual(portable(doc, other));
  const back = via(kind, from, there.doc);
  expectClean(back.ic);
  expect(back.doc).toEqual(portable(doc, 'x12'));
}

// ---------------------------------------------------------------------------------------------
// Generators for property tests: values both standards can carry (no X12 delimiters * > ~, lengths
// within the tighter of the two element definitions).
// ---------------------------------------------------------------------------------------------

const UPPER = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const WORD = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-/&+:'?,"];

const str = (unit: string[], min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...unit), minLength: min, maxLength: max });

/** Words joined by single spaces, never blank at either end, at most `max` characters. */
export const text = (max: number, min = 1) =>
  fc
    .array(str(WORD, 1, 12), { minLength: 1, maxLength: 8 })
    .map((w) => w.join(' ').slice(0, max).trim())
    .filter((s) => s.length >= min);
export const code = (min: number, max: number) => str(ALNUM, min, max);
export const letters = (n: number) => str(UPPER, n, n);
/** EDIFACT LIN 1082 is numeric (n..6). */
export const lineNumber = str([...'0123456789'], 1, 6);
export const isoDay = fc
  .record({
    y: fc.integer({ min: 1995, max: 2035 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
  })
  .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
/** Amounts in cents, as JavaScript numbers print them (no exponent, at most two decimals). */
export const money = (max = 10_000_000) => fc.integer({ min: 0, max }).map((n) => n / 100);
export const count = (max = 99_999) => fc.integer({ min: 0, max });
/** Recommendation 20 codes whose X12 form is two characters. */
export const unit = fc.constantFrom('EA', 'KGM', 'CS', 'DZN', 'H87', 'MTR', 'LTR', 'BX');

export function optional<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined });
}

/** Drops the undefined fields fast-check records give, as the readers' compact() does. */
export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const itemIds = fc.record({
  buyerItem: optional(code(1, 35)),
  vendorItem: optional(code(1, 35)),
  manufacturerItem: optional(code(1, 35)),
  gtin: optional(str([...'0123456789'], 8, 14)),
  isbn: optional(str([...'0123456789'], 10, 13)),
});

/** Contacts with distinct functions (a nameless contact after one of the same function would continue it). */
export const contacts = fc.uniqueArray(
  fc
    .record({
      function: fc.constantFrom(...contactFunctions.names),
      name: optional(text(35)),
      communications: optional(
        fc.array(
          fc.record({
            // Channels a D96A COM has a code for (a URL, AH, is a later directory's).
            channel: fc.constantFrom(
              ...channels.names.filter((n) => {
                const code = channels.write('edifact', n);
                return code !== undefined && !channels.later.has(code);
              }),
            ),
            value: code(1, 80),
          }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
      ),
    })
    .map(defined),
  { maxLength: 2, selector: (c) => c.function },
);

export function party<R extends string>(roles: R[]) {
  return fc
    .record({
      role: fc.constantFrom(...roles),
      id: optional(code(2, 20)),
      idQualifier: optional(
        fc.constantFrom('gln', 'duns', 'duns+4', 'buyer-assigned', 'seller-assigned') as fc.Arbitrary<
          'gln' | 'duns' | 'duns+4' | 'buyer-assigned' | 'seller-assigned'
        >,
      ),
      name: optional(text(60)),
      addressLines: optional(fc.array(text(35), { minLength: 1, maxLength: 4 })),
      city: optional(text(30, 2)),
      region: optional(letters(2)),
      postalCode: optional(code(3, 9)),
      country: optional(letters(2)),
      contacts: optional(contacts.filter((c) => c.length > 0)),
    })
    .filter((p) => p.id !== undefined || p.name !== undefined) // N1 needs a name or an id (R0203)
    .map((p) => defined({ ...p, idQualifier: p.id === undefined ? undefined : p.idQualifier }));
}

export function reference<Q extends string>(qualifiers: Q[]) {
  return fc.record({ qualifier: fc.constantFrom(...qualifiers), value: code(1, 30) });
}

export const baseRoles: Array<'buyer' | 'seller' | 'shipTo' | 'billTo'> = ['buyer', 'seller', 'shipTo', 'billTo'];
/**
 * A name as it comes back from the other standard: the one its code there reads as (a `supplier` is
 * EDIFACT SU, which reads as the vendor, `seller`).
 */
const crossed = (list: QualifierList<string>, name: string): string => {
  const code = list.write('edifact', name);
  return code === undefined ? name : (list.read('edifact', code) ?? name);
};

/** Every role the code lists map and both standards give back as itself. */
export const allRoles = partyRoles.names.filter((r) => crossed(partyRoles, r) === r);
/** Whether a D96A message carries a reference of this name (department is 1153 AMV, of later directories). */
const inD96A = (q: string) => {
  const code = referenceQualifiers.write('edifact', q as never);
  return code !== undefined && !referenceQualifiers.later.has(code);
};
/** Every reference both standards write (department, DP, is AMV in D01B but has no D96A code). */
export const allReferences = referenceQualifiers.names.filter(inD96A);

/** Dates of the mapped qualifiers but those a document reads into fields of its own. */
export function dates(except: string[] = []) {
  return fc.array(
    fc
      .record({
        qualifier: fc.constantFrom(...dateQualifiers.names.filter((q) => !except.includes(q))),
        date: isoDay,
        time: optional(
          fc
            .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
            .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
        ),
      })
      .map(defined),
    { maxLength: 3 },
  );
}

/** A line's references and dates, absent when empty (as the readers give them). */
export function lineExtras(exceptDates: string[] = [], exceptReferences: string[] = []) {
  return fc
    .record({
      references: fc.array(reference(allReferences.filter((q) => !exceptReferences.includes(q))), { maxLength: 2 }),
      dates: dates(exceptDates),
    })
    .map((x) =>
      defined({
        references: x.references.length ? x.references : undefined,
        dates: x.dates.length ? x.dates : undefined,
      }),
    );
}

const RAW = /^(x12|edifact):/;
const DROPS_ITEM = ['role', 'qualifier', 'function', 'channel'];
/** Fields whose raw code is left out while the rest of their object travels. */
const DROPS_FIELD = ['idQualifier', 'percentBasis', 'code', 'handling', 'mode', 'type'];

/**
 * What an X12 writer cannot say of what EDIFACT can (x12-charges.ts): SAC needs SAC02, SAC07 its SAC06, TXI an amount or a
 * percent. A package count without a type travels as TD1 PCS (pieces).
 */
function x12Only(key: string, v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  if (key === 'charges')
    return v
      .filter((ch: Record<string, unknown>) => ch.code !== undefined)
      .map((ch: Record<string, unknown>) => {
        if (ch.percentBasis !== undefined) return ch;
        const { percent: _p, ...rest } = ch;
        return rest;
      });
  if (key === 'taxes')
    return v.filter((x: Record<string, unknown>) => x.amount !== undefined || x.percent !== undefined);
  // SCH05/SCH06 are mandatory: a schedule with no date is not written.
  if (key === 'schedules') return v.filter((x: Record<string, unknown>) => Array.isArray(x.dates) && x.dates.length);
  return v;
}

/** Reference names the D96A messages have no code for (department: 1153 AMV came later), as a raw code. */
const unwrittenReferences = new Set<string>(referenceQualifiers.names.filter((q) => !inD96A(q)));

/**
 * The document without what carries a code no list maps (`x12:DP`): what the other standard can be
 * written. An array item whose role, qualifier, function or channel is such a code is left out, and so
 * is an idQualifier (or a charge's code, basis or handling, a carrier's mode) that is one. With
 * `target` 'x12', also what X12 has no room for (a charge without a code, a percent without its basis).
 */
export function portable<D>(doc: D, target?: Standard): D {
  const raw = (x: unknown) =>
    x !== null &&
    typeof x === 'object' &&
    (DROPS_ITEM.some((k) => RAW.test(String((x as Record<string, unknown>)[k] ?? ''))) ||
      unwrittenReferences.has(String((x as Record<string, unknown>).qualifier)));
  // The document's own lists stay when emptied; a part's optional lists (contacts, a line's dates) go, as the readers leave them out.
  const walk = (v: unknown, top: boolean): unknown => {
    if (Array.isArray(v)) return v.filter((x) => !raw(x)).map((x) => walk(x, false));
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    // A package count of a type no list maps is not written as a count of pieces (TD1 PCS, PAC without C202).
    const rawType = 'count' in v && RAW.test(String((v as Record<string, unknown>).type ?? ''));
    for (const [k, x] of Object.entries(v)) {
      if (rawType && k === 'count') continue;
      if (DROPS_FIELD.includes(k) && typeof x === 'string' && RAW.test(x)) continue;
      if (k === 'roleCode' && !roleCodeCrosses(String((v as Record<string, unknown>).role), String(x))) continue;
      if (k === 'itemIdQualifiers') {
        const kept = itemCodesIn(v as Record<string, unknown>, x as Record<string, string>);
        if (kept) out[k] = kept;
        continue;
      }
      // A line's notes are MSGs in an 850: no qualifier, so each (of any qualifier) comes back as a general note.
      let w =
        target === 'x12' && k === 'notes' && !top && Array.isArray(x)
          ? x.map((n: unknown) => (typeof n === 'string' ? n : (n as { text: string }).text))
          : walk(x, false);
      if (k === 'role' && typeof w === 'string') w = crossed(partyRoles, w);
      // A tax of a type the other standard has no code for is not written at all.
      if (k === 'taxes' && Array.isArray(w)) w = w.filter((t: Record<string, unknown>) => t.type !== undefined);
      if (target === 'x12') w = x12Only(k, w);
      if (
        (!top || ['charges', 'taxes', 'carriers', 'packaging', 'equipment'].includes(k)) &&
        Array.isArray(w) &&
        w.length === 0 &&
        k !== 'items'
      )
        continue;
      out[k] = w;
    }
    return out;
  };
  // Only an Invoice (types of its own) carries the unit price's qualifier across (CTP INV / PRI INV).
  const invoiceTypes: unknown[] = ['invoice', 'credit', 'debit', 'consolidated'];
  const out = onlyBoth(walk(doc, true), invoiceTypes.includes((doc as Record<string, unknown>).type)) as Record<
    string,
    unknown
  >;
  // An order type one standard has no code for (NE, a new order) crosses as no type: an order.
  const type = (doc as Record<string, unknown>).type;
  if (typeof type === 'string' && (orderTypes.names as readonly string[]).includes(type) && !inBoth(orderTypes, type))
    out.type = 'order';
  return chargeTotals(out, target) as D;
}

/**
 * X12 has one place for a document's charges (the 810 summary SAC loop, the 855 header SAC loop): the
 * EDIFACT charge totals (INVOIC SG51, ORDRSP SG56) are written there and read back as `charges`.
 */
function chargeTotals(v: unknown, target?: Standard): unknown {
  const d = v as { charges?: unknown[]; totals?: { charges?: unknown[] } };
  if (target !== 'x12' || !d.totals?.charges) return v;
  const { charges, ...totals } = d.totals;
  const all = [...(d.charges ?? []), ...charges];
  return { ...d, totals, ...(all.length ? { charges: all } : {}) };
}

/**
 * A party's kept role code comes back from the other standard only where both lists have it for the role
 * and neither writes it anyway (then it is read without being kept): EDIFACT BT is written N1 BT, X12's
 * own code for the bill-to party, and comes back from it as IV.
 */
function roleCodeCrosses(role: string, code: string): boolean {
  const name = role as (typeof partyRoles.names)[number];
  return (['x12', 'edifact'] as const).every(
    (std) => partyRoles.writeKept(std, name, code) === code && partyRoles.write(std, name) !== code,
  );
}

/** Both columns of a code list hold a code for the name: what crosses between the standards. */
const inBoth = (list: { write(std: 'x12' | 'edifact', v: never): string | undefined }, v: unknown) =>
  list.write('x12', v as never) !== undefined && list.write('edifact', v as never) !== undefined;

/**
 * Line data that only one standard has an element or a code for (docs/canonical.md, "Line prices,
 * packaging, store allocations and product ids"): left out, as portable() leaves out unmapped codes.
 */
/**
 * The item number codes a document keeps that pass through the other standard: one both standards have for
 * the field (a code one lacks, X12 CB, becomes its own there, which the loss check reports) and that
 * neither writes anyway (EN for 14 digits is EDIFACT's own, X12's UK).
 */
function itemCodesIn(line: Record<string, unknown>, codes: Record<string, string>) {
  const kept = Object.entries(codes).filter(([field, code]) =>
    (['x12', 'edifact'] as const).every(
      (std) =>
        hasItemCode(std, field as ItemField, code) &&
        keepsItemCode(std, field as ItemField, code, String(line[field] ?? '')),
    ),
  );
  return kept.length ? Object.fromEntries(kept) : undefined;
}

function onlyBoth(v: unknown, keepsPriceQualifier = false): unknown {
  if (Array.isArray(v)) return v.map((x) => onlyBoth(x, keepsPriceQualifier));
  if (v === null || typeof v !== 'object') return v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = onlyBoth(x, keepsPriceQualifier);
  const drop = (k: string) => delete o[k];
  for (const k of ['type', 'unitPriceType', 'packageType']) if (RAW.test(String(o[k] ?? ''))) drop(k);
  // What an invoiced quantity counts is EDIFACT's only (IT102 has no qualifier); so is the unit price's
  // qualifier but in an Invoice, whose 810 says it with a CTP INV.
  if (!keepsPriceQualifier) drop('unitPriceQualifier');
  // A despatched quantity crosses an 810 as IT102 and again as IT3, which reads back as the shipped quantity.
  if (o.quantityQualifier === 'despatched' && o.shippedQuantity === undefined) {
    o.shippedQuantity = o.quantity;
    if (o.unit !== undefined) o.shippedUnit = o.unit;
  }
  drop('quantityQualifier');
  // Whose currency it is (X12 CUR01) and its usage (EDIFACT CUX 6347) have no place in the other standard.
  drop('currencyParty');
  drop('currencyUsage');
  if (Array.isArray(o.amounts)) {
    o.amounts = (o.amounts as Array<Record<string, unknown>>).filter((a) => inBoth(amountQualifiers, a.qualifier));
    if (!(o.amounts as unknown[]).length) drop('amounts');
  }
  if (Array.isArray(o.prices)) {
    o.prices = (o.prices as Array<Record<string, unknown>>)
      .filter((p) => inBoth(priceQualifiers, p.qualifier))
      .map((p) => {
        // CTP04 and CTP05 go together (P0405).
        const both = p.basisQuantity !== undefined && p.basisUnit !== undefined;
        const out = { ...p };
        if (!both) {
          delete out.basisQuantity;
          delete out.basisUnit;
        }
        return out;
      });
    if (!(o.prices as unknown[]).length) drop('prices');
  }
  if (Array.isArray(o.productIds)) {
    o.productIds = (o.productIds as Array<Record<string, unknown>>).filter((p) =>
      inBoth(productIdQualifiers, p.qualifier),
    );
    if (!(o.productIds as unknown[]).length) drop('productIds');
  }
  if (Array.isArray(o.packaging)) {
    // Size, its unit and the X12 material have no EDIFACT element.
    o.packaging = (o.packaging as Array<Record<string, unknown>>)
      .map(({ size: _s, unit: _u, packageMaterial: _m, ...rest }) => rest)
      .filter((p) => Object.keys(p).length > 0);
    if (!(o.packaging as unknown[]).length) drop('packaging');
  }
  // The unit price's type and unit travel with the unit price; X12 has a code only for a price per EA.
  if ('unitPriceType' in o || 'unitPriceUnit' in o) {
    if (o.unitPrice === undefined) {
      drop('unitPriceType');
      drop('unitPriceUnit');
    } else if (o.unitPriceUnit !== undefined) {
      // A price per one (C62) is a price per each (PE), and reads back as EA.
      const perEach = o.unitPriceUnit === 'C62' || unitToX12Code(o.unitPriceUnit as string) === 'EA';
      if (perEach && ['contract', undefined].includes(o.unitPriceType as string)) o.unitPriceUnit = 'EA';
      else drop('unitPriceUnit');
    }
  }
  return o;
}
export const baseReferences: Array<
  'contract' | 'promotion' | 'vendor-order' | 'customer-reference' | 'price-list' | 'internal-vendor'
> = ['contract', 'promotion', 'vendor-order', 'customer-reference', 'price-list', 'internal-vendor'];
export const purposes = fc.constantFrom(
  'original',
  'cancellation',
  'change',
  'replace',
  'confirmation',
  'duplicate',
) as fc.Arbitrary<'original' | 'cancellation' | 'change' | 'replace' | 'confirmation' | 'duplicate'>;

// ---------------------------------------------------------------------------------------------
// Documents: hand-made ones that fill every field, and generators of documents both standards can carry.
// ---------------------------------------------------------------------------------------------

/** A PurchaseOrder that fills every field, with text that needs escaping or splitting in one standard or the other. */
export const fullPurchaseOrder: PurchaseOrder = {
  number: 'PO-77',
  date: '2024-02-29',
  purpose: 'change',
  type: 'blanket',
  deliveryTerms: { payment: 'prepaid' },
  currency: 'EUR',
  parties: [
    {
      role: 'buyer',
      id: '5412345000013',
      idQualifier: 'gln',
      name: 'Müller & Söhne GmbH: Einkauf + Logistik, Abteilung 7',
      addressLines: ['Hauptstraße 1', 'Tor 3', 'Halle 2'],
      city: 'Köln',
      region: 'NW',
      postalCode: '50667',
      country: 'DE',
    },
    {
      role: 'seller',
      id: '123456789',
      idQualifier: 'duns',
      name: "O'Brien Supply",
      contacts: [
        {
          function: 'sales',
          name: 'Pat Smith',
          communications: [
            { channel: 'phone', value: '+1 555 0100' },
            { channel: 'email', value: 'pat@example.com' },
            { channel: 'fax', value: '+1 555 0101' },
            { channel: 'telex', value: '4711 ACME' },
          ],
        },
        { function: 'information', communications: [{ channel: 'phone', value: '+1 555 0199' }] },
      ],
    },
    { role: 'billTo', id: 'B-1', idQualifier: 'buyer-assigned', name: 'Accounts' },
    { role: 'shipTo', id: 'DC-9', idQualifier: 'seller-assigned' },
    { role: 'orderedBy', name: 'Store 12 manager' },
    { role: 'shipFrom', id: '0614141000012', idQualifier: 'gln', name: 'Plant 3', city: 'Dayton', country: 'US' },
    { role: 'markFor', id: '0012', idQualifier: 'buyer-assigned' },
    { role: 'releaseIssuer', name: 'Planning', contacts: [{ function: 'purchasing', name: 'J. Doe' }] },
  ],
  references: [
    { qualifier: 'contract', value: 'C-2024-1' },
    { qualifier: 'vendor-order', value: 'V?9' },
    { qualifier: 'internal-customer', value: 'IC-4' },
    { qualifier: 'import-license', value: 'IL 2024/7' },
  ],
  requestedDelivery: '2024-03-15',
  dates: [
    { qualifier: 'deliver-not-before', date: '2024-03-10' },
    { qualifier: 'deliver-not-after', date: '2024-03-20', time: '17:30' },
    { qualifier: 'cancel-after', date: '2024-03-31' },
    { qualifier: 'requested-ship', date: '2024-03-08' },
  ],
  terms: { discountPercent: 2, discountDays: 10, netDays: 30 },
  lines: [
    {
      lineNumber: '10',
      quantity: 2.5,
      unit: 'KGM',
      unitPrice: 1234.5,
      buyerItem: 'B1',
      vendorItem: 'V1',
      manufacturerItem: 'M1',
      gtin: '04012345000018',
      isbn: '9780000000002',
      description:
        'A description long enough to need a second IMD segment in EDIFACT, and a second PID in X12 because it runs past eighty characters',
      unitPriceType: 'contract',
      unitPriceUnit: 'EA',
      prices: [{ qualifier: 'retail', amount: 1999, basisQuantity: 1, basisUnit: 'KGM', type: 'suggested-retail' }],
      packaging: [
        { pack: 12, packageType: 'carton' },
        { pack: 40, packageType: 'pallet' },
      ],
      allocations: [
        { location: '4012345000016', idQualifier: 'gln', quantity: 1.5, unit: 'KGM' },
        { location: '0012', idQualifier: 'buyer-assigned', quantity: 1, unit: 'KGM' },
      ],
      productIds: [
        { qualifier: 'serial-number', value: 'SN-1' },
        { qualifier: 'batch', value: 'L2024-07' },
      ],
      countryOfOrigin: 'DE',
      references: [{ qualifier: 'contract', value: 'C-L10' }],
      dates: [
        { qualifier: 'ship-not-before', date: '2024-03-09' },
        { qualifier: 'ship-not-after', date: '2024-03-12' },
      ],
    },
    {
      lineNumber: '20',
      quantity: 12,
      unit: 'CS',
      buyerItem: 'B2',
      dates: [{ qualifier: 'requested-delivery', date: '2024-03-16' }],
      schedules: [
        { quantity: 8, unit: 'CS', dates: [{ qualifier: 'requested-delivery', date: '2024-03-16' }] },
        {
          quantity: 4,
          unit: 'CS',
          dates: [
            { qualifier: 'requested-ship', date: '2024-03-20', time: '08:30' },
            { qualifier: 'requested-delivery', date: '2024-03-23' },
          ],
        },
      ],
    },
  ],
  totals: { lineCount: 2, amount: 3098.75 },
  notes: ['Deliver to the back door; ring twice.', 'x'.repeat(300)],
};

/** An Invoice that fills every field. */
export const fullInvoice: Invoice = {
  number: 'INV-2024-0042',
  date: '2024-02-29',
  type: 'debit',
  purpose: 'replace',
  orderNumber: 'PO-77',
  orderDate: '2024-02-01',
  currency: 'EUR',
  parties: [
    {
      role: 'seller',
      id: '5412345000013',
      idQualifier: 'gln',
      name: 'Müller & Söhne GmbH: Verkauf + Logistik',
      addressLines: ['Hauptstraße 1', 'Tor 3'],
      city: 'Köln',
      postalCode: '50667',
      country: 'DE',
    },
    { role: 'buyer', id: '123456789', idQualifier: 'duns', name: "O'Brien Supply" },
    { role: 'billTo', id: 'B-1', idQualifier: 'buyer-assigned' },
    { role: 'remitTo', id: '1234567890001', idQualifier: 'duns+4', name: 'Lockbox 7' },
    {
      role: 'payer',
      name: 'Central Payables',
      contacts: [
        { function: 'information', name: 'AP desk', communications: [{ channel: 'email', value: 'ap@example.com' }] },
      ],
    },
    { role: 'shipTo', id: 'DC-9', idQualifier: 'buyer-assigned' },
  ],
  references: [
    { qualifier: 'contract', value: 'C-2024-1' },
    { qualifier: 'customer-reference', value: 'X?9' },
    { qualifier: 'bill-of-lading', value: 'BOL-77' },
    { qualifier: 'packing-list', value: 'PK-9' },
  ],
  dates: [
    { qualifier: 'shipped', date: '2024-02-25' },
    { qualifier: 'delivered', date: '2024-02-27', time: '09:15' },
  ],
  terms: { discountPercent: 2.5, discountDays: 10, netDays: 30, dueDate: '2024-03-30' },
  lines: [
    {
      lineNumber: '10',
      quantity: 2.5,
      unit: 'KGM',
      unitPrice: 1234.5,
      buyerItem: 'B1',
      vendorItem: 'V1',
      manufacturerItem: 'M1',
      gtin: '04012345000018',
      isbn: '9780000000002',
      description:
        'A description long enough to need a second IMD segment in EDIFACT, and a second PID in X12 because it runs past eighty characters',
      references: [{ qualifier: 'packing-list', value: 'PK-9-1' }],
      dates: [{ qualifier: 'shipped', date: '2024-02-24' }],
    },
    { lineNumber: '20', quantity: 12, unit: 'CS', shippedQuantity: 14, shippedUnit: 'CS', vendorItem: 'V2' },
  ],
  totals: { lineCount: 2, amount: 3098.75, taxAmount: 588.76 },
  notes: ['Payable by bank transfer only.'],
};

const paymentTerms = fc
  .record({
    discountPercent: optional(money(9999)),
    discountDays: optional(count(999)),
    netDays: optional(count(999)),
    dueDate: optional(isoDay),
  })
  .map(defined)
  .filter((t) => Object.keys(t).length > 0);

// ---------------------------------------------------------------------------------------------
// Line prices, packaging, store allocations and product ids: what both standards have a code and an
// element for (docs/canonical.md, "Line prices, packaging, store allocations and product ids").
// ---------------------------------------------------------------------------------------------

function both<N extends string>(list: QualifierList<N>): N[] {
  return list.names.filter((n) => inBoth(list, n));
}
const productIdsBoth = fc.array(
  fc.record({ qualifier: fc.constantFrom(...both(productIdQualifiers)), value: code(1, 35) }),
  { maxLength: 3 },
);
const pricesBoth = fc.array(
  fc
    .record({
      qualifier: fc.constantFrom(...both(priceQualifiers)),
      amount: money(),
      basis: optional(fc.tuple(fc.integer({ min: 1, max: 1000 }), unit)),
      type: optional(fc.constantFrom(...priceTypes.names)),
    })
    .map(({ basis, ...p }) => defined({ ...p, basisQuantity: basis?.[0], basisUnit: basis?.[1] })),
  { maxLength: 2 },
);
const packagingBoth = fc.array(
  fc
    .record({
      pack: optional(fc.integer({ min: 1, max: 9999 })),
      packageType: optional(fc.constantFrom(...packageTypes.names)),
    })
    .map(defined)
    .filter((p) => Object.keys(p).length > 0),
  { maxLength: 2 },
);
const allocationsBoth = fc.array(
  fc
    .record({
      location: code(2, 20),
      idQualifier: optional(
        fc.constantFrom('gln', 'duns', 'buyer-assigned', 'seller-assigned') as fc.Arbitrary<
          'gln' | 'duns' | 'buyer-assigned' | 'seller-assigned'
        >,
      ),
      quantity: money(100_000),
      unit,
    })
    .map(defined),
  { maxLength: 12 },
);

/** A line's details both standards carry; `what` leaves out the kinds a document does not write in both. */
export function lineDetails(what: { packaging?: boolean; allocations?: boolean } = {}) {
  return fc
    .record({
      unitPriceType: optional(fc.constantFrom(...priceTypes.names)),
      perEach: fc.boolean(),
      prices: pricesBoth,
      packaging: what.packaging === false ? packagingBoth.map(() => []) : packagingBoth,
      allocations: what.allocations === false ? allocationsBoth.map(() => []) : allocationsBoth,
      productIds: productIdsBoth,
      countryOfOrigin: optional(fc.constantFrom('DE', 'US', 'JP')),
    })
    .map(({ perEach, ...d }) =>
      defined({
        unitPriceType: d.unitPriceType,
        // X12 says "per each" only of a price of no type (PE) or a contract price (TE).
        unitPriceUnit: perEach && (d.unitPriceType === undefined || d.unitPriceType === 'contract') ? 'EA' : undefined,
        prices: d.prices.length ? d.prices : undefined,
        packaging: d.packaging.length ? d.packaging : undefined,
        allocations: d.allocations.length ? d.allocations : undefined,
        productIds: d.productIds.length ? d.productIds : undefined,
        countryOfOrigin: d.countryOfOrigin,
      }),
    );
}

/** Adds line details to a line; its unit price's type and unit only where it has a unit price. */
function withDetails<L extends { unitPrice?: number }>(what: { packaging?: boolean; allocations?: boolean }) {
  return (l: L) =>
    lineDetails(what).map((d) =>
      defined({
        ...l,
        ...d,
        unitPriceType: l.unitPrice === undefined ? undefined : d.unitPriceType,
        unitPriceUnit: l.unitPrice === undefined ? undefined : d.unitPriceUnit,
      }),
    );
}

/** PurchaseOrders both standards can carry. */
const orderLine = fc
  .record({
    lineNumber: optional(lineNumber),
    quantity: money(),
    unit: optional(unit),
    unitPrice: optional(money()),
    description: optional(text(200)),
  })
  .chain((l) => itemIds.map((ids) => defined({ ...l, ...ids })))
  .chain(withDetails({}))
  .chain((l) => lineExtras().map((x) => ({ ...l, ...x })));
export const purchaseOrders: fc.Arbitrary<PurchaseOrder> = fc
  .record({
    number: code(1, 22),
    date: isoDay,
    purpose: purposes,
    type: fc.constantFrom('order', 'blanket', 'rush', 'release', 'consigned') as fc.Arbitrary<PurchaseOrder['type']>,
    currency: optional(fc.constantFrom('EUR', 'USD', 'CHF')),
    parties: fc.array(party(allRoles), { maxLength: 4 }),
    references: fc.array(reference(allReferences), { maxLength: 4 }),
    requestedDelivery: optional(isoDay),
    dates: dates(['requested-delivery']),
    terms: optional(paymentTerms),
    deliveryTerms: optional(fc.record({ payment: fc.constantFrom(...transportPayments.names) })),
    lines: fc.array(orderLine, { minLength: 1, maxLength: 4 }), // an 850 needs a PO1
    totals: fc.record({ lineCount: count(999), amount: optional(money()) }).map(defined),
    notes: fc.array(text(300), { maxLength: 3 }),
  })
  .map((d) => defined(d) as PurchaseOrder);

/** Invoices both standards can carry. */
const invoiceLine = fc
  .record({
    lineNumber: optional(lineNumber),
    quantity: money(),
    unit: optional(unit),
    unitPrice: optional(money()),
    description: optional(text(200)),
    shippedQuantity: optional(money()),
    shippedUnit: optional(unit),
  })
  // A shipped unit without a shipped quantity has nothing to go with (IT302 / the 6411 of QTY 12).
  .map((l) => (l.shippedQuantity === undefined ? { ...l, shippedUnit: undefined } : l))
  .chain((l) => itemIds.map((ids) => defined({ ...l, ...ids })))
  // The INVOIC's PAC group has no QTY for the pack: packaging is not written there.
  .chain(withDetails({ packaging: false }))
  // An INVOIC reads a PRI INV as the unit price (when it has no AAA or AAB), and an 810 a CTP INV of IT104's
  // amount as its qualifier: an invoice price is the unit price's qualifier here, never a price beside it.
  .chain((l) =>
    fc.boolean().map((invoicePrice) =>
      defined({
        ...l,
        prices: l.prices ? some(l.prices.filter((p) => p.qualifier !== 'invoice')) : undefined,
        unitPriceQualifier: invoicePrice && l.unitPrice !== undefined ? ('invoice' as const) : undefined,
      }),
    ),
  )
  .chain((l) => lineExtras().map((x) => ({ ...l, ...x })));
export const invoices: fc.Arbitrary<Invoice> = fc
  .record({
    number: fc
      .constantFrom('1', 'INV-9', 'X')
      .chain((p) => text(22).map((s) => (p + s.replace(/ /g, '')).slice(0, 22))),
    date: isoDay,
    type: fc.constantFrom('invoice', 'credit', 'debit', 'consolidated') as fc.Arbitrary<Invoice['type']>,
    purpose: purposes,
    orderNumber: optional(text(22)),
    orderDate: optional(isoDay),
    currency: optional(letters(3)),
    parties: fc.array(party(allRoles), { maxLength: 4 }),
    // The INVOIC's first RFF ON is the orderNumber, which is optional: a purchase-order reference without one would be read as it.
    references: fc.array(reference(allReferences.filter((q) => q !== 'purchase-order')), { maxLength: 4 }),
    dates: dates(['invoice']),
    terms: optional(paymentTerms),
    lines: fc.array(invoiceLine, { maxLength: 4 }),
    totals: fc.record({ lineCount: count(999), amount: money(), taxAmount: optional(money()) }).map(defined),
    notes: fc.array(text(80), { maxLength: 3 }),
  })
  .map((d) => defined(d) as Invoice);

/** A ShipNotice that fills every field: two orders and items tied to none. */
export const fullShipNotice: ShipNotice = {
  number: 'ASN-0815',
  date: '2024-03-01',
  purpose: 'replace',
  shipped: '2024-03-01',
  estimatedDelivery: '2024-03-04',
  parties: [
    {
      role: 'shipFrom',
      id: '5412345000013',
      idQualifier: 'gln',
      name: 'Lager Süd',
      addressLines: ['Industriestraße 9'],
      city: 'München',
      postalCode: '80331',
      country: 'DE',
    },
    { role: 'shipTo', id: 'DC-9', idQualifier: 'buyer-assigned', name: 'Distribution Centre 9' },
    { role: 'carrier', id: '123456789', idQualifier: 'duns', name: 'Fast Freight' },
    { role: 'buyer', id: '4012345000094', idQualifier: 'gln' },
    {
      role: 'shipper',
      name: 'Export Desk',
      contacts: [
        { function: 'information', name: 'Dock 4', communications: [{ channel: 'phone', value: '+49 89 1234' }] },
      ],
    },
    { role: 'consignee', id: '4012345000100', idQualifier: 'gln' },
  ],
  references: [
    { qualifier: 'bill-of-lading', value: 'BOL-1' },
    { qualifier: 'carrier-reference', value: 'PRO 42' },
    { qualifier: 'contract', value: 'C-7' },
    { qualifier: 'packing-list', value: 'PK-1' },
  ],
  dates: [{ qualifier: 'delivered', date: '2024-03-05', time: '08:00' }],
  orders: [
    {
      number: 'PO-1',
      orderDate: '2024-02-20',
      items: [
        {
          lineNumber: '1',
          quantity: 10,
          unit: 'CS',
          orderedQuantity: 12,
          vendorItem: 'V-1',
          gtin: '04012345000018',
          description: 'Ten cases of the twelve ordered',
          references: [{ qualifier: 'packing-list', value: 'PK-1-1' }],
          dates: [{ qualifier: 'expiry', date: '2025-03-01' }],
        },
        { lineNumber: '2', quantity: 2.5, unit: 'KGM', buyerItem: 'B-2' },
      ],
    },
    { number: 'PO-2', items: [{ quantity: 1, unit: 'EA', isbn: '9780000000002' }] },
    {
      items: [
        { lineNumber: '99', quantity: 3, unit: 'EA', description: 'Not tied to an order, and without item numbers' },
      ],
    },
  ],
};

/** ShipNotices both standards can carry. */
const shippedItem = fc
  .record({
    lineNumber: optional(lineNumber),
    quantity: money(),
    unit,
    orderedQuantity: optional(money()),
    description: optional(text(150)),
  })
  .chain((i) => itemIds.map((ids) => defined({ ...i, ...ids })))
  .chain((i) => productIdsBoth.map((p) => defined({ ...i, productIds: p.length ? p : undefined })))
  // A DESADV line's RFF ON names its order (ShippedOrder), so a purchase-order reference of an item cannot travel there.
  .chain((i) => lineExtras([], ['purchase-order']).map((x) => ({ ...i, ...x })));
const shippedItems = fc.array(shippedItem, { minLength: 1, maxLength: 3 });
// Order numbers are unique and at most one group of items is tied to no order: a DESADV names the order on
// each line, so neighbouring lines of equal orders read back as one order.
const shippedOrders = fc
  .tuple(
    fc.uniqueArray(code(1, 22), { maxLength: 3 }),
    fc.array(fc.tuple(optional(isoDay), shippedItems), { minLength: 3, maxLength: 3 }),
    optional(shippedItems),
    fc.nat(3),
  )
  .map(([numbers, details, loose, at]) => {
    const out: ShippedOrder[] = numbers.map((number, i) =>
      defined({ number, orderDate: details[i][0], items: details[i][1] }),
    );
    if (loose) out.splice(Math.min(at, out.length), 0, { items: loose });
    return out;
  });
export const shipNotices: fc.Arbitrary<ShipNotice> = fc
  .record({
    number: code(2, 22),
    date: isoDay,
    purpose: purposes,
    shipped: optional(isoDay),
    estimatedDelivery: optional(isoDay),
    parties: fc.array(party(allRoles), { maxLength: 4 }),
    references: fc.array(reference(allReferences), { maxLength: 4 }),
    dates: dates(['shipped', 'estimated-delivery']),
    orders: shippedOrders,
  })
  .map((d) => defined(d) as ShipNotice);

/** An OrderResponse that fills every field, with a line of each status and one without. */
export const fullOrderResponse: OrderResponse = {
  number: 'SO-5531',
  date: '2024-02-02',
  purpose: 'original',
  status: 'changed',
  orderNumber: 'PO-77',
  orderDate: '2024-02-01',
  currency: 'EUR',
  parties: [
    { role: 'seller', id: '5412345000013', idQualifier: 'gln', name: 'Müller & Söhne GmbH' },
    {
      role: 'buyer',
      id: '123456789',
      idQualifier: 'duns',
      name: "O'Brien Supply",
      addressLines: ['1 Main St'],
      city: 'Boston',
      region: 'MA',
      postalCode: '02101',
      country: 'US',
      contacts: [
        { function: 'order', name: 'Order desk', communications: [{ channel: 'phone', value: '617 555 0100' }] },
      ],
    },
    { role: 'shipFrom', id: '5412345000020', idQualifier: 'gln' },
  ],
  references: [
    { qualifier: 'contract', value: 'C-2024-1' },
    { qualifier: 'price-list', value: 'PL-2024' },
  ],
  dates: [{ qualifier: 'promised-delivery', date: '2024-02-12' }],
  terms: { netDays: 45, dueDate: '2024-03-31' },
  lines: [
    {
      lineNumber: '1',
      status: 'accepted',
      quantity: 10,
      unit: 'EA',
      unitPrice: 9.5,
      confirmedQuantity: 10,
      estimatedDelivery: '2024-02-10',
      gtin: '04012345000018',
      description: 'Accepted as ordered',
    },
    {
      lineNumber: '2',
      status: 'changed',
      quantity: 5,
      unit: 'CS',
      unitPrice: 20,
      confirmedQuantity: 4,
      vendorItem: 'V-2',
      references: [{ qualifier: 'contract', value: 'C-2024-1/2' }],
      dates: [{ qualifier: 'ship-not-before', date: '2024-02-08' }],
    },
    { lineNumber: '3', status: 'rejected', quantity: 1, unit: 'EA', confirmedQuantity: 0, buyerItem: 'B-3' },
    {
      lineNumber: '4',
      status: 'backordered',
      quantity: 8,
      unit: 'KGM',
      confirmedQuantity: 8,
      estimatedDelivery: '2024-04-01',
      isbn: '9780000000002',
    },
    { lineNumber: '5', quantity: 2, unit: 'EA', manufacturerItem: 'M-5' },
  ],
  totals: { lineCount: 5, amount: 1234.5 },
  notes: ['Line 2: only four cases left in this size.'],
};

/**
 * OrderResponses both standards can carry. What an 855 can say of a line: an ACK needs a status, a unit
 * needs a quantity to travel with, a back order needs its quantity in an ORDRSP (QTY 83).
 */
const responseLine: fc.Arbitrary<ResponseLine> = fc
  .record({
    lineNumber: optional(lineNumber),
    status: optional(
      fc.constantFrom('accepted', 'rejected', 'changed', 'backordered') as fc.Arbitrary<ResponseLine['status']>,
    ),
    quantity: optional(money()),
    unit: optional(unit),
    unitPrice: optional(money()),
    confirmedQuantity: optional(money()),
    estimatedDelivery: optional(isoDay),
    description: optional(text(150)),
  })
  .map((l) =>
    defined({
      ...l,
      unit: l.quantity !== undefined || (l.status && l.confirmedQuantity !== undefined) ? l.unit : undefined,
      confirmedQuantity: l.status
        ? l.status === 'backordered'
          ? (l.confirmedQuantity ?? 1)
          : l.confirmedQuantity
        : undefined,
      estimatedDelivery: l.status ? l.estimatedDelivery : undefined,
    }),
  )
  .chain((l) => itemIds.map((ids) => defined({ ...l, ...ids })))
  .chain(withDetails({}))
  .chain((l) => lineExtras(['estimated-delivery']).map((x) => ({ ...l, ...x })));
export const orderResponses: fc.Arbitrary<OrderResponse> = fc
  .record({
    number: optional(code(1, 30)),
    date: isoDay,
    purpose: purposes,
    status: fc.constantFrom('accepted', 'changed', 'rejected') as fc.Arbitrary<OrderResponse['status']>,
    orderNumber: code(1, 22),
    orderDate: isoDay,
    currency: optional(fc.constantFrom('EUR', 'USD', 'CHF')),
    parties: fc.array(party(allRoles), { maxLength: 4 }),
    references: fc.array(reference(allReferences), { maxLength: 4 }),
    dates: dates(),
    terms: optional(paymentTerms),
    lines: fc.array(responseLine, { maxLength: 5 }),
    totals: fc.record({ lineCount: count(999), amount: optional(money()) }).map(defined),
    notes: fc.array(text(300), { maxLength: 3 }),
  })
  .map((d) => defined(d) as OrderResponse);

/**
 * The lines `translate` printed on stderr, each of which must be a located loss warning
 * (`warning: FILE, interchange N, transaction N, segment N (TAG Q)[, element N]: ... dropped: reason`).
 */
export function lossWarnings(err: string): string[] {
  const lines = err.trim().split('\n').filter(Boolean);
  for (const l of lines)
    expect(l).toMatch(
      new RegExp(
        String.raw`^warning: .+, interchange [^,]+, transaction [^,]+, segment \d+ \([A-Z0-9]+( ` +
          String.raw`[^)]+)?\)(, element \d+(, component \d+)?)?: .*(dropped|changed to "[^"]*"): .+$`,
      ),
    );
  return lines;
}

const ISA =
  'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240102*1230*U*00401*000000042*0*P*>~';

/** One 004010 transaction set of `segments` (ST and SE added) in its own interchange and group `gs`. */
export function x12Set(gs: string, type: string, segments: string[]): Transaction {
  const body = [`ST*${type}*0001`, ...segments].join('~') + '~';
  const edi = `${ISA}GS*${gs}*SENDER*RECEIVER*20240102*1230*1*X*004010~${body}SE*${segments.length + 2}*0001~GE*1*1~IEA*1*000000042~`;
  const tx = parse(Buffer.from(edi))[0].groups[0].transactions[0];
  expect(tx.tree).toBeDefined();
  return tx;
}

/** One D96A message of `segments` (UNH and UNT added) in its own interchange. */
export function edifactSet(type: string, segments: string[]): Transaction {
  const body = [`UNH+1+${type}:D:96A:UN`, ...segments, `UNT+${segments.length + 2}+1`].join("'") + "'";
  const edi = `UNA:+.? 'UNB+UNOC:3+5412345000013:14+5400000000001:14+240102:1230+77'${body}UNZ+1+77'`;
  const tx = parse(Buffer.from(edi, 'latin1'))[0].groups[0].transactions[0];
  expect(tx.tree).toBeDefined();
  return tx;
}

/** The losses of translating tx to the other standard, as `TAG QUALIFIER:ELEMENT` keys. */
export async function lossKeys<D>(kind: DocumentKind<D>, from: Standard, tx: Transaction): Promise<string[]> {
  const to: Standard = from === 'x12' ? 'edifact' : 'x12';
  const found = await translationLosses({ standard: from, tx, profiles }, standardTranslation(kind, from, to), to);
  return found.map((l) => `${l.tag}${l.qualifier ? ` ${l.qualifier}` : ''}${l.element ? `:${l.element}` : ''}`);
}
