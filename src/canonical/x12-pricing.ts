import type { Element, Segment } from '../edi/model';
import { components } from '../edi/model';
import { compact, numberOf, some, unitFromX12Code, unitToX12Code } from './common';
import { packageTypes, partyIdAgencies, priceQualifiers, priceTypes, productIdQualifiers } from './code-lists';
import type { LineDetails, LinePackaging, LinePrice, ProductId, StoreAllocation } from './line-details';
import type { Seg } from './sections';
import { itemQualifiers, num, seg, t } from './x12-common';

/**
 * X12 line-level data beside quantity and item numbers: the unit price's basis (PO105 / IT105), CTP
 * prices, PO4 packaging, SDQ store allocations and product id pairs no item field takes
 * (docs/canonical.md, "Line prices, packaging, store allocations and product ids").
 */

/** 639 codes that say the price is per one each; TE is also of contract type. */
const PER_EACH: Record<string, { type?: 'contract' }> = { PE: {}, TE: { type: 'contract' } };
/** SDQ holds ten location/quantity pairs (SDQ03-SDQ22). */
const SDQ_PAIRS = 10;

export interface X12LineLayout {
  /** Element of the lead segment with the basis of unit price (PO105, IT105); absent: none. */
  basisAt?: number;
  /** The qualifier/value pairs of the lead segment: from this element up to (not including) `idsTo`. */
  idsFrom: number;
  idsTo: number;
}

/** What a line loop carries beside the fields its document reads itself. */
export function x12LineDetails(segs: Seg[], lead: Seg, layout: X12LineLayout): LineDetails {
  const basis = layout.basisAt === undefined ? '' : t(lead, layout.basisAt);
  const perEach = PER_EACH[basis];
  return compact<LineDetails>({
    unitPriceType: perEach ? perEach.type : priceTypes.read('x12', basis),
    unitPriceUnit: perEach ? 'EA' : undefined,
    prices: some(ctpPrices(segs)),
    packaging: some(po4Packaging(segs)),
    allocations: some(sdqAllocations(segs)),
    productIds: some(productIds(lead, layout.idsFrom, layout.idsTo, true)),
    countryOfOrigin: countryOfOrigin(lead, layout.idsFrom, layout.idsTo),
  });
}

/** 235 CH: the pair that names the country of origin rather than the product (EDIFACT ALI). */
const COUNTRY_OF_ORIGIN = 'CH';

function countryOfOrigin(lead: Seg, from: number, to: number): string | undefined {
  for (let i = from; i < to; i += 2) if (t(lead, i) === COUNTRY_OF_ORIGIN && t(lead, i + 1)) return t(lead, i + 1);
  return undefined;
}

/** PO105 / IT105 for a line: needs the unit price beside it (C0504). */
export function x12PriceBasis(l: LineDetails & { unitPrice?: number }): string {
  if (l.unitPrice === undefined) return '';
  // A price per one (C62, X12 UN) is a price per each: PE, which reads back as EA.
  const perEach =
    l.unitPriceUnit !== undefined && (l.unitPriceUnit === 'C62' || unitToX12Code(l.unitPriceUnit) === 'EA');
  if (perEach && (l.unitPriceType === undefined || l.unitPriceType === 'contract'))
    return l.unitPriceType === 'contract' ? 'TE' : 'PE';
  // A price per another unit has no 639 code: only its type is written (the loss check says so).
  return priceTypes.write('x12', l.unitPriceType) ?? '';
}

function ctpPrices(segs: Seg[]): LinePrice[] {
  return segs
    .filter((s) => s.id === 'CTP')
    .flatMap((s) => {
      const qualifier = priceQualifiers.read('x12', t(s, 2));
      const amount = numberOf(t(s, 3));
      if (!qualifier || amount === undefined) return [];
      return [
        compact<LinePrice>({
          qualifier,
          amount,
          basisQuantity: numberOf(t(s, 4)),
          basisUnit: unitFromX12Code(components(s.el(5))[0] ?? ''),
          type: priceTypes.read('x12', t(s, 9)),
        }),
      ];
    });
}

/** CTP for each price with an X12 qualifier; quantity and unit go together (P0405) or not at all. */
export function ctpSegments(prices: LinePrice[] | undefined): Segment[] {
  return (prices ?? []).flatMap((p) => {
    const q = priceQualifiers.write('x12', p.qualifier);
    if (!q) return [];
    const unit = p.basisUnit ? unitToX12Code(p.basisUnit) : '';
    const both = p.basisQuantity !== undefined && unit !== '';
    const type = priceTypes.write('x12', p.type) ?? '';
    return [seg('CTP', '', q, num(p.amount), both ? num(p.basisQuantity) : '', both ? unit : '', '', '', '', type)];
  });
}

/** PO405 (187) weight qualifiers with a canonical kind: gross and net, as the TD1 of the header. */
const PO4_WEIGHT_KINDS: Array<['gross' | 'net', string]> = [
  ['gross', 'G'],
  ['net', 'N'],
];

