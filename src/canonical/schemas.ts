/**
 * zod schemas for the canonical documents as they arrive from outside the readers: canonical JSON sent
 * with `edi-gateway send` or the admin API, and what partners' JSONata maps produce. Each accepts
 * exactly what its interface describes (unknown keys are errors, so a typo is caught), fills the
 * defaults a writer needs (docs/canonical.md, "Canonical JSON in"), and drops the `"document"` field the
 * JSON output names the kind with. A document a reader produced parses to itself.
 */

import { z } from 'zod';
import type { DocumentPurpose } from './common';
import {
  type QualifierList,
  type RawCode,
  carrierIdAgencies,
  channels,
  chargeCodes,
  chargeHandling,
  contactFunctions,
  equipmentTypes,
  noteQualifiers,
  orderTypes as orderTypeList,
  taxTypes,
  transportPayments,
  incoterms,
  type IncotermName,
  transportModes,
  dateQualifiers,
  isRawCode,
  packageTypes,
  partyIdAgencies,
  partyRoles,
  priceQualifiers,
  priceTypes,
  productIdQualifiers,
  referenceQualifiers,
  termsTypes,
  amountQualifiers,
  markQualifiers,
  measurements,
} from './code-lists';
import type { PurchaseOrder } from './purchase-order';
import type { Invoice, InvoiceType } from './invoice';
import type { ShipNotice } from './ship-notice';
import type { LineStatus, OrderResponse, ResponseStatus } from './order-response';

// ---------------------------------------------------------------------------------------------
// Code lists: the canonical names of the code maps. `satisfies` keeps each to its union type; the
// checks at the end of the file catch a name added to a union and not here.
// ---------------------------------------------------------------------------------------------

const purposes = [
  'original',
  'cancellation',
  'change',
  'replace',
  'confirmation',
  'duplicate',
  'advance-notification',
] as const satisfies readonly DocumentPurpose[];
const invoiceTypes = ['invoice', 'credit', 'debit', 'consolidated'] as const satisfies readonly InvoiceType[];
const responseStatuses = ['accepted', 'changed', 'rejected'] as const satisfies readonly ResponseStatus[];
const lineStatuses = ['accepted', 'rejected', 'changed', 'backordered'] as const satisfies readonly LineStatus[];

// ---------------------------------------------------------------------------------------------
// Field types. Readers never produce an empty string (compact() drops them), so none is accepted:
// an absent value is an absent field.
// ---------------------------------------------------------------------------------------------

const text = z.string().min(1);
/** YYYY-MM-DD, a real calendar day. */
const isoDate = z.iso.date();
/** Any finite number (z.number() refuses NaN and Infinity). */
const amount = z.number();
/** A count or a number of days: a whole number, not negative. */
const count = z.number().int().min(0);
/** Arrays a writer iterates: absent is empty. A new array each time, never a shared one. */
const list = <T extends z.ZodType>(item: T) => z.array(item).default(() => []);

const itemIds = {
  buyerItem: text.optional(),
  vendorItem: text.optional(),
  manufacturerItem: text.optional(),
  gtin: text.optional(),
  isbn: text.optional(),
  itemIdQualifiers: z
    .object({
      buyerItem: text.optional(),
      vendorItem: text.optional(),
      manufacturerItem: text.optional(),
      gtin: text.optional(),
      isbn: text.optional(),
    })
    .strict()
    .optional(),
};

/**
 * How a code no list maps is spelled, as JSON Schema. Custom checks have no JSON Schema of their own; with
 * these, `z.toJSONSchema` of a document's schema names every code list (test/helpers/canonical-arbitrary.ts
 * generates documents from it).
 */
const rawCodeJson = { type: 'string', pattern: '^(x12|edifact):\\S+$' } as const;

/**
 * A qualifier: a canonical name of its code list, or a code no list maps, as-is with its standard
 * (`x12:DP`, `edifact:AAK`).
 */
function qualified<N extends string>(list: QualifierList<N>) {
  const names = list.names.map((n) => JSON.stringify(n)).join(', ');
  return z
    .custom<N | RawCode>(
      (v) => typeof v === 'string' && ((list.names as readonly string[]).includes(v) || isRawCode(v)),
      { error: (issue) => `expected one of ${names}, or x12:CODE / edifact:CODE, got ${described(issue.input)}` },
    )
    .meta({ anyOf: [{ enum: [...list.names] }, rawCodeJson] });
}

