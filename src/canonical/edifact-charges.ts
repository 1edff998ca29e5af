import type { Segment } from '../edi/model';
import type {
  Carrier,
  Charge,
  ChargeIndicator,
  Equipment,
  MonetaryAmount,
  NoteEntry,
  Packaging,
  Tax,
} from './business';
import {
  amountQualifiers,
  carrierIdAgencies,
  chargeCodes,
  chargeHandling,
  equipmentTypes,
  noteQualifiers,
  packageTypes,
  taxTypes,
  transportModes,
} from './code-lists';
import { type RawCode, chunks, compact, numberOf } from './common';
import { type Seg, groups } from './sections';
import { c, currentUnit, num, seg, t } from './edifact-common';

/**
 * EDIFACT allowances and charges (ALC groups with QTY, PCD, MOA, RTE), notes (FTX), taxes (TAX with
 * MOA), carriers (TDT) and packaging (PAC with MEA), through the code lists of code-lists.ts.
 */

const INDICATORS: Array<[ChargeIndicator, string]> = [
  ['allowance', 'A'],
  ['charge', 'C'],
  ['none', 'N'],
];
/** MOA 5025: 8 allowance or charge amount (written); 23 charge amount, 204 allowance amount. */
const CHARGE_AMOUNTS = ['8', '23', '204'];
/** PCD 5245: 3 allowance or charge (written); 1 allowance, 2 charge. */
const CHARGE_PERCENTS = ['3', '1', '2'];

export const firstOf = (segs: Seg[], id: string, qualifiers: string[]) => {
  for (const q of qualifiers) {
    const s = segs.find((x) => x.id === id && c(x, 1)[0] === q);
    if (s) return s;
  }
  return undefined;
};

/** One ALC group (ALC and the segments of its groups up to the next ALC) as a charge. */
export function alcCharge(group: Seg[]): Charge | undefined {
  const alc = group[0];
  const indicator = INDICATORS.find(([, code]) => code === t(alc, 1))?.[0];
  if (!indicator) return undefined;
  const c214 = c(alc, 5);
  const moa = firstOf(group, 'MOA', CHARGE_AMOUNTS);
  const pcd = firstOf(group, 'PCD', CHARGE_PERCENTS);
  const rte = group.find((x) => x.id === 'RTE');
  const qty = group.find((x) => x.id === 'QTY' && c(x, 1)[0] === '1');
  return compact<Charge>({
    indicator,
    code: chargeCodes.read('edifact', c214[0]),
    description: c214.slice(3, 5).join(''),
    amount: moa ? numberOf(c(moa, 1)[1] ?? '') : undefined,
    percent: pcd ? numberOf(c(pcd, 1)[1] ?? '') : undefined,
    percentBasis: pcd && c(pcd, 1)[1] && c(pcd, 1)[2] ? `edifact:${c(pcd, 1)[2]}` : undefined,
    rate: rte ? numberOf(c(rte, 1)[1] ?? '') : undefined,
    quantity: qty ? numberOf(c(qty, 1)[1] ?? '') : undefined,
    unit: qty && c(qty, 1)[1] ? currentUnit(c(qty, 1)[2] || undefined) : undefined,
    handling: chargeHandling.read('edifact', t(alc, 3)),
    reference: c(alc, 2)[0],
  });
}

/** The ALC groups of a run of segments (a header, or a line), as charges. */
export function alcCharges(segs: Seg[]): Charge[] {
  return groups(segs, 'ALC', ['ALI', 'DTM', 'QTY', 'PCD', 'MOA', 'RTE', 'RNG', 'TAX', 'RFF'])
    .map(alcCharge)
    .filter((x): x is Charge => x !== undefined);
}

/**
 * The ALC groups for charges. An allowance or charge with no code is still an ALC (C214 is optional);
 * its QTY, PCD, MOA and RTE follow in the order of the group. The summary's group (INVOIC SG51/SG53,
 * ORDRSP SG56) holds ALC, ALI and MOA only, and ORDRSP's needs its MOA: there a charge's quantity,
 * percent and rate are not written, nor a charge without an amount where MOA is mandatory (the loss
 * check says so).
 */
