/**
 * fast-check documents of a canonical kind, generated from the JSON Schema its zod schema gives
 * (`z.toJSONSchema`, which names each code list): every field, optional or not, every code of every list, raw
 * codes, amounts with and without decimals, long and short text. A field a kind gains is generated
 * without touching the tests that use this.
 */
import fc from 'fast-check';
import { z } from 'zod';

type Json = Record<string, unknown>;
const RAW_CODE = '^(x12|edifact):\\S+$';

/** Short words most of the time (values a partner sends), sometimes text longer than most elements hold. */
const text = fc.oneof(
  { weight: 20, arbitrary: fc.stringMatching(/^[A-Z0-9][A-Za-z0-9 .,-]{1,5}$/).map((s) => s.trimEnd()) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][A-Za-z0-9 ]{30,90}[A-Za-z]$/) },
);
const isoDay = fc
  .date({ min: new Date('1999-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const rawCodeOf = (standards: readonly string[]) =>
  fc.tuple(fc.constantFrom(...standards), fc.stringMatching(/^[A-Z0-9]{2,3}$/)).map(([s, c]) => `${s}:${c}`);
/**
 * Text fields that hold codes: mostly codes in use (units both as X12 355 and as Recommendation 20, ISO
 * countries and currencies), sometimes any text, which a writer must refuse rather than send.
 */
const codeLike = (codes: string[]) =>
  fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...codes) }, { weight: 1, arbitrary: text });
const units = codeLike([
  'EA',
  'CA',
  'CT',
  'LB',
  'KG',
  'PCE',
  'KGM',
  'LBR',
  'C62',
  'PK',
  'CS',
  'BX',
  'DZN',
  'MTR',
  'FT',
]);
const countries = codeLike(['US', 'DE', 'GB', 'FR', 'CN', 'MX', 'CA', 'NL']);
const textKeys: Record<string, fc.Arbitrary<string>> = {
  region: codeLike(['NY', 'CA', 'ON', 'TX', 'BY']),
  unit: units,
  weightUnit: units,
  dimensionUnit: units,
  basisUnit: units,
  unitPriceUnit: units,
  shippedUnit: units,
  postalCode: codeLike(['10001', '90210-1234', 'SW1A 1AA', '80331']),
  country: countries,
  countryOfOrigin: countries,
  currency: codeLike(['USD', 'EUR', 'GBP', 'CAD', 'JPY']),
  lineNumber: codeLike(['1', '2', '10', '0001', '999']),
};
/** Whole amounts, cents, finer fractions, negatives and large values: what money and quantities look like. */
const amount = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 9_999 }) },
  { weight: 6, arbitrary: fc.integer({ min: -9_999_99, max: 9_999_99 }).map((c) => c / 100) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 9_999_999 }).map((c) => c / 10_000) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 999_999_999 }) },
);

/** Numbers that count things: whole most of the time, a fraction now and then (which no N0 element holds). */
const count = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 999 }) }, { weight: 1, arbitrary: amount });
const countKeys = new Set(['count', 'pack', 'packs', 'innerPack', 'lineCount', 'packageCount']);
interface Walk {
  root: Json;
  /** Paths (`lines`, `lines[].quantity`, `totals.amount`) generated always, arrays with one item or more. */
  present: ReadonlySet<string>;
  rawCode: fc.Arbitrary<string>;
}

function ofType(s: Json, w: Walk, path: string): fc.Arbitrary<unknown> {
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace(/^#\/\$defs\//, '');
    return fc.constant(null).chain(() => ofType((w.root.$defs as Record<string, Json>)[name], w, path));
  }
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  // A code no list maps is the exception: one in ten where a list's codes are the other choice.
  if (alternatives)
    return fc.oneof(
      ...alternatives.map((a) => ({ weight: a.pattern === RAW_CODE ? 1 : 9, arbitrary: ofType(a, w, path) })),
    );
  switch (s.type) {
    case 'object':
      return object(s, w, path);
    case 'array': {
      const item = ofType(s.items as Json, w, `${path}[]`);
      const minLength = Math.max(typeof s.minItems === 'number' ? s.minItems : 0, w.present.has(path) ? 1 : 0);
      return fc.array(item, { minLength, maxLength: Math.max(minLength, 2) });
    }
    case 'string':
      if (s.format === 'date') return isoDay;
      if (s.pattern === RAW_CODE) return w.rawCode;
      if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern));
      return textKeys[path.slice(path.lastIndexOf('.') + 1)] ?? text;
    case 'integer': {
      const min = typeof s.minimum === 'number' ? s.minimum : -999;
      return fc.integer({ min, max: Math.min(typeof s.maximum === 'number' ? s.maximum : 999, min + 999) });
    }
    case 'number':
      return countKeys.has(path.slice(path.lastIndexOf('.') + 1)) ? count : amount;
    case 'boolean':
      return fc.boolean();
    default:
      throw new Error(`canonical-arbitrary: no generator for ${JSON.stringify(s).slice(0, 200)}`);
  }
}

function object(s: Json, w: Walk, path: string): fc.Arbitrary<unknown> {
  const properties = (s.properties ?? {}) as Record<string, Json>;
  // The JSON output's kind name is dropped on input; generating it adds nothing.
  const keys = Object.keys(properties).filter((k) => k !== 'document');
  const at = (k: string) => (path ? `${path}.${k}` : k);
  const required = new Set((s.required as string[] | undefined) ?? []);
  // An optional field is left out three times in four, so that most documents are small enough to fit.
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of keys) {
    const value = ofType(properties[k], w, at(k));
    model[k] = required.has(k) || w.present.has(at(k)) ? value : fc.option(value, { nil: undefined, freq: 3 });
  }
  return fc
    .record(model)
    .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, unknown>);
}

export interface ArbitraryOptions {
  /** Fields always generated, as `lines`, `lines[].quantity` or `totals.amount`; arrays get one item or more. */
  present?: readonly string[];
  /** The standards of the raw codes (`x12:ZZ`) generated where a code list is: both unless told. */
  rawCodes?: ReadonlyArray<'x12' | 'edifact'>;
}

/** Documents shaped as `schema` accepts them (its refinements, such as unique package ids, may still refuse some). */
export function canonicalArbitrary(schema: z.ZodType, o: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const rawCode = rawCodeOf(o.rawCodes ?? ['x12', 'edifact']);
  return ofType(root, { root, present: new Set(o.present ?? []), rawCode }, '');
}
