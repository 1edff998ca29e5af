import type { Segment, Transaction } from '../edi/model';
import { compact, some } from './common';
import type { ShipNotice, ShippedItem, ShippedOrder } from './ship-notice';
import { dtmDates, dtmSegments, nadSegments, parties, references, rffSegments } from './edifact-parties';
import { type Seg, type Sections, runs, sectionsFromSegments, sectionsFromTree } from './sections';
import {
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

/** DTM 137, 11 and 17 are the notice's date, shipped and estimatedDelivery. */
const OWN_DATES = ['137', '11', '17'];

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

/** Reads an EDIFACT DESADV (D96A with its profile tree, or any directory from its segments) into a ShipNotice. */
export function fromDesadv(tx: Transaction): ShipNotice {
  const s = sections(tx);
  const bgm = s.header.find((x) => x.id === 'BGM');
  const orders: ShippedOrder[] = [];
  // The order is named on each line (RFF ON): consecutive lines naming the same order are that order's items.
  for (const lin of s.lines.flatMap((cps) => runs(cps, 'LIN'))) {
    const ref = referenceWithDate(lin, 'ON');
    const last = orders[orders.length - 1];
    const o =
      last && last.number === ref?.value && last.orderDate === ref?.date
        ? last
        : compact<ShippedOrder>({ number: ref?.value, orderDate: ref?.date, items: [] });
    if (o !== last) orders.push(o);
    o.items.push(item(lin));
  }
  // The packages of the whole shipment: those of a top packing level (CPS without a parent) before its first line.
  const top = s.lines.find((cps) => cps[0].id === 'CPS' && t(cps[0], 2) === '') ?? [];
  const firstLine = top.findIndex((x) => x.id === 'LIN');
  return compact<ShipNotice>({
    number: bgm ? t(bgm, 2) : '',
    date: dateOf(s.header, '137'),
    purpose: (bgm && edifactPurpose.name(t(bgm, 3))) ?? 'original',
    shipped: dateOf(s.header, '11'),
    estimatedDelivery: dateOf(s.header, '17'),
    parties: parties(s.parties),
    references: references(s.header),
    dates: dtmDates(s.header, OWN_DATES),
    carriers: some(tdtCarriers(s.header)),
    equipment: some(eqdEquipment(s.header)),
    packaging: some(pacPackaging(firstLine < 0 ? top : top.slice(0, firstLine))),
    orders,
  });
}

/**
 * The body of a D96A DESADV for a ShipNotice, BGM to CNT in the message's order (no UNH or UNT): one
 * packing sequence (CPS 1) holds every line, and each line names its order (RFF ON, DTM 171).
 */
export function toDesadv(sn: ShipNotice): Segment[] {
  const out: Segment[] = [];
  out.push(seg('BGM', '351', sn.number, edifactPurpose.code(sn.purpose) ?? '9'));
  if (sn.date) out.push(dtm('137', sn.date));
  if (sn.shipped) out.push(dtm('11', sn.shipped));
  if (sn.estimatedDelivery) out.push(dtm('17', sn.estimatedDelivery));
  out.push(...dtmSegments(sn.dates));
  out.push(...rffSegments(sn.references));
  for (const p of sn.parties) out.push(...nadSegments(p));
  out.push(...tdtSegments(sn.carriers), ...eqdSegments(sn.equipment));
  const items = sn.orders.reduce((n, o) => n + o.items.length, 0);
  if (items > 0 || sn.packaging?.length) out.push(seg('CPS', '1'), ...pacSegments(sn.packaging));
  for (const order of sn.orders) {
    for (const i of order.items) {
      out.push(...linSegments(i.lineNumber, i), ...piaSegments(i.productIds));
      out.push(...imdSegments(i.description));
      out.push(seg('QTY', ['12', num(i.quantity), i.unit ?? '']));
      if (i.orderedQuantity !== undefined) out.push(seg('QTY', ['21', num(i.orderedQuantity), i.unit ?? '']));
      out.push(...dtmSegments(i.dates));
      out.push(...referenceWithDateSegments('ON', order.number, order.orderDate));
      out.push(...rffSegments(i.references));
    }
  }
  out.push(seg('CNT', ['2', String(items)]));
  return out;
}
