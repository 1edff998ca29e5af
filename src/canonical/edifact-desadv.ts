import type { Segment, Transaction } from '../edi/model';
import { ccyymmdd, compact, isoDate, numberOf, some } from './common';
import { markQualifiers, measurements as measurementNames } from './code-lists';
import type { Mark, Measurement, ShipNotice, ShippedItem, ShippedOrder, ShippedPack } from './ship-notice';
import { dtmDates, dtmSegments, nadSegments, parties, references, rffSegments } from './edifact-parties';
import { type Seg, type Sections, runs, sectionsFromSegments, sectionsFromTree } from './sections';
import {
  c,
  currentUnit,
  dateOf,
  dtm,
  edifactPurpose,
  imdDescription,
  imdSegments,
  itemIds,
  linSegments,
  nadMembers,
  num,
  quantity,
  referenceWithDate,
  referenceWithDateSegments,
  seg,
  t,
} from './edifact-common';
import { eqdEquipment, eqdSegments, pacPackaging, pacSegments, tdtCarriers, tdtSegments } from './edifact-charges';
import { piaSegments, productIds } from './edifact-pricing';
import { itemsByPack } from './ship-packs';

/** DTM 137, 11 and 17 are the notice's date, shipped and estimatedDelivery. */
const OWN_DATES = ['137', '11', '17'];

/** CPS 7075 3: outer packaging level, an 856 tare (a pallet); any other level, or none, is a pack. */
const OUTER = '3';

/** MEA 6311 PD (physical dimensions): a measurement, as X12 MEA01 PD; a package's weight is MEA AAE of its PAC. */
const MEASUREMENT_PURPOSE = 'PD';

/** PCI 4233 33E: marked with the serial shipping container code, what the GIN BJ under it carries. */
const MARKED_SSCC = '33E';

function sections(tx: Transaction): Sections {
  // The lines of a DESADV sit inside its packing sequences (CPS): each CPS group is read as a "line" and cut into its LINs.
  if (tx.tree) return sectionsFromTree(tx.tree, { party: 'NAD', line: 'CPS' });
  return sectionsFromSegments(tx.segments, {
    party: 'NAD',
    partyMembers: nadMembers,
    line: 'CPS',
    summary: 'CNT',
    skip: ['UNH', 'UNT'],
  });
}

function item(segs: Seg[]): ShippedItem {
  const shipped = quantity(segs, '12', '1');
  const ordered = quantity(segs, '21');
  const i: ShippedItem = {
    lineNumber: t(segs[0], 1) || undefined,
    quantity: shipped?.value ?? 0,
    unit: currentUnit(shipped?.unit ?? ordered?.unit),
    orderedQuantity: ordered?.value,
    ...itemIds(segs),
    productIds: some(productIds(segs)),
  };
  const description = imdDescription(segs);
  if (description) i.description = description;
  // RFF ON names the item's order (ShippedOrder).
  i.references = some(references(segs, ['ON']));
  i.dates = some(dtmDates(segs));
  return compact(i);
}

/** GIN segments as marks: 7405 through the mark list, each C208's first id a mark. */
function ginMarks(segs: Seg[]): Mark[] {
  return segs.flatMap((x) => {
    const qualifier = x.id === 'GIN' ? markQualifiers.read('edifact', t(x, 1)) : undefined;
    if (!qualifier) return [];
    return [2, 3, 4, 5, 6].flatMap((n) => (c(x, n)[0] ? [{ qualifier, value: c(x, n)[0] }] : []));
  });
}

/** MEA segments with a value as measurements (those of 6311 `purpose` when given): C502 6313, C174 6314 and 6411. */
function meaMeasurements(segs: Seg[], purpose?: string): Measurement[] {
  return segs.flatMap((x) => {
    if (x.id !== 'MEA' || (purpose !== undefined && t(x, 1) !== purpose)) return [];
    const dimension = measurementNames.read('edifact', c(x, 2)[0]);
    const value = numberOf(c(x, 3)[1] ?? '');
    if (!dimension || value === undefined) return [];
    return [compact<Measurement>({ dimension, value, unit: c(x, 3)[0] || undefined })];
  });
}

