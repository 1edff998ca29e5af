/**
 * Every canonical business document the gateway knows, each bound to its schema and to the maps of
 * each standard: the one list that binds transaction types to maps.
 *
 * The bindings live here, not beside each document's types, so that dependencies point one way: the
 * document modules (purchase-order.ts …) hold types only; the schemas and the maps import those types;
 * this module imports the schemas and the maps.
 */
import type { Standard } from '../edi/model';
import type { DocumentKind } from './kind';
import type { PurchaseOrder } from './purchase-order';
import type { Invoice } from './invoice';
import type { ShipNotice } from './ship-notice';
import type { OrderResponse } from './order-response';
import { invoiceSchema, orderResponseSchema, purchaseOrderSchema, shipNoticeSchema } from './schemas';
import { fromX12_850, toX12_850 } from './x12-850';
import { fromOrders, toOrders } from './edifact-orders';
import { fromX12_810, toX12_810 } from './x12-810';
import { fromInvoic, toInvoic } from './edifact-invoic';
import { fromX12_856, toX12_856 } from './x12-856';
import { fromDesadv, toDesadv } from './edifact-desadv';
import { fromX12_855, toX12_855 } from './x12-855';
import { fromOrdrsp, toOrdrsp } from './edifact-ordrsp';

export const purchaseOrder: DocumentKind<PurchaseOrder> = {
  name: 'PurchaseOrder',
  schema: purchaseOrderSchema,
  x12: { type: '850', functionalId: 'PO', version: '004010', read: fromX12_850, write: toX12_850 },
  edifact: { type: 'ORDERS', version: 'D96A', read: fromOrders, write: toOrders },
};

export const invoice: DocumentKind<Invoice> = {
  name: 'Invoice',
  schema: invoiceSchema,
  x12: { type: '810', functionalId: 'IN', version: '004010', read: fromX12_810, write: toX12_810 },
  edifact: { type: 'INVOIC', version: 'D96A', read: fromInvoic, write: toInvoic },
};

export const shipNotice: DocumentKind<ShipNotice> = {
  name: 'ShipNotice',
  schema: shipNoticeSchema,
  x12: { type: '856', functionalId: 'SH', version: '004010', read: fromX12_856, write: toX12_856 },
  edifact: { type: 'DESADV', version: 'D96A', read: fromDesadv, write: toDesadv },
};

export const orderResponse: DocumentKind<OrderResponse> = {
  name: 'OrderResponse',
  schema: orderResponseSchema,
  x12: { type: '855', functionalId: 'PR', version: '004010', read: fromX12_855, write: toX12_855 },
  edifact: { type: 'ORDRSP', version: 'D96A', read: fromOrdrsp, write: toOrdrsp },
};

/** Every canonical business document the gateway knows: the one list that binds transaction types to maps. */
export const documents: readonly DocumentKind[] = [purchaseOrder, invoice, shipNotice, orderResponse];

/** The kind that reads a transaction of this standard and type, where one ships. */
export function documentFor(standard: Standard, type: string): DocumentKind | undefined {
  return documents.find((d) => d[standard].type === type);
}

export function documentNamed(name: string): DocumentKind | undefined {
  return documents.find((d) => d.name === name);
}
