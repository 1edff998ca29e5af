import type { Segment, Transaction } from '../edi/model';
import { ccyymmdd, compact, isoDate, numberOf, some, unitFromX12Code, unitToX12Code } from './common';
import { markQualifiers, measurements as measurementNames } from './code-lists';
import type { Mark, Measurement, ShipNotice, ShippedItem, ShippedOrder, ShippedPack } from './ship-notice';
import { dtmDates, dtmSegments, n1Segments, parties, refSegments, references } from './x12-parties';
import { type Seg, type Sections, groups, sectionsFromSegments, sectionsFromTree } from './sections';
import {
  dtmDate,
  itemIdElements,
  itemIds,
  n1Members,
  num,
  pidDescription,
  pidSegments,
  seg,
  t,
  x12Purpose,
} from './x12-common';
import { td1Packaging, td1Segments, td3Equipment, td3Segments, td5Carriers, td5Segments } from './x12-charges';
import { productIdElements, productIds } from './x12-pricing';
import { packIds, packLayout } from './ship-packs';

/** DTM 011 and 017 are the notice's shipped and estimatedDelivery. */
const OWN_DATES = ['011', '017'];

/** HL03 (735) hierarchical level codes. */
const SHIPMENT = 'S';
const ORDER = 'O';
const TARE = 'T';
const PACK = 'P';
const ITEM = 'I';

/** MEA01 (737) written: PD, physical dimensions, as EDIFACT 6311 PD. */
const MEASUREMENT_PURPOSE = 'PD';

/** BSN04 when the notice has no time: the element is mandatory. */
const NO_TIME = '0000';

/** BSN04 (HHMM, HHMMSS, HHMMSSD…) as HH:MM or HH:MM:SS; 0000 is what writers put when they have no time. */
function bsnTime(v: string): string | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)?/.exec(v);
  if (!m || v === NO_TIME) return undefined;
  return m[3] !== undefined ? `${m[1]}:${m[2]}:${m[3]}` : `${m[1]}:${m[2]}`;
}

/** One HL level: its id, its parent's id, its level code and every segment up to the next HL. */
interface Level {
  id: string;
  parent: string;
  code: string;
  segs: Seg[];
}

function sections(tx: Transaction): Sections {
  // Each HL loop is read as a "line": the levels are flat in the 856 and nest only through HL02.
  if (tx.tree) return sectionsFromTree(tx.tree, { party: 'N1', line: 'HL' });
  return sectionsFromSegments(tx.segments, {
    party: 'N1',
    partyMembers: n1Members,
    line: 'HL',
    summary: 'CTT',
    skip: ['ST', 'SE'],
  });
}

function level(segs: Seg[]): Level {
  const hl = segs[0];
  return { id: t(hl, 1), parent: t(hl, 2), code: t(hl, 3), segs };
}

/** The nearest level above `lv` with one of the given codes, following HL02 (a loop in the parent ids ends the search). */
function ancestor(lv: Level, codes: string[], byId: Map<string, Level>): Level | undefined {
  const seen = new Set<string>();
  let p = byId.get(lv.parent);
  while (p && !seen.has(p.id)) {
    if (codes.includes(p.code)) return p;
    seen.add(p.id);
    p = byId.get(p.parent);
  }
  return undefined;
}

/** A level's segments outside its N1 loops, and the loops. */
function split(segs: Seg[]): { own: Seg[]; partyLoops: Seg[][] } {
  const partyLoops = groups(segs, 'N1', n1Members);
  const inParty = new Set(partyLoops.flat());
  return { own: segs.filter((x) => !inParty.has(x)), partyLoops };
}

function item(segs: Seg[]): ShippedItem {
  const lin = segs.find((x) => x.id === 'LIN');
  const sn1 = segs.find((x) => x.id === 'SN1');
  const i: ShippedItem = {
    lineNumber: (lin && t(lin, 1)) || (sn1 && t(sn1, 1)) || undefined,
    quantity: (sn1 && numberOf(t(sn1, 2))) ?? 0,
    unit: sn1 ? unitFromX12Code(t(sn1, 3)) : undefined,
    orderedQuantity: sn1 ? numberOf(t(sn1, 5)) : undefined,
    ...(lin ? itemIds(lin, 2, 31) : {}),
    productIds: lin ? some(productIds(lin, 2, 31)) : undefined,
  };
  const description = pidDescription(segs);
  if (description) i.description = description;
  i.references = some(references(segs));
  i.dates = some(dtmDates(segs));
  return compact(i);
}