const reference = z.strictObject({ qualifier: qualified(referenceQualifiers), value: text });

const contact = z.strictObject({
  function: qualified(contactFunctions),
  name: text.optional(),
  communications: z.array(z.strictObject({ channel: qualified(channels), value: text })).optional(),
});

const party = z.strictObject({
  role: qualified(partyRoles),
  roleCode: z
    .string()
    .regex(/^[A-Z0-9]{1,3}$/, { error: 'expected a party role code of 1-3 letters or digits' })
    .optional(),
  id: text.optional(),
  idQualifier: qualified(partyIdAgencies).optional(),
  name: text.optional(),
  additionalNames: z.array(text).optional(),
  addressLines: z.array(text).optional(),
  city: text.optional(),
  region: text.optional(),
  postalCode: text.optional(),
  country: text.optional(),
  contacts: z.array(contact).optional(),
  references: z.array(reference).optional(),
});

const dateRef = z.strictObject({
  qualifier: qualified(dateQualifiers),
  date: isoDate,
  time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time as HH:MM' })
    .optional(),
});

const paymentTerms = z.strictObject({
  type: qualified(termsTypes).optional(),
  discountPercent: amount.optional(),
  discountDays: count.optional(),
  netDays: count.optional(),
  dueDate: isoDate.optional(),
});

const rawCode = z
  .custom<RawCode>((v) => typeof v === 'string' && isRawCode(v), {
    error: (issue) => `expected x12:CODE or edifact:CODE, got ${described(issue.input)}`,
  })
  .meta(rawCodeJson);

const charge = z.strictObject({
  indicator: z.enum(['allowance', 'charge', 'none']),
  code: qualified(chargeCodes).optional(),
  description: text.optional(),
  amount: amount.optional(),
  percent: amount.optional(),
  percentBasis: rawCode.optional(),
  rate: amount.optional(),
  quantity: amount.optional(),
  unit: text.optional(),
  handling: qualified(chargeHandling).optional(),
  reference: text.optional(),
});

const tax = z.strictObject({
  type: qualified(taxTypes),
  amount: amount.optional(),
  percent: amount.optional(),
  basisAmount: amount.optional(),
  exempt: z.boolean().optional(),
  taxId: text.optional(),
});

const carrier = z.strictObject({
  mode: qualified(transportModes).optional(),
  id: text.optional(),
  idQualifier: qualified(carrierIdAgencies).optional(),
  routing: text.optional(),
});

const deliveryTerms = z.strictObject({
  payment: qualified(transportPayments).optional(),
  incoterm: z.enum(incoterms.names as [IncotermName, ...IncotermName[]]).optional(),
});

const packaging = z.strictObject({
  type: qualified(packageTypes).optional(),
  count: amount.optional(),
  description: text.optional(),
  weight: amount.optional(),
  weightKind: z.enum(['gross', 'net']).optional(),
  weightUnit: text.optional(),
});

/** A shipment's or a package's measurement (ship-notice.ts). */
const measurement = z.strictObject({ dimension: qualified(measurements), value: amount, unit: text.optional() });

const equipment = z.strictObject({ type: qualified(equipmentTypes).optional(), id: text.optional() });

/** A general note as text, or a note with its qualifier. */
const note = z.union([text, z.strictObject({ qualifier: qualified(noteQualifiers), text })]);
const productIds = z.array(z.strictObject({ qualifier: qualified(productIdQualifiers), value: text })).optional();

/** Line prices, packaging, store allocations and product ids (line-details.ts). */
const lineDetails = {
  unitPriceQualifier: qualified(priceQualifiers).optional(),
  unitPriceType: qualified(priceTypes).optional(),
  unitPriceUnit: text.optional(),
  prices: z
    .array(
      z.strictObject({
        qualifier: qualified(priceQualifiers),
        amount,
        basisQuantity: amount.optional(),
        basisUnit: text.optional(),
        type: qualified(priceTypes).optional(),
      }),
    )
    .optional(),
  packaging: z
    .array(
      z.strictObject({
        pack: amount.optional(),
        size: amount.optional(),
        unit: text.optional(),
        packageType: qualified(packageTypes).optional(),
        packageMaterial: text.optional(),
        weight: amount.optional(),
        weightKind: z.enum(['gross', 'net']).optional(),
        weightUnit: text.optional(),
        length: amount.optional(),
        width: amount.optional(),
        height: amount.optional(),
        dimensionUnit: text.optional(),
      }),
    )
    .optional(),
  allocations: z
    .array(
      z.strictObject({
        location: text,
        idQualifier: qualified(partyIdAgencies).optional(),
        quantity: amount,
        unit: text.optional(),
      }),
    )
    .optional(),
  productIds,
  countryOfOrigin: text.optional(),
};

