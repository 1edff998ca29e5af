/** What the canonical document tests share: reading the corpus in place, writing a document through a standard and back, checking it is clean. */
import { join } from 'node:path';
import fc from 'fast-check';
import { corpusDir, read } from '../helpers/corpus';
import { parseBuffer } from '../../src/edi/parse';
import { allDiagnostics, type Interchange, type Standard, type Transaction } from '../../src/edi/model';
import { write } from '../../src/edi/write';
import { builtInProfiles } from '../../src/config/profiles';
import { type DocumentKind, edifactInterchange, x12Interchange } from '../../src/canonical';

export const profiles = builtInProfiles().set;
export const now = new Date('2024-01-02T12:30:00Z');
export const env = { sender: { qualifier: 'ZZ', id: 'SENDER' }, receiver: { qualifier: 'ZZ', id: 'RECEIVER' }, controlNumber: 42, now };

export function parse(buf: Buffer): Interchange[] {
  return parseBuffer(buf, { level: 'full', profiles }).interchanges;
}

/** The transactions of one type in a corpus file (path under ../shared/corpus), read in place. */
export function transactions(file: string, type: string): Transaction[] {
  return parse(read(join(corpusDir, file))).flatMap((ic) => ic.groups.flatMap((g) => g.transactions)).filter((t) => t.type === type);
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
  const bytes = write(standard === 'x12' ? x12Interchange([message], { ...env, functionalId: kind.x12.functionalId }) : edifactInterchange([message], env));
  const [ic] = parse(bytes);
  return { doc: k.read(ic.groups[0].transactions[0]), ic, bytes };
}

/** The findings of a written interchange: none expected, and the shipped profile must have been applied to every transaction. */
export function findings(ic: Interchange): string[] {
  const out = allDiagnostics(ic).filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => `${d.severity} ${d.code}: ${d.message}`);
  for (const tx of ic.groups.flatMap((g) => g.transactions)) if (!tx.tree) out.push(`no profile applied to ${tx.type} ${tx.version}`);
  return out;
}

export function expectClean(ic: Interchange): void {
  expect(findings(ic)).toEqual([]);
}

/**
 * X12 -> canonical -> EDIFACT -> canonical -> X12 (or the reverse): the document is unchanged at every
 * step and both written documents are clean.
 */
export function expectRoundTrip<D>(kind: DocumentKind<D>, from: Standard, doc: D): void {
  const other: Standard = from === 'x12' ? 'edifact' : 'x12';
  const there = via(kind, other, doc);
  expectClean(there.ic);
  expect(there.doc).toEqual(doc);
  const back = via(kind, from, there.doc);
  expectClean(back.ic);
  expect(back.doc).toEqual(doc);
}

// ---------------------------------------------------------------------------------------------
// Generators for property tests: values both standards can carry (no X12 delimiters * > ~, lengths
// within the tighter of the two element definitions).
// ---------------------------------------------------------------------------------------------

const UPPER = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const WORD = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-/&+:\'?,'];

const str = (unit: string[], min: number, max: number) => fc.string({ unit: fc.constantFrom(...unit), minLength: min, maxLength: max });

/** Words joined by single spaces, never blank at either end, at most `max` characters. */
export const text = (max: number, min = 1) =>
  fc.array(str(WORD, 1, 12), { minLength: 1, maxLength: 8 }).map((w) => w.join(' ').slice(0, max).trim()).filter((s) => s.length >= min);
export const code = (min: number, max: number) => str(ALNUM, min, max);
export const letters = (n: number) => str(UPPER, n, n);
/** EDIFACT LIN 1082 is numeric (n..6). */
export const lineNumber = str([...'0123456789'], 1, 6);
export const isoDay = fc.record({ y: fc.integer({ min: 1995, max: 2035 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
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
  buyerItem: optional(code(1, 35)), vendorItem: optional(code(1, 35)), manufacturerItem: optional(code(1, 35)),
  gtin: optional(str([...'0123456789'], 8, 14)), isbn: optional(str([...'0123456789'], 10, 13)),
});

export function party<R extends string>(roles: R[]) {
  return fc.record({
    role: fc.constantFrom(...roles),
    id: optional(code(2, 20)),
    idQualifier: optional(fc.constantFrom('gln', 'duns', 'duns+4', 'buyer-assigned', 'seller-assigned') as fc.Arbitrary<'gln' | 'duns' | 'duns+4' | 'buyer-assigned' | 'seller-assigned'>),
    name: optional(text(60)),
    addressLines: optional(fc.array(text(35), { minLength: 1, maxLength: 4 })),
    city: optional(text(30, 2)),
    region: optional(letters(2)),
    postalCode: optional(code(3, 9)),
    country: optional(letters(2)),
  }).filter((p) => p.id !== undefined || p.name !== undefined) // N1 needs a name or an id (R0203)
    .map((p) => defined({ ...p, idQualifier: p.id === undefined ? undefined : p.idQualifier }));
}

export function reference<Q extends string>(qualifiers: Q[]) {
  return fc.record({ qualifier: fc.constantFrom(...qualifiers), value: code(1, 30) });
}

export const baseRoles: Array<'buyer' | 'seller' | 'shipTo' | 'billTo'> = ['buyer', 'seller', 'shipTo', 'billTo'];
export const baseReferences: Array<'contract' | 'promotion' | 'vendor-order' | 'customer-reference' | 'price-list' | 'internal-vendor'> =
  ['contract', 'promotion', 'vendor-order', 'customer-reference', 'price-list', 'internal-vendor'];
export const purposes = fc.constantFrom('original', 'cancellation', 'change', 'replace', 'confirmation', 'duplicate') as
  fc.Arbitrary<'original' | 'cancellation' | 'change' | 'replace' | 'confirmation' | 'duplicate'>;