/** MAN segments as marks: MAN01 through the mark list, MAN02 the number. */
export function manMarks(segs: Seg[]): Mark[] {
  return segs.flatMap((x) => {
    const qualifier = x.id === 'MAN' ? markQualifiers.read('x12', t(x, 1)) : undefined;
    return qualifier && t(x, 2) ? [{ qualifier, value: t(x, 2) }] : [];
  });
}

export function manSegments(marks: Mark[] | undefined): Segment[] {
  return (marks ?? []).flatMap((m) => {
    const q = markQualifiers.write('x12', m.qualifier);
    return q ? [seg('MAN', q, m.value)] : [];
  });
}

/** MEA segments with a value as measurements: MEA02 through the measurement list, MEA03 and MEA04. */
export function meaMeasurements(segs: Seg[]): Measurement[] {
  return segs.flatMap((x) => {
    const dimension = x.id === 'MEA' ? measurementNames.read('x12', t(x, 2)) : undefined;
    const value = x.id === 'MEA' ? numberOf(t(x, 3)) : undefined;
    if (!dimension || value === undefined) return [];
    return [compact<Measurement>({ dimension, value, unit: unitFromX12Code(t(x, 4)) })];
  });
}

/** MEA for measurements; MEA04 (the unit) goes with MEA03 (R0304 needs one of them, a value is always there). */
export function meaSegments(list: Measurement[] | undefined): Segment[] {
  return (list ?? []).flatMap((m) => {
    const dimension = measurementNames.write('x12', m.dimension);
    return dimension ? [seg('MEA', MEASUREMENT_PURPOSE, dimension, num(m.value), unitToX12Code(m.unit))] : [];
  });
}

function order(lv: Level): ShippedOrder {
  const prf = lv.segs.find((x) => x.id === 'PRF');
  const { own, partyLoops } = split(lv.segs);
  return compact<ShippedOrder>({
    number: prf ? t(prf, 1) || undefined : undefined,
    orderDate: prf ? isoDate(t(prf, 4)) : undefined,
    references: some(references(own)),
    dates: some(dtmDates(own)),
    parties: some(parties(partyLoops)),
    items: [],
  });
}

/** Reads an X12 856 (004010 with its profile tree, or any version from its segments) into a ShipNotice. */
export function fromX12_856(tx: Transaction): ShipNotice {
  const s = sections(tx);
  const levels = s.lines.map(level);
  const byId = new Map(levels.map((l) => [l.id, l]));
  const shipment = levels.find((l) => l.code === SHIPMENT)?.segs ?? [];
  const { own, partyLoops } = split(shipment);
  const bsn = s.header.find((x) => x.id === 'BSN');

  const orders: ShippedOrder[] = [];
  const orderOf = new Map<string, ShippedOrder>();
  const byNumber = new Map<string, ShippedOrder>();
  const packs: ShippedPack[] = [];
  const packOf = new Map<string, ShippedPack>();
  let loose: ShippedOrder | undefined;
  for (const lv of levels) {
    if (lv.code === ORDER) {
      const o = order(lv);
      // An order packed on several pallets has an O level under each (S/T/P/O/I): they are one order.
      const key = JSON.stringify([o.number, o.orderDate]);
      const same = o.number !== undefined ? byNumber.get(key) : undefined;
      if (!same) {
        orders.push(o);
        if (o.number !== undefined) byNumber.set(key, o);
      }
      orderOf.set(lv.id, same ?? o);
    } else if (lv.code === PACK || lv.code === TARE) {
      const { own: segs } = split(lv.segs);
      const p = compact<ShippedPack>({
        id: String(packs.length + 1),
        parent: packOf.get(ancestor(lv, [PACK, TARE], byId)?.id ?? '')?.id,
        level: lv.code === TARE ? 'tare' : 'pack',
        packaging: some(td1Packaging(segs)),
        marks: some(manMarks(segs)),
        measurements: some(meaMeasurements(segs)),
      });
      packs.push(p);
      packOf.set(lv.id, p);
    } else if (lv.code === ITEM) {
      const above = ancestor(lv, [ORDER], byId);
      let o = above ? orderOf.get(above.id) : undefined;
      if (!o) {
        if (!loose) {
          loose = { items: [] };
          orders.push(loose);
        }
        o = loose;
      }
      const i = item(lv.segs);
      const pack = packOf.get(ancestor(lv, [PACK, TARE], byId)?.id ?? '');
      o.items.push(pack ? { ...i, pack: pack.id } : i);
    }
  }
  return compact<ShipNotice>({
    number: bsn ? t(bsn, 2) : '',
    date: bsn ? isoDate(t(bsn, 3)) : undefined,
    time: bsn ? bsnTime(t(bsn, 4)) : undefined,
    purpose: (bsn && x12Purpose.name(t(bsn, 1))) ?? 'original',
    shipped: dtmDate([...s.header, ...shipment], '011'),
    estimatedDelivery: dtmDate([...s.header, ...shipment], '017'),
    parties: parties(partyLoops),
    references: references(own),
    dates: dtmDates([...s.header, ...own], OWN_DATES),
    carriers: some(td5Carriers(own)),
    packaging: some(td1Packaging(own)),
    equipment: some(td3Equipment(own)),
    measurements: some(meaMeasurements(own)),
    packs: some(packs),
    orders,
  });
}

