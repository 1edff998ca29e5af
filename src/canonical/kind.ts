import type { z } from 'zod';
import type { Segment, Transaction } from '../edi/model';

export type DocumentName = 'PurchaseOrder' | 'Invoice' | 'ShipNotice' | 'OrderResponse';

/**
 * One canonical business document and the transaction of each standard that carries it: how to read
 * one into the document and write the document back as the body between ST/SE (UNH/UNT), and the
 * schema a document from outside the readers (canonical JSON, a partner's map) must pass first.
 */
export interface DocumentKind<D = unknown> {
  name: DocumentName;
  /** Accepts exactly the document (unknown keys are errors) and fills its defaults; see checkDocument. */
  schema: z.ZodType<D>;
  /** `version`: what the document is written in unless the partner says otherwise (outbound.x12.version / edifact.directory). */
  x12: { type: string; functionalId: string; version: '004010'; read(tx: Transaction): D; write(doc: D): Segment[] };
  edifact: { type: string; version: 'D96A'; read(tx: Transaction): D; write(doc: D): Segment[] };
}