const monetaryAmount = z.strictObject({ qualifier: qualified(amountQualifiers), amount });
/** Line amounts and line parties (Invoice, OrderResponse). */
const lineMoney = { amounts: z.array(monetaryAmount).optional(), parties: z.array(party).optional() };

/** What every line may carry beside its own fields. */
const lineExtras = { references: z.array(reference).optional(), dates: z.array(dateRef).optional() };

/** The `"document": "<Name>"` the JSON output carries: accepted when it names this kind, and dropped. */
const named = <N extends string>(name: N) => z.literal(name).optional();

// ---------------------------------------------------------------------------------------------
// The four documents.
// ---------------------------------------------------------------------------------------------

/** A delivery schedule of a line (X12 SCH / EDIFACT SCC group). */
const lineSchedule = z.strictObject({ quantity: amount, unit: text.optional(), dates: z.array(dateRef).optional() });

export const purchaseOrderSchema = z
  .strictObject({
    document: named('PurchaseOrder'),
    number: text,
    date: isoDate.optional(),
    purpose: z.enum(purposes).default('original'),
    type: qualified(orderTypeList).default('order'),
    currency: text.optional(),
    parties: list(party),
    references: list(reference),
    dates: list(dateRef),
    terms: paymentTerms.optional(),
    deliveryTerms: deliveryTerms.optional(),
    charges: z.array(charge).optional(),
    taxes: z.array(tax).optional(),
    carriers: z.array(carrier).optional(),
    packaging: z.array(packaging).optional(),
    packagingNotes: z.array(text).optional(),
    equipment: z.array(equipment).optional(),
    requestedDelivery: isoDate.optional(),
    lines: list(
      z.strictObject({
        lineNumber: text.optional(),
        quantity: amount,
        quantityQualifier: z.enum(['discrete']).optional(),
        unit: text.optional(),
        unitPrice: amount.optional(),
        ...itemIds,
        description: text.optional(),
        ...lineDetails,
        ...lineExtras,
        charges: z.array(charge).optional(),
        taxes: z.array(tax).optional(),
        notes: z.array(note).optional(),
        schedules: z.array(lineSchedule).optional(),
        measurements: z.array(measurement).optional(),
      }),
    ),
    totals: z
      .strictObject({
        lineCount: count.optional(),
        amount: amount.optional(),
        amounts: z.array(monetaryAmount).optional(),
      })
      .default(() => ({})),
    notes: list(note),
  })
  .transform(({ document: _document, ...doc }) => ({
    ...doc,
    // As sent, else the number of lines (what the readers do without a CTT or CNT 2). Written out in each
    // schema, not by a generic helper, so the output type stays a plain object the checks below compare.
    totals: { ...doc.totals, lineCount: doc.totals.lineCount ?? doc.lines.length },
  }));

export const invoiceSchema = z
  .strictObject({
    document: named('Invoice'),
    number: text,
    date: isoDate.optional(),
    type: z.enum(invoiceTypes).default('invoice'),
    purpose: z.enum(purposes).default('original'),
    orderNumber: text.optional(),
    orderDate: isoDate.optional(),
    currency: text.optional(),
    currencyParty: qualified(partyRoles).optional(),
    currencyUsage: rawCode.optional(),
    parties: list(party),
    references: list(reference),
    dates: list(dateRef),
    terms: paymentTerms.optional(),
    deliveryTerms: deliveryTerms.optional(),
    charges: z.array(charge).optional(),
    taxes: z.array(tax).optional(),
    carriers: z.array(carrier).optional(),
    lines: list(
      z
        .strictObject({
          lineNumber: text.optional(),
          quantity: amount,
          quantityQualifier: z.enum(['despatched', 'delivered']).optional(),
          unit: text.optional(),
          shippedQuantity: amount.optional(),
          shippedUnit: text.optional(),
          unitPrice: amount.optional(),
          ...itemIds,
          description: text.optional(),
          ...lineDetails,
          ...lineExtras,
          charges: z.array(charge).optional(),
          taxes: z.array(tax).optional(),
          ...lineMoney,
        })
        .superRefine(oneDespatchedQuantity),
    ),
    totals: z
      .strictObject({
        lineCount: count.optional(),
        amount: amount.optional(),
        taxAmount: amount.optional(),
        amounts: z.array(monetaryAmount).optional(),
        charges: z.array(charge).optional(),
      })
      .default(() => ({})),
    notes: list(note),
  })
  .transform(({ document: _document, ...doc }) => ({
    ...doc,
    totals: { ...doc.totals, lineCount: doc.totals.lineCount ?? doc.lines.length },
  }));