/** The segments of one item level (without its HL). */
function itemSegments(i: ShippedItem): Segment[] {
  const out: Segment[] = [];
  const known = itemIdElements(i);
  const ids = [...known, ...productIdElements(i.productIds, 30 - known.length)];
  // LIN02/LIN03 are mandatory: an item without item numbers has no LIN, and its line number goes to SN101.
  if (ids.length) out.push(seg('LIN', i.lineNumber ?? '', ...ids));
  // SN103 is mandatory, but a unit is never invented: without one the profile check refuses the document.
  const unit = unitToX12Code(i.unit);
  out.push(
    seg(
      'SN1',
      ids.length ? '' : (i.lineNumber ?? ''),
      num(i.quantity),
      unit,
      '',
      num(i.orderedQuantity),
      i.orderedQuantity !== undefined ? unit : '',
    ),
  );
  out.push(...pidSegments(i.description));
  out.push(...refSegments(i.references), ...dtmSegments(i.dates));
  return out;
}

/** The segments of a pack or tare level (without its HL), in the order of the 856's HL loop. */
function packSegments(p: ShippedPack): Segment[] {
  return [...meaSegments(p.measurements), ...td1Segments(p.packaging), ...manSegments(p.marks)];
}

/** PRF for an order (PRF01 is mandatory: an order known only by its date cannot say the date). */
function prfSegments(o: ShippedOrder): Segment[] {
  return o.number !== undefined ? [seg('PRF', o.number, '', '', o.orderDate ? ccyymmdd(o.orderDate) : '')] : [];
}

const hasLevel = (o: ShippedOrder) => o.number !== undefined || o.orderDate !== undefined;

/** Writes HL levels with ids numbered in order; HL04 (has levels under it) is filled in by `finish`. */
class Levels {
  private readonly hls: Segment[] = [];
  private readonly parents = new Set<string>();
  private readonly packHl = new Map<string, string>();

  constructor(private readonly out: Segment[]) {}

  hl(parent: string, code: string): string {
    const id = String(this.hls.length + 1);
    const h = seg('HL', id, parent, code, '0');
    this.hls.push(h);
    this.out.push(h);
    if (parent) this.parents.add(parent);
    return id;
  }

  /** An order's level; `full` with its references, dates and parties, else (a repeat under a package) PRF only. */
  order(o: ShippedOrder, parent: string, full: boolean): string {
    const id = this.hl(parent, ORDER);
    this.out.push(...prfSegments(o));
    if (full) {
      this.out.push(...refSegments(o.references), ...dtmSegments(o.dates));
      for (const p of o.parties ?? []) this.out.push(...n1Segments(p));
    }
    return id;
  }

  item(i: ShippedItem, parent: string): void {
    this.hl(parent, ITEM);
    this.out.push(...itemSegments(i));
  }

