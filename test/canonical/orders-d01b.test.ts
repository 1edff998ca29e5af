/**
 * EDIFACT directories number the same group differently: the ORDERS line group is SG25 in D96A and SG28 in
 * D01B. The ORDERS reader finds its groups by their first segment, as the other readers do.
 */
import { edifactInterchange, purchaseOrder } from '../../src/canonical';
import { write } from '../../src/edi/write';
import { env, fullPurchaseOrder, parse } from './support';

describe('a D01B ORDERS is read by its profile tree as a D96A one is', () => {
  test('the full PurchaseOrder written as D01B reads back with its lines and parties, as from D96A', () => {
    const as = (directory: string) => {
      const body = purchaseOrder.edifact.write(fullPurchaseOrder);
      const tx = parse(write(edifactInterchange([{ type: 'ORDERS', version: directory, body }], env)))[0].groups[0]
        .transactions[0];
      expect(tx.tree).toBeDefined();
      return purchaseOrder.edifact.read(tx);
    };
    const d01b = as('D01B');
    // D01B numbers the line group SG28 (D96A: SG25): lines were once read into the header there.
    expect(d01b.lines).toHaveLength(fullPurchaseOrder.lines.length);
    expect(d01b).toEqual(as('D96A'));
  });
});
