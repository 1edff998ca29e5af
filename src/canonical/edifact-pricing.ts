import type { Segment } from '../edi/model';
import { compact, numberOf, some } from './common';
import { packageTypes, partyIdAgencies, priceQualifiers, priceTypes, productIdQualifiers } from './code-lists';
import { c, itemTypes, num, seg, t } from './edifact-common';
import type { LineDetails, LinePackaging, LinePrice, ProductId, StoreAllocation } from './line-details';
import type { Seg } from './sections';
import { WEIGHTS } from './edifact-charges';

/**
 * EDIFACT line-level data beside quantity and item numbers: the unit price's PRI type and basis, the
 * other PRIs, PAC groups with their QTY 52, LOC+7 store allocations with their QTY 11, and PIA product
 * ids no item field takes (docs/canonical.md, "Line prices, packaging, store allocations and product ids").
 */

export interface EdifactLineLayout {
  /** The 5125 qualifiers of the unit price's PRI, in order of preference (the first found is the unit price). */
  unitPrice: string[];
  /**
   * Whether the document divides the unit price by its 5284 basis (INVOIC, ORDRSP): then 6411 is the
   * unit of the divided price whatever the basis; otherwise only a basis of one makes it a price per unit.
   */
  divided: boolean;
}

/** PRI 5125 AAA, calculation net: the unit price X12 PO104 / IT104 means; INV, the invoice price. */
const NET = 'AAA';
const INVOICE = 'INV';

/** The PRI read as the unit price: the first with one of the qualifiers, tried in order. */
function unitPri(segs: Seg[], qualifiers: string[]): Seg | undefined {
  for (const q of qualifiers) {
    const s = segs.find((x) => x.id === 'PRI' && c(x, 1)[0] === q);
    if (s) return s;
  }
  return undefined;
}

export function edifactLineDetails(segs: Seg[], layout: EdifactLineLayout): LineDetails {
  const main = unitPri(segs, layout.unitPrice);
  const [qualifier, , type, , basis, unit] = main ? c(main, 1) : [];
  const perOne = layout.divided || !basis || numberOf(basis) === 1;
  return compact<LineDetails>({
    // An invoice price stays one: written back as AAA it would claim a calculation price. (AAB, gross, is
    // read as the unit price like AAA: telling them apart would report every AAA as lost to X12, whose
    // unit price has no qualifier.)
    unitPriceQualifier: qualifier === INVOICE ? priceQualifiers.read('edifact', qualifier) : undefined,
    unitPriceType: priceTypes.read('edifact', type),
    unitPriceUnit: perOne ? unit || undefined : undefined,
    prices: some(priPrices(segs.filter((s) => s !== main))),
    packaging: some(pacPackaging(segs)),
    allocations: some(locAllocations(segs)),
    productIds: some(productIds(segs)),
    countryOfOrigin: lineCountry(segs),
  });
}

/** ALI 3239 of the line itself: an ALI after the line's first ALC belongs to that allowance or charge. */
function lineCountry(segs: Seg[]): string | undefined {
  const alc = segs.findIndex((s) => s.id === 'ALC');
  const ali = (alc < 0 ? segs : segs.slice(0, alc)).find((s) => s.id === 'ALI' && t(s, 1));
  return ali ? t(ali, 1) : undefined;
}

/** The line's ALI with its country of origin (3239), after its QTY as the LIN group orders it. */
export function aliSegments(country: string | undefined): Segment[] {
  return country ? [seg('ALI', country)] : [];
}

/** The unit price's PRI: 5375 its type, 5284 1 and 6411 when it is a price per one unit. */
export function unitPriSegment(l: LineDetails & { unitPrice?: number }): Segment[] {
  if (l.unitPrice === undefined) return [];
  // A qualifier with no PRI code (one only X12 CTP has) is not written as another (net) price.
  const qualifier = l.unitPriceQualifier === undefined ? NET : priceQualifiers.write('edifact', l.unitPriceQualifier);
  if (!qualifier) return [];
  const type = priceTypes.write('edifact', l.unitPriceType) ?? '';
  const unit = l.unitPriceUnit ?? '';
  return [seg('PRI', [qualifier, num(l.unitPrice), type, '', unit ? '1' : '', unit])];
}