/**
 * A package names its parent and an item its package by id: each id must be one of the packages listed
 * before it (a parent), or at all (an item's), so that no writer has to guess where something sits.
 */
/**
 * An INVOIC line has one despatched quantity (QTY 12): a line whose quantity is the despatched one has no
 * shipped quantity beside it, which the writers would have to leave out of the INVOIC or write twice.
 */
function oneDespatchedQuantity(
  line: { quantityQualifier?: string; shippedQuantity?: number },
  ctx: z.RefinementCtx,
): void {
  if (line.quantityQualifier === 'despatched' && line.shippedQuantity !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['shippedQuantity'],
      message: 'the quantity of this line is already the despatched one (quantityQualifier "despatched")',
    });
}

function packReferences(
  doc: { packs?: Array<{ id: string; parent?: string }>; orders: Array<{ items: Array<{ pack?: string }> }> },
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  (doc.packs ?? []).forEach((p, i) => {
    if (seen.has(p.id))
      ctx.addIssue({ code: 'custom', path: ['packs', i, 'id'], message: `"${p.id}" is the id of an earlier package` });
    if (p.parent !== undefined && !seen.has(p.parent))
      ctx.addIssue({
        code: 'custom',
        path: ['packs', i, 'parent'],
        message: `"${p.parent}" names no package listed before this one`,
      });
    seen.add(p.id);
  });
  doc.orders.forEach((o, i) =>
    o.items.forEach((item, j) => {
      if (item.pack !== undefined && !seen.has(item.pack))
        ctx.addIssue({
          code: 'custom',
          path: ['orders', i, 'items', j, 'pack'],
          message: `"${item.pack}" names no package of the notice`,
        });
    }),
  );
}

export const shipNoticeSchema = z
  .strictObject({
    document: named('ShipNotice'),
    number: text,
    date: isoDate.optional(),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, { error: 'expected a time as HH:MM or HH:MM:SS' })
      .optional(),
    purpose: z.enum(purposes).default('original'),
    shipped: isoDate.optional(),
    estimatedDelivery: isoDate.optional(),
    parties: list(party),
    references: list(reference),
    dates: list(dateRef),
    carriers: z.array(carrier).optional(),
    packaging: z.array(packaging).optional(),
    equipment: z.array(equipment).optional(),
    measurements: z.array(measurement).optional(),
    packs: z
      .array(
        z.strictObject({
          id: text,
          parent: text.optional(),
          level: z.enum(['tare', 'pack']),
          packaging: z.array(packaging).optional(),
          marks: z.array(z.strictObject({ qualifier: qualified(markQualifiers), value: text })).optional(),
          measurements: z.array(measurement).optional(),
        }),
      )
      .optional(),
    orders: list(
      z.strictObject({
        number: text.optional(),
        orderDate: isoDate.optional(),
        references: z.array(reference).optional(),
        dates: z.array(dateRef).optional(),
        parties: z.array(party).optional(),
        items: list(
          z.strictObject({
            lineNumber: text.optional(),
            quantity: amount,
            unit: text.optional(),
            orderedQuantity: amount.optional(),
            ...itemIds,
            description: text.optional(),
            productIds,
            ...lineExtras,
            pack: text.optional(),
          }),
        ),
      }),
    ),
  })
  .superRefine(packReferences)
  .transform(({ document: _document, ...doc }) => doc);