  /** A package's level, under its parent package's level when that is written, else under `fallback`. */
  pack(p: ShippedPack, fallback: string): string {
    const parent = (p.parent !== undefined ? this.packHl.get(p.parent) : undefined) ?? fallback;
    const id = this.hl(parent, p.level === 'tare' ? TARE : PACK);
    this.packHl.set(p.id, id);
    this.out.push(...packSegments(p));
    return id;
  }

  finish(): number {
    for (const h of this.hls) if (this.parents.has(String(h.elements[0]))) h.elements[3] = '1';
    return this.hls.length;
  }
}

/** Pick and pack: each order's level, its items that are not packed, then its packages with their items. */
function byOrder(sn: ShipNotice, packsOf: Map<ShippedOrder, ShippedPack[]>, unplaced: ShippedPack[], w: Levels) {
  const ids = packIds(sn);
  for (const o of sn.orders) {
    const parent = hasLevel(o) ? w.order(o, SHIPMENT_ID, true) : SHIPMENT_ID;
    for (const i of o.items.filter((x) => x.pack === undefined || !ids.has(x.pack))) w.item(i, parent);
    for (const p of packsOf.get(o) ?? []) {
      const at = w.pack(p, parent);
      for (const i of o.items.filter((x) => x.pack === p.id)) w.item(i, at);
    }
  }
  for (const p of unplaced) w.pack(p, SHIPMENT_ID);
}

/**
 * Packages that carry several orders: every order's level first, with its items that are not packed;
 * then the packages, each with its items under a repeat of their order's level (PRF only).
 */
function byPack(sn: ShipNotice, w: Levels) {
  const ids = packIds(sn);
  for (const o of sn.orders) {
    const parent = hasLevel(o) ? w.order(o, SHIPMENT_ID, true) : SHIPMENT_ID;
    for (const i of o.items.filter((x) => x.pack === undefined || !ids.has(x.pack))) w.item(i, parent);
  }
  for (const p of sn.packs ?? []) {
    const at = w.pack(p, SHIPMENT_ID);
    for (const o of sn.orders) {
      const mine = o.items.filter((x) => x.pack === p.id);
      if (!mine.length) continue;
      const parent = hasLevel(o) ? w.order(o, at, false) : at;
      for (const i of mine) w.item(i, parent);
    }
  }
}

/** The shipment's level is the first: HL 1. */
const SHIPMENT_ID = '1';

/**
 * The body of an X12 004010 856 for a ShipNotice (no ST or SE): BSN, then the HL levels with ids
 * numbered in order and each parent id computed, then CTT with the number of HLs. The levels nest
 * shipment -> order -> tare -> pack -> item when every package holds the items of one order (or none);
 * when a package holds items of several orders they nest shipment -> tare -> pack -> order -> item,
 * with the order's level repeated under each package (ship-packs.ts decides).
 */
export function toX12_856(sn: ShipNotice): Segment[] {
  const out: Segment[] = [];
  // BSN04 (time) is mandatory: midnight stands for "no time given" (and is read so).
  const time = sn.time ? sn.time.replace(/:/g, '') : NO_TIME;
  out.push(seg('BSN', x12Purpose.code(sn.purpose) ?? '00', sn.number, sn.date ? ccyymmdd(sn.date) : '', time));
  const w = new Levels(out);
  w.hl('', SHIPMENT);
  out.push(...meaSegments(sn.measurements));
  out.push(...td1Segments(sn.packaging), ...td5Segments(sn.carriers), ...td3Segments(sn.equipment));
  out.push(...refSegments(sn.references));
  if (sn.shipped) out.push(seg('DTM', '011', ccyymmdd(sn.shipped)));
  if (sn.estimatedDelivery) out.push(seg('DTM', '017', ccyymmdd(sn.estimatedDelivery)));
  out.push(...dtmSegments(sn.dates));
  for (const p of sn.parties) out.push(...n1Segments(p));
  const layout = packLayout(sn);
  if (layout.kind === 'by-order') byOrder(sn, layout.packsOf, layout.unplaced, w);
  else byPack(sn, w);
  out.push(seg('CTT', String(w.finish())));
  return out;
}