function priPrices(segs: Seg[]): LinePrice[] {
  return segs
    .filter((s) => s.id === 'PRI')
    .flatMap((s) => {
      const [q, amount, type, , basis, unit] = c(s, 1);
      const qualifier = priceQualifiers.read('edifact', q);
      const value = numberOf(amount ?? '');
      if (!qualifier || value === undefined) return [];
      return [
        compact<LinePrice>({
          qualifier,
          amount: value,
          basisQuantity: numberOf(basis ?? ''),
          basisUnit: unit || undefined,
          type: priceTypes.read('edifact', type),
        }),
      ];
    });
}

/** A PRI for each price with an EDIFACT qualifier. */
export function priSegments(prices: LinePrice[] | undefined): Segment[] {
  return (prices ?? []).flatMap((p) => {
    const q = priceQualifiers.write('edifact', p.qualifier);
    if (!q) return [];
    const type = priceTypes.write('edifact', p.type) ?? '';
    return [seg('PRI', [q, num(p.amount), type, '', num(p.basisQuantity), p.basisUnit ?? ''])];
  });
}

/** MEA PD C502 6313 of a pack's dimensions, and the field each goes to. */
const DIMENSIONS: Array<['length' | 'width' | 'height', string]> = [
  ['length', 'LN'],
  ['width', 'WD'],
  ['height', 'HT'],
];

/** A MEA of a PAC group into its packaging: the weight (AAE, as for the header's PAC) or a dimension (PD). */
function packMeasurement(p: LinePackaging, mea: Seg): void {
  const [unit, value] = c(mea, 3);
  const v = numberOf(value ?? '');
  if (v === undefined || !unit) return;
  if (t(mea, 1) === 'AAE' && p.weight === undefined) {
    p.weight = v;
    p.weightUnit = unit;
    const kind = WEIGHTS.find(([, code]) => code === c(mea, 2)[0])?.[0];
    if (kind) p.weightKind = kind;
    return;
  }
  const field = t(mea, 1) === 'PD' ? DIMENSIONS.find(([, code]) => code === c(mea, 2)[0])?.[0] : undefined;
  // One unit for the three dimensions (X12 PO413): a dimension in another unit is not read.
  if (!field || p[field] !== undefined || (p.dimensionUnit !== undefined && p.dimensionUnit !== unit)) return;
  p[field] = v;
  p.dimensionUnit = unit;
}

/** Each PAC, with the QTY 52 and the MEA of its group (the next ones before another group starts). */
function pacPackaging(segs: Seg[]): LinePackaging[] {
  const out: LinePackaging[] = [];
  let current: LinePackaging | undefined;
  for (const s of segs) {
    if (s.id === 'PAC') {
      current = compact<LinePackaging>({ packageType: packageTypes.read('edifact', c(s, 3)[0]) });
      out.push(current);
    } else if (current && s.id === 'QTY' && c(s, 1)[0] === '52') {
      const pack = numberOf(c(s, 1)[1] ?? '');
      if (pack !== undefined) current.pack = pack;
    } else if (current && s.id === 'MEA') {
      packMeasurement(current, s);
    } else if (['PRI', 'RFF', 'LOC', 'TAX', 'NAD', 'ALC', 'TDT', 'SCC', 'RCS', 'DGS', 'MOA'].includes(s.id))
      current = undefined;
  }
  return out.filter((p) => Object.keys(p).length > 0);
}

/**
 * PAC with its MEA (the weight as AAE, the dimensions as PD LN, WD, HT; each with its unit, which C174
 * requires) and its QTY 52, for each packaging with something EDIFACT can hold. The size, its unit and
 * the X12 material code have no element here.
 */
