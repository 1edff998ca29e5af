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
  partyRoles,
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
import { type PartyRole, compact, numberOf, unitFromX12Code, unitToX12Code } from './common';
import type { Seg } from './sections';
import { num, seg, t } from './x12-common';

/**
 * X12 allowances and charges (SAC), notes (NTE, N9/MSG), taxes (TXI), carriers (TD5) and packaging
 * (TD1), through the code lists of code-lists.ts.
 */

const INDICATORS: Array<[ChargeIndicator, string]> = [
  ['allowance', 'A'],
  ['charge', 'C'],
  ['none', 'N'],
];

/** SAC05 is N2: two implied decimals ('1250' is 12.50); a sender that writes the point anyway is read as written. */
function impliedCents(s: string): number | undefined {
  return /^-?\d+$/.test(s) ? Number(s) / 100 : numberOf(s);
}

/** One SAC as a charge; undefined for an indicator neither standard knows. */
export function sacCharge(sac: Seg): Charge | undefined {
  const indicator = INDICATORS.find(([, c]) => c === t(sac, 1))?.[0];
  if (!indicator) return undefined;
  return compact<Charge>({
    indicator,
    code: chargeCodes.read('x12', t(sac, 2)),
    description: t(sac, 15),
    amount: impliedCents(t(sac, 5)),
    percent: numberOf(t(sac, 7)),
    percentBasis: t(sac, 7) && t(sac, 6) ? `x12:${t(sac, 6)}` : undefined,
    rate: numberOf(t(sac, 8)),
    quantity: numberOf(t(sac, 10)),
    unit: t(sac, 10) ? unitFromX12Code(t(sac, 9)) : undefined,
    handling: chargeHandling.read('x12', t(sac, 12)),
    reference: t(sac, 13),
  });
}

/** The SAC segments of a run of segments, as charges. */
export function sacCharges(segs: Seg[]): Charge[] {
  return segs.flatMap((s) => {
    const ch = s.id === 'SAC' ? sacCharge(s) : undefined;
    return ch ? [ch] : [];
  });
}

/**
 * SAC for charges. SAC02 is required here (X12 lets SAC03/04 stand in, which nothing canonical carries),
 * and a percent needs its SAC06 basis: a charge without a code, or a percent without an X12 basis, is not
 * written, so the loss check says so rather than the writer guessing one.
 */
