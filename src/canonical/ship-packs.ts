import type { ShipNotice, ShippedItem, ShippedOrder, ShippedPack } from './ship-notice';

/**
 * How an 856 nests a ShipNotice's packages. Most notices pack each order apart (pick and pack), and
 * their 856 says so with shipment -> order -> tare -> pack -> item. A pallet that carries several
 * orders cannot sit under one order's level, so then the packages nest under the shipment and each
 * package repeats the level of the orders its items belong to (shipment -> tare -> pack -> order -> item).
 * The first layout is used only when it writes the packages in the document's order, so that reading the
 * 856 back numbers them as the document does.
 */
export type PackLayout =
  { kind: 'by-order'; packsOf: Map<ShippedOrder, ShippedPack[]>; unplaced: ShippedPack[] } | { kind: 'by-pack' };

/** The ids of the notice's packages: an item naming another id is read as not packed. */
export function packIds(sn: ShipNotice): Set<string> {
  return new Set((sn.packs ?? []).map((p) => p.id));
}

/** The items of each package (undefined: not packed), with their orders, in the notice's order. */
export function itemsByPack(
  sn: ShipNotice,
): Map<string | undefined, Array<{ order: ShippedOrder; item: ShippedItem }>> {
  const ids = packIds(sn);
  const out = new Map<string | undefined, Array<{ order: ShippedOrder; item: ShippedItem }>>();
  for (const order of sn.orders)
    for (const item of order.items) {
      const key = item.pack !== undefined && ids.has(item.pack) ? item.pack : undefined;
      const list = out.get(key) ?? [];
      list.push({ order, item });
      out.set(key, list);
    }
  return out;
}

export function packLayout(sn: ShipNotice): PackLayout {
  const packs = sn.packs ?? [];
  const byId = new Map(packs.map((p) => [p.id, p]));
  const top = (p: ShippedPack): ShippedPack => {
    const seen = new Set<string>();
    let at = p;
    while (at.parent !== undefined && byId.has(at.parent) && !seen.has(at.id)) {
      seen.add(at.id);
      at = byId.get(at.parent) as ShippedPack;
    }
    return at;
  };
  const ordersOfTop = new Map<ShippedPack, Set<ShippedOrder>>();
  for (const o of sn.orders)
    for (const i of o.items) {
      const p = i.pack !== undefined ? byId.get(i.pack) : undefined;
      if (!p) continue;
      const t = top(p);
      const set = ordersOfTop.get(t) ?? new Set();
      set.add(o);
      ordersOfTop.set(t, set);
    }
  if ([...ordersOfTop.values()].some((s) => s.size > 1)) return { kind: 'by-pack' };
  const packsOf = new Map<ShippedOrder, ShippedPack[]>();
  const unplaced: ShippedPack[] = [];
  for (const p of packs) {
    const o = ordersOfTop.get(top(p))?.values().next().value;
    if (!o) unplaced.push(p);
    else packsOf.set(o, [...(packsOf.get(o) ?? []), p]);
  }
  const written = [...sn.orders.flatMap((o) => packsOf.get(o) ?? []), ...unplaced];
  return written.every((p, i) => p === packs[i]) ? { kind: 'by-order', packsOf, unplaced } : { kind: 'by-pack' };
}