export const orderResponseSchema = z
  .strictObject({
    document: named('OrderResponse'),
    number: text.optional(),
    date: isoDate.optional(),
    purpose: z.enum(purposes).default('original'),
    status: z.enum(responseStatuses).default('accepted'),
    statusDetail: z.enum(['with-detail-no-change']).optional(),
    orderNumber: text,
    orderDate: isoDate.optional(),
    currency: text.optional(),
    currencyParty: qualified(partyRoles).optional(),
    currencyUsage: rawCode.optional(),
    parties: list(party),
    references: list(reference),
    dates: list(dateRef),
    terms: paymentTerms.optional(),
    charges: z.array(charge).optional(),
    taxes: z.array(tax).optional(),
    lines: list(
      z.strictObject({
        lineNumber: text.optional(),
        status: z.enum(lineStatuses).optional(),
        quantity: amount.optional(),
        unit: text.optional(),
        unitPrice: amount.optional(),
        confirmedQuantity: amount.optional(),
        estimatedDelivery: isoDate.optional(),
        ...itemIds,
        description: text.optional(),
        ...lineDetails,
        ...lineExtras,
        charges: z.array(charge).optional(),
        taxes: z.array(tax).optional(),
        schedules: z.array(lineSchedule).optional(),
        ...lineMoney,
      }),
    ),
    totals: z
      .strictObject({
        lineCount: count.optional(),
        amount: amount.optional(),
        amounts: z.array(monetaryAmount).optional(),
        charges: z.array(charge).optional(),
      })
      .default(() => ({})),
    notes: list(note),
  })
  .transform(({ document: _document, ...doc }) => ({
    ...doc,
    totals: { ...doc.totals, lineCount: doc.totals.lineCount ?? doc.lines.length },
  }));

// ---------------------------------------------------------------------------------------------
// Issues, located JSONPath-like: `lines[2].quantity: expected a number, got "12"`.
// ---------------------------------------------------------------------------------------------

/** `lines[2].quantity`, `parties[0].role`, `["odd key"]`; '' for the document itself. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

const article: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  boolean: 'true or false',
};

/** The value that was there instead: `"12"`, `1.5`, `null`, `an array`. */
function described(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

/** The message of one issue, in the words of the document rather than of zod; the path is added by the caller. */
function message(issue: z.core.$ZodRawIssue): string | undefined {
  const missing = issue.input === undefined;
  switch (issue.code) {
    case 'invalid_type': {
      const want = article[issue.expected] ?? issue.expected;
      return missing ? `missing: expected ${want}` : `expected ${want}, got ${described(issue.input)}`;
    }
    case 'invalid_value': {
      const want =
        issue.values.length === 1
          ? JSON.stringify(issue.values[0])
          : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      return missing ? `missing: expected ${want}` : `expected ${want}, got ${described(issue.input)}`;
    }
    case 'invalid_format':
      return issue.format === 'date' ? `expected a date as YYYY-MM-DD, got ${described(issue.input)}` : undefined;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'number')
        return `expected ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}, got ${described(issue.input)}`;
      return undefined;
    case 'too_big':
      return issue.origin === 'int' || issue.origin === 'number'
        ? `expected at most ${String(issue.maximum)}, got ${described(issue.input)}`
        : undefined;
    case 'unrecognized_keys':
      return 'unknown key';
    default:
      return undefined;
  }
}

/**
 * Parses a document with a schema and reports every problem at once, one line each, located by path.
 * An unknown key is reported at its own path (`parties[0].rolle: unknown key`).
 */
export function checkWith<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; issues: string[] } {
  const result = schema.safeParse(value, { error: message });
  if (result.success) return { ok: true, value: result.data };
  const at = (path: readonly PropertyKey[], text: string) => (path.length ? `${issuePath(path)}: ${text}` : text);
  return {
    ok: false,
    issues: result.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((k) => at([...i.path, k], i.message)) : [at(i.path, i.message)],
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// The schemas and the interfaces must not drift apart. Each line below fails tsc when a schema's
// output and its interface differ: a field, its optionality or its type, at any depth. (Assignability
// both ways alone would let an optional field be added to one side only.) To see which field, assign
// one to the other: `const x: PurchaseOrder = {} as z.output<typeof purchaseOrderSchema>`.
// ---------------------------------------------------------------------------------------------

type Assignable<From, To> = [From] extends [To] ? true : false;
type Identical<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Agree<A, B> = [Assignable<A, B>, Assignable<B, A>, Identical<A, B>] extends [true, true, true] ? true : false;
type Expect<T extends true> = T;

export type _SchemasMatchInterfaces = [
  Expect<Agree<z.output<typeof purchaseOrderSchema>, PurchaseOrder>>,
  Expect<Agree<z.output<typeof invoiceSchema>, Invoice>>,
  Expect<Agree<z.output<typeof shipNoticeSchema>, ShipNotice>>,
  Expect<Agree<z.output<typeof orderResponseSchema>, OrderResponse>>,
];