export function pacSegments(packaging: LinePackaging[] | undefined): Segment[] {
  return (packaging ?? []).flatMap((p) => {
    const type = packageTypes.write('edifact', p.packageType) ?? '';
    const mea: Segment[] = [];
    if (p.weight !== undefined && p.weightUnit !== undefined) {
      const kind = p.weightKind ? [WEIGHTS.find(([n]) => n === p.weightKind)?.[1] ?? ''] : '';
      mea.push(seg('MEA', 'AAE', kind, [p.weightUnit, num(p.weight)]));
    }
    for (const [field, code] of DIMENSIONS)
      if (p[field] !== undefined && p.dimensionUnit !== undefined)
        mea.push(seg('MEA', 'PD', [code], [p.dimensionUnit, num(p[field])]));
    if (!type && p.pack === undefined && !mea.length) return [];
    return [seg('PAC', '', '', [type]), ...mea, ...(p.pack !== undefined ? [seg('QTY', ['52', num(p.pack)])] : [])];
  });
}

/** LOC+7 with the QTY 11 of its group. */
function locAllocations(segs: Seg[]): StoreAllocation[] {
  const out: StoreAllocation[] = [];
  let loc: Seg | undefined;
  for (const s of segs) {
    if (s.id === 'LOC') loc = t(s, 1) === '7' ? s : undefined;
    else if (loc && s.id === 'QTY' && c(s, 1)[0] === '11') {
      const [id, , agency] = c(loc, 2);
      const [, quantity, unit] = c(s, 1);
      const value = numberOf(quantity ?? '');
      if (id && value !== undefined)
        out.push(
          compact<StoreAllocation>({
            location: id,
            idQualifier: partyIdAgencies.read('edifact', agency),
            quantity: value,
            unit: unit || undefined,
          }),
        );
      loc = undefined;
    } else if (['PAC', 'PRI', 'RFF', 'TAX', 'NAD', 'ALC', 'TDT', 'SCC'].includes(s.id)) loc = undefined;
  }
  return out;
}

/** LOC+7 and QTY 11 for each allocation (C517: the id, and its agency where EDIFACT has a code). */
export function locSegments(allocations: StoreAllocation[] | undefined): Segment[] {
  return (allocations ?? []).flatMap((a) => [
    seg('LOC', '7', [a.location, '', partyIdAgencies.write('edifact', a.idQualifier) ?? '']),
    seg('QTY', ['11', num(a.quantity), a.unit ?? '']),
  ]);
}

/** The LIN and PIA item numbers of a line whose type no item number field takes (or whose field is already filled). */
export function productIds(segs: Seg[]): ProductId[] {
  const lin = segs[0];
  const ids: string[][] = [
    c(lin, 3),
    ...segs.filter((s) => s.id === 'PIA').flatMap((s) => [2, 3, 4, 5, 6].map((n) => c(s, n))),
  ];
  // A second id for a field already filled (an SA after an SA) travels as sent, like other types.
  const filled = new Set<string>();
  return ids.flatMap(([value, type]) => {
    if (!value || !type) return [];
    const field = itemTypes.find(([q]) => q === type)?.[1];
    if (field && !filled.has(field)) {
      filled.add(field);
      return [];
    }
    const qualifier = productIdQualifiers.read('edifact', type);
    return qualifier ? [{ qualifier, value }] : [];
  });
}

/** PIA+1 (additional ids), five C212 to a segment, for the product ids with an EDIFACT code. */
export function piaSegments(ids: ProductId[] | undefined): Segment[] {
  const c212 = (ids ?? []).flatMap((p) => {
    const type = productIdQualifiers.write('edifact', p.qualifier);
    return type ? [[p.value, type]] : [];
  });
  const out: Segment[] = [];
  for (let i = 0; i < c212.length; i += 5) out.push(seg('PIA', '1', ...c212.slice(i, i + 5)));
  return out;
}