export function sacSegments(charges: Charge[] | undefined): Segment[] {
  return (charges ?? []).flatMap((ch) => {
    const code = chargeCodes.write('x12', ch.code);
    if (!code) return [];
    const basis = ch.percentBasis?.startsWith('x12:') ? ch.percentBasis.slice(4) : '';
    const percent = basis && ch.percent !== undefined;
    // SAC09 and SAC10 go together (P0910): a quantity without a unit is not written rather than given one.
    const unit = ch.quantity !== undefined ? unitToX12Code(ch.unit) : '';
    return [
      seg(
        'SAC',
        INDICATORS.find(([n]) => n === ch.indicator)?.[1] ?? 'N',
        code,
        '',
        '',
        ch.amount !== undefined ? String(Math.round(ch.amount * 100)) : '',
        percent ? basis : '',
        percent ? num(ch.percent) : '',
        num(ch.rate),
        unit,
        unit ? num(ch.quantity) : '',
        '',
        chargeHandling.write('x12', ch.handling) ?? '',
        ch.reference ?? '',
        '',
        (ch.description ?? '').slice(0, 80),
      ),
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// Notes
// ---------------------------------------------------------------------------------------------

/** A note of a qualifier: general ones as text. */
function note(code: string | undefined, text: string): NoteEntry {
  const q = noteQualifiers.read('x12', code || 'GEN');
  return q === 'general' || q === undefined ? text : { qualifier: q, text };
}

/** NTE segments (810): NTE01 the qualifier, NTE02 the text. */
export function nteNotes(segs: Seg[]): NoteEntry[] {
  return segs.filter((x) => x.id === 'NTE' && t(x, 2) !== '').map((x) => note(t(x, 1), t(x, 2)));
}

/** NTE for notes; NTE02 holds 80 characters and one NTE is one note, so a longer note is cut (and reported). */
export function nteSegments(notes: NoteEntry[]): Segment[] {
  return notes.flatMap((n) => {
    const [q, text] = typeof n === 'string' ? ['GEN', n] : [noteQualifiers.write('x12', n.qualifier), n.text];
    return q ? [seg('NTE', q, text.slice(0, 80))] : [];
  });
}

/** A message text segment's text: MSG01, or MTX02 where 005010 has MTX in MSG's place. */
function messageText(x: Seg): string | undefined {
  if (x.id === 'MSG') return t(x, 1);
  return x.id === 'MTX' ? t(x, 2) : undefined;
}

/** N9 L1 loops (850, 855): the MSG (MTX) texts joined; N902 says the note's qualifier where it is one (else general). */
export function n9Notes(loops: Seg[][]): NoteEntry[] {
  return loops.flatMap((n) => {
    const n9 = n[0];
    if (n9.id === 'N9' && t(n9, 1) !== 'L1') return [];
    const text = n
      .map(messageText)
      .filter((x): x is string => x !== undefined)
      .join('');
    if (text === '') return [];
    const code = t(n9, 2);
    return [noteQualifiers.read('x12', code) !== `x12:${code}` ? note(code, text) : text];
  });
}

/** N9 L1 with the note's qualifier (NOTE for a general one) and MSG parts of 264 characters. */
export function n9Segments(notes: NoteEntry[], chunks: (s: string, n: number) => string[]): Segment[] {
  return notes.flatMap((n) => {
    const q = typeof n === 'string' ? 'NOTE' : noteQualifiers.write('x12', n.qualifier);
    if (!q) return [];
    const text = typeof n === 'string' ? n : n.text;
    return [seg('N9', 'L1', q), ...chunks(text, 264).map((part) => seg('MSG', part))];
  });
}

/** MSG (005010: MTX) segments of a line loop (850 PO1): one general note each. */
export function msgNotes(segs: Seg[]): NoteEntry[] {
  return segs.map(messageText).filter((x): x is string => x !== undefined && x !== '');
}

/**
 * One MSG per note (264 characters; a longer one is cut). A line's MSG has no qualifier: a qualified
 * note's text is written all the same (an ORDERS line's `FTX+AFM` names the book), and its qualifier,
 * which does not arrive, is what the loss check reports.
 */
export function msgSegments(notes: NoteEntry[] | undefined): Segment[] {
  return (notes ?? []).map((n) => seg('MSG', (typeof n === 'string' ? n : n.text).slice(0, 264)));
}

// ---------------------------------------------------------------------------------------------
// Taxes
// ---------------------------------------------------------------------------------------------

/** TXI segments, but TX (the Invoice's total tax, a field of its own) where `except` says so. */
export function txiTaxes(segs: Seg[], except: string[] = []): Tax[] {
  return segs
    .filter((x) => x.id === 'TXI' && !except.includes(t(x, 1)))
    .flatMap((x) => {
      const type = taxTypes.read('x12', t(x, 1));
      if (!type) return [];
      return [
        compact<Tax>({
          type,
          amount: numberOf(t(x, 2)),
          percent: numberOf(t(x, 3)),
          exempt: t(x, 6) === '1' ? true : t(x, 6) === '2' ? false : undefined,
          basisAmount: numberOf(t(x, 8)),
          taxId: t(x, 9),
        }),
      ];
    });
}

/** TXI for taxes; a tax with neither amount nor percent has nothing TXI can say (R020310). */
export function txiSegments(taxes: Tax[] | undefined): Segment[] {
  return (taxes ?? []).flatMap((x) => {
    const type = taxTypes.write('x12', x.type);
    if (!type || (x.amount === undefined && x.percent === undefined)) return [];
    // TXI08 needs TXI03 (C0803): the basis goes only with a percent.
    const basis = x.percent !== undefined ? num(x.basisAmount) : '';
    const exempt = x.exempt === undefined ? '' : x.exempt ? '1' : '2';
    return [seg('TXI', type, num(x.amount), num(x.percent), '', '', exempt, '', basis, x.taxId ?? '')];
  });
}

// ---------------------------------------------------------------------------------------------
// Carriers and packaging
// ---------------------------------------------------------------------------------------------

export function td5Carriers(segs: Seg[]): Carrier[] {
  return segs
    .filter((x) => x.id === 'TD5')
    .flatMap((x) => {
      const c = compact<Carrier>({
        mode: transportModes.read('x12', t(x, 4)),
        id: t(x, 3),
        idQualifier: t(x, 3) && t(x, 2) !== 'ZZ' ? carrierIdAgencies.read('x12', t(x, 2)) : undefined,
        routing: t(x, 5),
      });
      return Object.keys(c).length ? [c] : [];
    });
}

export function td5Segments(carriers: Carrier[] | undefined): Segment[] {
  return (carriers ?? []).flatMap((c) => {
    const mode = transportModes.write('x12', c.mode) ?? '';
    const q = c.id ? (carrierIdAgencies.write('x12', c.idQualifier) ?? 'ZZ') : '';
    if (!mode && !c.id && !c.routing) return [];
    return [seg('TD5', '', q, c.id ?? '', mode, (c.routing ?? '').slice(0, 35))];
  });
}

/**
 * CAD, the 810's carrier detail: CAD01 the mode, CAD04 a SCAC (the element names its agency), CAD05 the
 * routing. Equipment (CAD02/CAD03), status and reference (CAD06-CAD09) are not read, and the loss check
 * says so.
 */
export function cadCarriers(segs: Seg[]): Carrier[] {
  return segs
    .filter((x) => x.id === 'CAD')
    .flatMap((x) => {
      const c = compact<Carrier>({
        mode: transportModes.read('x12', t(x, 1)),
        id: t(x, 4),
        idQualifier: t(x, 4) ? 'scac' : undefined,
        routing: t(x, 5),
      });
      return Object.keys(c).length ? [c] : [];
    });
}

/**
 * The 810 summary holds one CAD: the first carrier, when it has a SCAC or a routing (R0405). An id of
 * another agency has no CAD element; it and any further carrier are left out for the loss check to report.
 */
export function cadSegments(carriers: Carrier[] | undefined): Segment[] {
  const c = carriers?.[0];
  if (!c) return [];
  const scac = c.idQualifier === 'scac' ? (c.id ?? '') : '';
  const routing = (c.routing ?? '').slice(0, 35);
  if (!scac && !routing) return [];
  return [seg('CAD', transportModes.write('x12', c.mode) ?? '', '', '', scac, routing)];
}

const WEIGHT_KINDS: Array<['gross' | 'net', string]> = [
  ['gross', 'G'],
  ['net', 'N'],
];

/**
 * TD101 PCS (pieces) is a count of no particular package type: read as packaging with a count and no
 * type, as an EDIFACT PAC with 7224 and no C202 says it, and written for such a count because TD102
 * needs a TD101 (C0102). No package type is ever written for a count that has none.
 */
const PIECES = 'PCS';

export function td1Packaging(segs: Seg[]): Packaging[] {
  return segs
    .filter((x) => x.id === 'TD1')
    .flatMap((x) => {
      // The first three characters are the type; the material X12 adds after them has no EDIFACT element.
      const code = t(x, 1).slice(0, 3);
      const p = compact<Packaging>({
        type: code === PIECES ? undefined : packageTypes.read('x12', code),
        count: numberOf(t(x, 2)),
        description: t(x, 5),
        weight: numberOf(t(x, 7)),
        weightKind: WEIGHT_KINDS.find(([, c]) => c === t(x, 6))?.[0],
        weightUnit: t(x, 7) ? unitFromX12Code(t(x, 8)) : undefined,
      });
      return Object.keys(p).length ? [p] : [];
    });
}

/** TD1 for packaging; TD102 needs TD101 (C0102) and TD107 its unit (P0708). */
export function td1Segments(packaging: Packaging[] | undefined): Segment[] {
  return (packaging ?? []).flatMap((p) => {
    // A count of a type X12 has no code for is not made a count of pieces: type and count are reported lost.
    const type = packageTypes.write('x12', p.type) ?? (p.type === undefined && p.count !== undefined ? PIECES : '');
    const weightUnit = p.weight !== undefined ? unitToX12Code(p.weightUnit) : '';
    const weight = weightUnit ? num(p.weight) : '';
    const count = type ? num(p.count) : '';
    const kind = weight ? (WEIGHT_KINDS.find(([n]) => n === p.weightKind)?.[1] ?? '') : '';
    if (!type && !weight && !p.description) return [];
    return [seg('TD1', type, count, '', '', (p.description ?? '').slice(0, 50), kind, weight, weightUnit)];
  });
}

export function td3Equipment(segs: Seg[]): Equipment[] {
  return segs
    .filter((x) => x.id === 'TD3')
    .flatMap((x) => {
      const e = compact<Equipment>({ type: equipmentTypes.read('x12', t(x, 1)), id: t(x, 2) + t(x, 3) });
      return Object.keys(e).length ? [e] : [];
    });
}

/** TD3 for equipment: an id's leading letters (up to four) are its initial (TD302), the rest its number (TD303). */
export function td3Segments(equipment: Equipment[] | undefined): Segment[] {
  return (equipment ?? []).flatMap((e) => {
    const type = equipmentTypes.write('x12', e.type) ?? '';
    const [, initial, number] = /^([A-Za-z]{1,4})?(.*)$/.exec(e.id ?? '') ?? [];
    // TD303 is required with TD302 (C0203): an id of letters only is one number.
    const [i, n] = number ? [initial ?? '', number] : ['', e.id ?? ''];
    return type || n ? [seg('TD3', type, i, n)] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Monetary amounts
// ---------------------------------------------------------------------------------------------

/** AMT segments as amounts, but the ones given (read into fields of their own). */
export function amtAmounts(segs: Seg[], used: ReadonlyArray<Seg | undefined> = []): MonetaryAmount[] {
  return segs
    .filter((x) => x.id === 'AMT' && !used.includes(x))
    .flatMap((x) => {
      const qualifier = amountQualifiers.read('x12', t(x, 1));
      const amount = numberOf(t(x, 2));
      return qualifier && amount !== undefined ? [{ qualifier, amount }] : [];
    });
}

/** AMT for amounts with an X12 code (at most `max`: the 855 summary holds one); the others are not written. */
export function amtSegments(amounts: MonetaryAmount[] | undefined, max = Infinity): Segment[] {
  return (amounts ?? [])
    .flatMap((a) => {
      const q = amountQualifiers.write('x12', a.qualifier);
      return q ? [seg('AMT', q, num(a.amount))] : [];
    })
    .slice(0, max);
}

// ---------------------------------------------------------------------------------------------
// Currency
// ---------------------------------------------------------------------------------------------

/** CUR01 (98) written for an Invoice's or OrderResponse's currency: the seller's. */
const SELLER = 'SE';

/** Whose currency CUR names, when another than the seller's (which is what a document without one means). */
export function currencyParty(cur: Seg): PartyRole | undefined {
  return t(cur, 1) && t(cur, 1) !== SELLER ? partyRoles.read('x12', t(cur, 1)) : undefined;
}

/** CUR for a currency, CUR01 the party whose it is (SE by default; a role X12 has no code for is not written as another). */
export function curSegments(d: { currency?: string; currencyParty?: PartyRole }): Segment[] {
  if (!d.currency) return [];
  const party = d.currencyParty === undefined ? SELLER : partyRoles.write('x12', d.currencyParty);
  return party ? [seg('CUR', party, d.currency)] : [];
}
