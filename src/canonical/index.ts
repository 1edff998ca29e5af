import type { Standard, Transaction } from '../edi/model';
import type { DocumentKind } from './kind';
import type { PurchaseOrder } from './purchase-order';
import { documentFor, purchaseOrder } from './documents';
import { checkWith } from './schemas';

export * from './purchase-order';
export type { DocumentPurpose } from './common';
export type { DocumentKind, DocumentName } from './kind';
export { type Invoice, type InvoiceLine, type InvoiceRole, type InvoiceType, type PaymentTerms } from './invoice';
export {
  type ShipNotice,
  type ShipNoticeRole,
  type ShipReferenceQualifier,
  type ShippedItem,
  type ShippedOrder,
  type ShippedPack,
  type Mark,
  type Measurement,
} from './ship-notice';
export { type LineStatus, type OrderResponse, type ResponseLine, type ResponseStatus } from './order-response';
export { fromX12_850, toX12_850 } from './x12-850';
export { fromOrders, toOrders } from './edifact-orders';
export { fromX12_810, toX12_810 } from './x12-810';
export { fromInvoic, toInvoic } from './edifact-invoic';
export { fromX12_856, toX12_856 } from './x12-856';
export { fromDesadv, toDesadv } from './edifact-desadv';
export { fromX12_855, toX12_855 } from './x12-855';
export { fromOrdrsp, toOrdrsp } from './edifact-ordrsp';
export { edifactInterchange, inTarget, x12Interchange, type EnvelopeOptions, type Message } from './envelope';
export { invoiceSchema, issuePath, orderResponseSchema, purchaseOrderSchema, shipNoticeSchema } from './schemas';
export { documents, documentFor, documentNamed, invoice, orderResponse, purchaseOrder, shipNotice } from './documents';

/**
 * Validates a canonical document (e.g. from JSON or a map) against its kind's schema; issues are located
 * like `lines[2].quantity: expected a number`, every one at once. The value is the document with its
 * defaults filled in and the `"document"` field dropped, ready for the kind's writers.
 */
export function checkDocument<D>(
  kind: DocumentKind<D>,
  value: unknown,
): { ok: true; value: D } | { ok: false; issues: string[] } {
  return checkWith(kind.schema, value);
}

/** The canonical reader for a purchase order transaction of a standard and type, where one ships (see documentFor for every kind). */
export function purchaseOrderReader(
  standard: Standard,
  type: string,
): ((tx: Transaction) => PurchaseOrder) | undefined {
  const kind = documentFor(standard, type);
  return kind === purchaseOrder ? purchaseOrder[standard].read : undefined;
}
