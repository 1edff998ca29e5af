import type { Segment, Transaction } from '../edi/model';

export type DocumentName = 'PurchaseOrder' | 'Invoice' | 'ShipNotice' | 'OrderResponse';

/**
 * One canonical business document and the transaction of each standard that carries it: how to read
 * one into the document and write the document back as the body between ST/SE (UNH/UNT).
 */
export interface DocumentKind<D = unknown> {
  name: DocumentName;
  x12: { type: string; functionalId: string; version: '004010'; read(tx: Transaction): D; write(doc: D): Segment[] };
  edifact: { type: string; version: 'D96A'; read(tx: Transaction): D; write(doc: D): Segment[] };
}
