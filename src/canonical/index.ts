import type { Transaction } from '../edi/model';
import type { PurchaseOrder } from './purchase-order';
import { fromX12_850 } from './x12-850';
import { fromOrders } from './edifact-orders';

export * from './purchase-order';
export { fromX12_850, toX12_850 } from './x12-850';
export { fromOrders, toOrders } from './edifact-orders';
export { edifactInterchange, x12Interchange, type EnvelopeOptions, type Message } from './envelope';

/** The canonical reader for a transaction of a standard and type, where one ships. */
export function purchaseOrderReader(standard: 'x12' | 'edifact', type: string): ((tx: Transaction) => PurchaseOrder) | undefined {
  if (standard === 'x12' && type === '850') return fromX12_850;
  if (standard === 'edifact' && type === 'ORDERS') return fromOrders;
  return undefined;
}