function meaSegments(list: Measurement[] | undefined): Segment[] {
  return (list ?? []).flatMap((m) => {
    const dimension = measurementNames.write('edifact', m.dimension);
    // C174 requires the unit (6411): a value without one is not written (the loss check says so).
    return dimension && m.unit ? [seg('MEA', MEASUREMENT_PURPOSE, [dimension], [m.unit, num(m.value)])] : [];
  });
}

/** DTM 137's time of day: format 203 (CCYYMMDDHHMM) as HH:MM, 204 (CCYYMMDDHHMMSS) as HH:MM:SS. */
function issueValue(header: Seg[]): string {
  const d = header.find((x) => x.id === 'DTM' && c(x, 1)[0] === '137');
  return d ? (c(d, 1)[1] ?? '') : '';
}

function issueTime(header: Seg[]): string | undefined {
  const d = header.find((x) => x.id === 'DTM' && c(x, 1)[0] === '137');
  const [, value = '', format = ''] = d ? c(d, 1) : [];
  const m = /^\d{8}(\d\d)(\d\d)(\d\d)?$/.exec(value);
  if (!m || (format !== '203' && format !== '204') || (format === '204') !== (m[3] !== undefined)) return undefined;
  return m[3] !== undefined ? `${m[1]}:${m[2]}:${m[3]}` : `${m[1]}:${m[2]}`;
}

function issueDtm(date: string, time: string): Segment {
  return seg('DTM', ['137', ccyymmdd(date) + time.replace(/:/g, ''), time.length > 5 ? '204' : '203']);
}

/** What a CPS group says before its first line. */
function beforeLines(cps: Seg[]): Seg[] {
  const first = cps.findIndex((x) => x.id === 'LIN');
  return first < 0 ? cps : cps.slice(0, first);
}

/** Reads an EDIFACT DESADV (D96A with its profile tree, or any directory from its segments) into a ShipNotice. */
export function fromDesadv(tx: Transaction): ShipNotice {
  const s = sections(tx);
  const bgm = s.header.find((x) => x.id === 'BGM');
  const orders: ShippedOrder[] = [];
  const orderOf = new Map<string, ShippedOrder>();
  const packs: ShippedPack[] = [];
  const packOfCps = new Map<string, ShippedPack>();
  const groups = s.lines.filter((g) => g[0].id === 'CPS');
  // The whole shipment is the first packing level without a parent; every other level is a package.
  const top = groups.find((g) => t(g[0], 2) === '');
  for (const g of groups) {
    let pack: ShippedPack | undefined;
    if (g !== top) {
      const head = beforeLines(g);
      pack = compact<ShippedPack>({
        id: String(packs.length + 1),
        parent: packOfCps.get(t(g[0], 2))?.id,
        level: t(g[0], 3) === OUTER ? 'tare' : 'pack',
        packaging: some(pacPackaging(head)),
        marks: some(ginMarks(head)),
        measurements: some(meaMeasurements(head, MEASUREMENT_PURPOSE)),
      });
      packs.push(pack);
      packOfCps.set(t(g[0], 1), pack);
    }
    // The order is named on each line (RFF ON): the lines naming the same order are that order's items.
    for (const lin of runs(g, 'LIN')) {
      const ref = referenceWithDate(lin, 'ON');
      const key = JSON.stringify([ref?.value, ref?.date]);
      let o = orderOf.get(key);
      if (!o) {
        o = compact<ShippedOrder>({ number: ref?.value, orderDate: ref?.date, items: [] });
        orders.push(o);
        orderOf.set(key, o);
      }
      const i = item(lin);
      o.items.push(pack ? { ...i, pack: pack.id } : i);
    }
  }
  return compact<ShipNotice>({
    number: bgm ? t(bgm, 2) : '',
    // (A date written with seconds, format 204, is longer than dateOf() reads.)
    date: dateOf(s.header, '137') ?? (issueTime(s.header) ? isoDate(issueValue(s.header).slice(0, 8)) : undefined),
    time: issueTime(s.header),
    purpose: (bgm && edifactPurpose.name(t(bgm, 3))) ?? 'original',
    shipped: dateOf(s.header, '11'),
    estimatedDelivery: dateOf(s.header, '17'),
    parties: parties(s.parties),
    references: references(s.header),
    dates: dtmDates(s.header, OWN_DATES),
    carriers: some(tdtCarriers(s.header)),
    equipment: some(eqdEquipment(s.header)),
    // The packages of the whole shipment: those of its packing level before its first line.
    packaging: some(pacPackaging(top ? beforeLines(top) : [])),
    measurements: some(meaMeasurements(s.header)),
    packs: some(packs),
    orders,
  });
}