function po4Packaging(segs: Seg[]): LinePackaging[] {
  return segs
    .filter((s) => s.id === 'PO4')
    .flatMap((s) => {
      const code = t(s, 4);
      const weight = numberOf(t(s, 6));
      // A dimension without its unit (PO413) cannot be carried: a reader would not know what it measures.
      const dimensionUnit = unitFromX12Code(t(s, 13));
      const dimension = (n: number) => (dimensionUnit ? numberOf(t(s, n)) : undefined);
      const p = compact<LinePackaging>({
        pack: numberOf(t(s, 1)),
        size: numberOf(t(s, 2)),
        unit: unitFromX12Code(t(s, 3)),
        packageType: packageTypes.read('x12', code.slice(0, 3)),
        packageMaterial: code.slice(3) || undefined,
        weight,
        weightKind: weight !== undefined ? PO4_WEIGHT_KINDS.find(([, c]) => c === t(s, 5))?.[0] : undefined,
        weightUnit: weight !== undefined ? unitFromX12Code(t(s, 7)) : undefined,
        length: dimension(10),
        width: dimension(11),
        height: dimension(12),
      });
      if (p.length !== undefined || p.width !== undefined || p.height !== undefined) p.dimensionUnit = dimensionUnit;
      return Object.keys(p).length ? [p] : [];
    });
}

/**
 * PO4: pack, size, unit, packaging code (the type's three characters and the material's two), the weight
 * per pack with its qualifier and unit (PO405-PO407), and length, width and height with their unit
 * (PO410-PO413). A weight or dimensions without a unit are not written (PO407 and PO413 are required
 * with them).
 */
export function po4Segments(packaging: LinePackaging[] | undefined): Segment[] {
  return (packaging ?? []).map((p) => {
    const type = packageTypes.write('x12', p.packageType);
    const code = type ? type + (p.packageMaterial ?? '') : '';
    const weighed = p.weight !== undefined && p.weightUnit !== undefined;
    const dims = p.dimensionUnit !== undefined ? [p.length, p.width, p.height].map((d) => num(d)) : ['', '', ''];
    const elements = [
      num(p.pack),
      num(p.size),
      p.unit ? unitToX12Code(p.unit) : '',
      code,
      weighed ? (PO4_WEIGHT_KINDS.find(([k]) => k === p.weightKind)?.[1] ?? '') : '',
      weighed ? num(p.weight) : '',
      weighed ? unitToX12Code(p.weightUnit) : '',
      '',
      '',
      ...dims,
      dims.some((d) => d !== '') ? unitToX12Code(p.dimensionUnit) : '',
    ];
    return seg('PO4', ...elements);
  });
}

function sdqAllocations(segs: Seg[]): StoreAllocation[] {
  const out: StoreAllocation[] = [];
  for (const s of segs.filter((x) => x.id === 'SDQ')) {
    const unit = unitFromX12Code(t(s, 1));
    // ZZ (mutually defined) says nothing about who issued the id, as for parties.
    const idQualifier = t(s, 2) === 'ZZ' ? undefined : partyIdAgencies.read('x12', t(s, 2));
    for (let i = 3; i < 3 + 2 * SDQ_PAIRS; i += 2) {
      const quantity = numberOf(t(s, i + 1));
      if (t(s, i) && quantity !== undefined)
        out.push(compact<StoreAllocation>({ location: t(s, i), idQualifier, quantity, unit }));
    }
  }
  return out;
}

/**
 * SDQ segments: runs of allocations with the same unit and id qualifier, ten to a segment. SDQ01 is
 * mandatory: an allocation without a unit takes the line's, and without either it is not written.
 */
export function sdqSegments(allocations: StoreAllocation[] | undefined, lineUnit: string | undefined): Segment[] {
  const out: Segment[] = [];
  let run: { unit: string; q: string; pairs: Element[] } | undefined;
  const flush = () => {
    if (run) out.push(seg('SDQ', run.unit, run.q, ...run.pairs));
    run = undefined;
  };
  for (const a of allocations ?? []) {
    const unitCode = a.unit ?? lineUnit;
    if (!unitCode) continue;
    const unit = unitToX12Code(unitCode);
    const q = partyIdAgencies.write('x12', a.idQualifier) ?? (a.idQualifier ? 'ZZ' : '');
    if (!run || run.unit !== unit || run.q !== q || run.pairs.length >= 2 * SDQ_PAIRS) {
      flush();
      run = { unit, q, pairs: [] };
    }
    run.pairs.push(a.location, num(a.quantity));
  }
  flush();
  return out;
}

/**
 * The qualifier/value pairs of a lead segment (PO1, IT1, LIN) that no item number field takes: other
 * qualifiers, and a second id for a field already filled (a UP after an EN), which travels as sent.
 * `withCountry`: the first CH is read as the country of origin (lines of a PurchaseOrder, Invoice,
 * OrderResponse), not as a product id.
 */
export function productIds(lead: Seg, from: number, to: number, withCountry = false): ProductId[] {
  const out: ProductId[] = [];
  const filled = new Set<string>();
  for (let i = from; i < to; i += 2) {
    const code = t(lead, i);
    const value = t(lead, i + 1);
    if (!code || !value) continue;
    // Where the document has a field for it, the first CH is the line's country of origin.
    const field =
      withCountry && code === COUNTRY_OF_ORIGIN ? 'countryOfOrigin' : itemQualifiers.find(([q]) => q === code)?.[1];
    if (field && !filled.has(field)) {
      filled.add(field);
      continue;
    }
    const qualifier = productIdQualifiers.read('x12', code);
    if (qualifier) out.push({ qualifier, value });
  }
  return out;
}

/**
 * Qualifier/value pairs for the country of origin (CH) and the product ids that have an X12 code, as many
 * as `room` elements hold.
 */
export function productIdElements(ids: ProductId[] | undefined, room: number, country?: string): Element[] {
  const pairs = [
    ...(country ? [COUNTRY_OF_ORIGIN, country] : []),
    ...(ids ?? []).flatMap((p) => {
      const q = productIdQualifiers.write('x12', p.qualifier);
      return q ? [q, p.value] : [];
    }),
  ];
  return pairs.slice(0, room - (room % 2));
}
