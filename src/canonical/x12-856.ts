import type { Segment, Transaction } from '../edi/model';
import { ccyymmdd, compact, isoDate, numberOf, some, unitFromX12Code, unitToX12Code } from './common';
import type { ShipNotice, ShippedItem, ShippedOrder } from './ship-notice';
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

/** DTM 011 and 017 are the notice's shipped and estimatedDelivery. */
const OWN_DATES = ['011', '017'];

/** HL03 (735) hierarchical level codes. */
const SHIPMENT = 'S';
const ORDER = 'O';
const ITEM = 'I';

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

/** The nearest level above `lv` with the given code, following HL02 (a loop in the parent ids ends the search). */
function ancestor(lv: Level, code: string, byId: Map<string, Level>): Level | undefined {
  const seen = new Set<string>();
  let p = byId.get(lv.parent);
  while (p && !seen.has(p.id)) {
    if (p.code === code) return p;
    seen.add(p.id);
    p = byId.get(p.parent);
  }
  return undefined;
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

/** Reads an X12 856 (004010 with its profile tree, or any version from its segments) into a ShipNotice. */
export function fromX12_856(tx: Transaction): ShipNotice {
  const s = sections(tx);
  const levels = s.lines.map(level);
  const byId = new Map(levels.map((l) => [l.id, l]));
  const shipment = levels.find((l) => l.code === SHIPMENT)?.segs ?? [];
  const partyLoops = groups(shipment, 'N1', n1Members);
  const inParty = new Set(partyLoops.flat());
  const bsn = s.header.find((x) => x.id === 'BSN');

  const orders: ShippedOrder[] = [];
  const orderOf = new Map<string, ShippedOrder>();
  let loose: ShippedOrder | undefined;
  for (const lv of levels) {
    if (lv.code === ORDER) {
      const prf = lv.segs.find((x) => x.id === 'PRF');
      const o = compact<ShippedOrder>({
        number: prf ? t(prf, 1) || undefined : undefined,
        orderDate: prf ? isoDate(t(prf, 4)) : undefined,
        items: [],
      });
      orders.push(o);
      orderOf.set(lv.id, o);
    } else if (lv.code === ITEM) {
      const above = ancestor(lv, ORDER, byId);
      let o = above ? orderOf.get(above.id) : undefined;
      if (!o) {
        if (!loose) {
          loose = { items: [] };
          orders.push(loose);
        }
        o = loose;
      }
      o.items.push(item(lv.segs));
    }
  }
  return compact<ShipNotice>({
    number: bsn ? t(bsn, 2) : '',
    date: bsn ? isoDate(t(bsn, 3)) : undefined,
    purpose: (bsn && x12Purpose.name(t(bsn, 1))) ?? 'original',
    shipped: dtmDate([...s.header, ...shipment], '011'),
    estimatedDelivery: dtmDate([...s.header, ...shipment], '017'),
    parties: parties(partyLoops),
    references: references(shipment.filter((x) => !inParty.has(x))),
    dates: dtmDates([...s.header, ...shipment], OWN_DATES),
    carriers: some(td5Carriers(shipment.filter((x) => !inParty.has(x)))),
    packaging: some(td1Packaging(shipment.filter((x) => !inParty.has(x)))),
    equipment: some(td3Equipment(shipment.filter((x) => !inParty.has(x)))),
    orders,
  });
}

/**
 * The body of an X12 004010 856 for a ShipNotice (no ST or SE): BSN, then the HL levels shipment ->
 * order -> item with ids numbered in order and each parent id computed, then CTT with the number of HLs.
 */
export function toX12_856(sn: ShipNotice): Segment[] {
  const out: Segment[] = [];
  // BSN04 (time) is mandatory and the canonical notice carries dates only: midnight stands for "no time given".
  out.push(seg('BSN', x12Purpose.code(sn.purpose) ?? '00', sn.number, sn.date ? ccyymmdd(sn.date) : '', '0000'));
  let count = 0;
  const hl = (parent: string, code: string, children: boolean): string => {
    out.push(seg('HL', String(++count), parent, code, children ? '1' : '0'));
    return String(count);
  };
  const shipment = hl(
    '',
    SHIPMENT,
    sn.orders.some((o) => o.items.length > 0 || o.number !== undefined || o.orderDate !== undefined),
  );
  out.push(...td1Segments(sn.packaging), ...td5Segments(sn.carriers), ...td3Segments(sn.equipment));
  out.push(...refSegments(sn.references));
  if (sn.shipped) out.push(seg('DTM', '011', ccyymmdd(sn.shipped)));
  if (sn.estimatedDelivery) out.push(seg('DTM', '017', ccyymmdd(sn.estimatedDelivery)));
  out.push(...dtmSegments(sn.dates));
  for (const p of sn.parties) out.push(...n1Segments(p));
  for (const order of sn.orders) {
    let parent = shipment;
    if (order.number !== undefined || order.orderDate !== undefined) {
      parent = hl(shipment, ORDER, order.items.length > 0);
      // PRF01 is mandatory: an order known only by its date gets its level but cannot say the date.
      if (order.number !== undefined)
        out.push(seg('PRF', order.number, '', '', order.orderDate ? ccyymmdd(order.orderDate) : ''));
    }
    for (const i of order.items) {
      hl(parent, ITEM, false);
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
    }
  }
  out.push(seg('CTT', String(count)));
  return out;
}