/**
 * A package's PAC groups: the first holds its measurements (MEA PD) and its marks (PCI with a GIN per
 * mark); a package with marks and no packaging gets a PAC of its own, empty, for them to hang on.
 */
function packSegments(p: ShippedPack): Segment[] {
  const [first, ...rest] = p.packaging ?? [];
  const marks = (p.marks ?? []).flatMap((m) => {
    const q = markQualifiers.write('edifact', m.qualifier);
    return q ? [{ q, m }] : [];
  });
  // The group's MEA, PCI and GIN hang on a PAC, so packaging with nothing EDIFACT holds still gets an empty one.
  const head = first ? pacSegments([first]) : [];
  const out = head.length ? head : [seg('PAC')];
  out.push(...meaSegments(p.measurements));
  if (marks.length) {
    out.push(seg('PCI', marks.some(({ m }) => m.qualifier === 'sscc') ? MARKED_SSCC : ''));
    out.push(...marks.map(({ q, m }) => seg('GIN', q, [m.value])));
  }
  out.push(...pacSegments(rest));
  return out;
}

/**
 * The body of a D96A DESADV for a ShipNotice, BGM to CNT in the message's order (no UNH or UNT): the
 * packing sequence CPS 1 is the shipment, with its packaging and the items that are not packed; each
 * package follows as a CPS of its own (its parent's, or 1), with the items packed in it. Each line names
 * its order (RFF ON, DTM 171).
 */
export function toDesadv(sn: ShipNotice): Segment[] {
  const out: Segment[] = [];
  out.push(seg('BGM', '351', sn.number, edifactPurpose.code(sn.purpose) ?? '9'));
  if (sn.date) out.push(sn.time ? issueDtm(sn.date, sn.time) : dtm('137', sn.date));
  if (sn.shipped) out.push(dtm('11', sn.shipped));
  if (sn.estimatedDelivery) out.push(dtm('17', sn.estimatedDelivery));
  out.push(...dtmSegments(sn.dates));
  out.push(...meaSegments(sn.measurements));
  out.push(...rffSegments(sn.references));
  for (const p of sn.parties) out.push(...nadSegments(p));
  out.push(...tdtSegments(sn.carriers), ...eqdSegments(sn.equipment));
  const items = sn.orders.reduce((n, o) => n + o.items.length, 0);
  const packs = sn.packs ?? [];
  const byPack = itemsByPack(sn);
  const lines = (inPack: string | undefined) => {
    for (const { order, item: i } of byPack.get(inPack) ?? []) {
      out.push(...linSegments(i.lineNumber, i), ...piaSegments(i.productIds));
      out.push(...imdSegments(i.description));
      out.push(seg('QTY', ['12', num(i.quantity), i.unit ?? '']));
      if (i.orderedQuantity !== undefined) out.push(seg('QTY', ['21', num(i.orderedQuantity), i.unit ?? '']));
      out.push(...dtmSegments(i.dates));
      out.push(...referenceWithDateSegments('ON', order.number, order.orderDate));
      out.push(...rffSegments(i.references));
    }
  };
  if (items > 0 || sn.packaging?.length || packs.length) {
    out.push(seg('CPS', '1'), ...pacSegments(sn.packaging));
    lines(undefined);
  }
  const cpsOf = new Map<string, string>();
  for (const p of packs) {
    const id = String(cpsOf.size + 2);
    cpsOf.set(p.id, id);
    const parent = (p.parent !== undefined ? cpsOf.get(p.parent) : undefined) ?? '1';
    out.push(seg('CPS', id, parent, p.level === 'tare' ? OUTER : ''));
    out.push(...packSegments(p));
    lines(p.id);
  }
  out.push(seg('CNT', ['2', String(items)]));
  return out;
}