export function alcSegments(charges: Charge[] | undefined, summary?: { amountRequired: boolean }): Segment[] {
  const out: Segment[] = [];
  for (const ch of charges ?? []) {
    if (summary?.amountRequired && ch.amount === undefined) continue;
    const code = chargeCodes.write('edifact', ch.code) ?? '';
    const text = chunks(ch.description ?? '', 35).slice(0, 2);
    out.push(
      seg(
        'ALC',
        INDICATORS.find(([n]) => n === ch.indicator)?.[1] ?? 'N',
        ch.reference ? [ch.reference] : '',
        chargeHandling.write('edifact', ch.handling) ?? '',
        '',
        code || text.length ? [code, '', '', ...text] : '',
      ),
    );
    if (summary) {
      if (ch.amount !== undefined) out.push(seg('MOA', ['8', num(ch.amount)]));
      continue;
    }
    if (ch.quantity !== undefined) out.push(seg('QTY', ['1', num(ch.quantity), ch.unit ?? '']));
    if (ch.percent !== undefined) {
      const basis = ch.percentBasis?.startsWith('edifact:') ? ch.percentBasis.slice(8) : '';
      out.push(seg('PCD', ['3', num(ch.percent), basis]));
    }
    if (ch.amount !== undefined) out.push(seg('MOA', ['8', num(ch.amount)]));
    if (ch.rate !== undefined) out.push(seg('RTE', ['1', num(ch.rate)]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Notes
// ---------------------------------------------------------------------------------------------

/** FTX segments of the mapped (and raw) qualifiers, the C108 4440 parts joined; general ones as text. */
export function ftxNotes(segs: Seg[]): NoteEntry[] {
  return segs
    .filter((x) => x.id === 'FTX')
    .flatMap((x) => {
      const text = c(x, 4).join('');
      const q = noteQualifiers.read('edifact', t(x, 1));
      if (text === '' || q === undefined) return [];
      return [q === 'general' ? text : { qualifier: q, text }];
    });
}

/** One FTX per note (AAI for a general one), up to five 70-character parts (the D96A 4440; the rest is cut). */
export function ftxSegments(notes: NoteEntry[]): Segment[] {
  return notes.flatMap((n) => {
    const [q, text] = typeof n === 'string' ? ['AAI', n] : [noteQualifiers.write('edifact', n.qualifier), n.text];
    return q ? [seg('FTX', q, '', '', chunks(text, 70).slice(0, 5))] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Taxes
// ---------------------------------------------------------------------------------------------

/**
 * TAX 5283: 7 tax. MOA 124 is the tax amount; the taxable amount is TAX 5286 (written: a tax group
 * outside the INVOIC summary holds one MOA), else MOA 125.
 */
const TAX = '7';

/** TAX groups (TAX and the MOAs after it) as taxes. */
export function taxGroups(segs: Seg[]): Tax[] {
  return groups(segs, 'TAX', ['MOA', 'LOC'])
    .filter((g) => t(g[0], 1) === TAX)
    .flatMap((g) => {
      const tax = g[0];
      const type = taxTypes.read('edifact', c(tax, 2)[0]);
      if (!type) return [];
      const moa = (q: string) => {
        const m = g.find((x) => x.id === 'MOA' && c(x, 1)[0] === q);
        return m ? numberOf(c(m, 1)[1] ?? '') : undefined;
      };
      return [
        compact<Tax>({
          type,
          amount: moa('124'),
          percent: numberOf(c(tax, 5)[3] ?? ''),
          basisAmount: numberOf(t(tax, 4)) ?? moa('125'),
          exempt: t(tax, 6) === 'E' ? true : undefined,
          taxId: t(tax, 7),
        }),
      ];
    });
}

export function taxSegments(taxes: Tax[] | undefined): Segment[] {
  return (taxes ?? []).flatMap((x) => {
    const type = taxTypes.write('edifact', x.type);
    if (!type) return [];
    return [
      seg(
        'TAX',
        TAX,
        [type],
        '',
        num(x.basisAmount),
        x.percent !== undefined ? ['', '', '', num(x.percent)] : '',
        x.exempt ? 'E' : '',
        x.taxId ?? '',
      ),
      ...(x.amount !== undefined ? [seg('MOA', ['124', num(x.amount)])] : []),
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// Carriers and packaging
// ---------------------------------------------------------------------------------------------

/** TDT 8051: 20 main carriage, the stage X12 TD5 describes. */
const MAIN_CARRIAGE = '20';

export function tdtCarriers(segs: Seg[]): Carrier[] {
  return segs
    .filter((x) => x.id === 'TDT')
    .flatMap((x) => {
      const carrier = c(x, 5);
      const car = compact<Carrier>({
        mode: transportModes.read('edifact', c(x, 3)[0]),
        id: carrier[0],
        idQualifier: carrier[0] ? carrierIdAgencies.read('edifact', carrier[2]) : undefined,
        routing: carrier[3],
      });
      return Object.keys(car).length ? [car] : [];
    });
}

export function tdtSegments(carriers: Carrier[] | undefined): Segment[] {
  return (carriers ?? []).map((car) => {
    const agency = car.id ? (carrierIdAgencies.write('edifact', car.idQualifier) ?? '') : '';
    return seg(
      'TDT',
      MAIN_CARRIAGE,
      '',
      [transportModes.write('edifact', car.mode) ?? ''],
      '',
      car.id || car.routing ? [car.id ?? '', '', agency, car.routing ?? ''] : '',
    );
  });
}

/** MEA 6313: G gross and N net weight (written); AAB unit gross and AAA unit net weight read as the same. */
export const WEIGHTS: Array<['gross' | 'net', string]> = [
  ['gross', 'G'],
  ['net', 'N'],
  ['gross', 'AAB'],
  ['net', 'AAA'],
];

/** PAC groups (PAC and the MEA after it) as packaging. */
export function pacPackaging(segs: Seg[]): Packaging[] {
  return groups(segs, 'PAC', ['MEA'])
    .map((g) => {
      const pac = g[0];
      const mea = g.find((x) => x.id === 'MEA' && ['AAE', 'WT'].includes(t(x, 1)));
      const weight = mea ? c(mea, 3) : [];
      return compact<Packaging>({
        type: packageTypes.read('edifact', c(pac, 3)[0]),
        count: numberOf(t(pac, 1)),
        description: c(pac, 3)[3],
        weight: numberOf(weight[1] ?? ''),
        weightKind: mea ? WEIGHTS.find(([, code]) => code === c(mea, 2)[0])?.[0] : undefined,
        weightUnit: weight[1] ? weight[0] || undefined : undefined,
      });
    })
    .filter((p) => Object.keys(p).length > 0);
}

export function pacSegments(packaging: Packaging[] | undefined): Segment[] {
  return (packaging ?? []).flatMap((p) => {
    const type = packageTypes.write('edifact', p.type) ?? '';
    // A count without a type (X12 TD1 PCS, pieces) is a PAC without C202; a count of a type EDIFACT has no
    // code for is not written as such a count of pieces (the type and its count are reported lost).
    const count = type || p.type === undefined ? num(p.count) : '';
    if (!count && !type && !p.description && (p.weight === undefined || !p.weightUnit)) return [];
    const out = [
      seg('PAC', count, '', type || p.description ? [type, '', '', (p.description ?? '').slice(0, 35)] : ''),
    ];
    // C174 requires the unit (6411): a weight without one is not written (the loss check says so).
    if (p.weight !== undefined && p.weightUnit)
      out.push(
        seg('MEA', 'AAE', p.weightKind ? [WEIGHTS.find(([n]) => n === p.weightKind)?.[1] ?? ''] : '', [
          p.weightUnit,
          num(p.weight),
        ]),
      );
    return out;
  });
}

export function eqdEquipment(segs: Seg[]): Equipment[] {
  return segs
    .filter((x) => x.id === 'EQD')
    .flatMap((x) => {
      const e = compact<Equipment>({ type: equipmentTypes.read('edifact', t(x, 1)), id: c(x, 2)[0] });
      return Object.keys(e).length ? [e] : [];
    });
}

/** EQD for equipment; 8053 is mandatory, so equipment of no type EDIFACT knows is not written. */
export function eqdSegments(equipment: Equipment[] | undefined): Segment[] {
  return (equipment ?? []).flatMap((e) => {
    const type = equipmentTypes.write('edifact', e.type);
    return type ? [seg('EQD', type, e.id ? [e.id] : '')] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Monetary amounts
// ---------------------------------------------------------------------------------------------

/** The segments of the ALC and TAX groups of a run: their MOAs are the charge's or the tax's, not the document's. */
export function inGroups(segs: Seg[]): Set<Seg> {
  return new Set([
    ...groups(segs, 'ALC', ['ALI', 'DTM', 'QTY', 'PCD', 'MOA', 'RTE', 'RNG', 'TAX', 'RFF']).flat(),
    ...groups(segs, 'TAX', ['MOA', 'LOC']).flat(),
  ]);
}

/** MOA segments outside ALC and TAX groups as amounts, but the ones given (read into fields of their own). */
export function moaAmounts(segs: Seg[], used: ReadonlyArray<Seg | undefined> = []): MonetaryAmount[] {
  const grouped = inGroups(segs);
  return segs
    .filter((x) => x.id === 'MOA' && !grouped.has(x) && !used.includes(x))
    .flatMap((x) => {
      const [q, value] = c(x, 1);
      const qualifier = amountQualifiers.read('edifact', q);
      const amount = numberOf(value ?? '');
      return qualifier && amount !== undefined ? [{ qualifier, amount }] : [];
    });
}

/** One MOA per amount with an EDIFACT code; the others are not written (the loss check says so). */
export function moaSegments(amounts: MonetaryAmount[] | undefined): Segment[] {
  return (amounts ?? []).flatMap((a) => {
    const q = amountQualifiers.write('edifact', a.qualifier);
    return q ? [seg('MOA', [q, num(a.amount)])] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Currency
// ---------------------------------------------------------------------------------------------

/**
 * CUX for a currency: 6347 2 (reference currency) with the document's 6343, or the usage as sent
 * (`CUX+1:USD`, then without a 6343 the sender did not give); a usage only X12 has is no CUX usage.
 */
export function cuxSegment(currency: string, usage: RawCode | undefined, type: string): Segment {
  const sent = usage?.startsWith('edifact:') ? usage.slice('edifact:'.length) : undefined;
  return seg('CUX', sent ? [sent, currency] : ['2', currency, type]);
}
