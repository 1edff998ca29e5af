/**
 * The ship notice (advance ship notice, despatch advice) as a business document, the same whichever
 * standard carried it: an X12 856 and an EDIFACT DESADV with the same content read to equal ShipNotices
 * (see docs/canonical.md for the element each field comes from and what is not carried).
 *
 * The hierarchy is kept simple: one shipment, the orders it fills, the items of each order. Packaging
 * levels (X12 HL P/T, EDIFACT CPS/PAC) are not carried.
 */

import type { DocumentKind } from './kind';
import type { Carrier, Equipment, Packaging } from './business';
import { shipNoticeSchema } from './schemas';
import type { DateRef, DocumentPurpose, ItemIds, Party, PartyRole, Reference, ReferenceQualifier } from './common';
import type { LineDetails } from './line-details';
import { fromX12_856, toX12_856 } from './x12-856';
import { fromDesadv, toDesadv } from './edifact-desadv';

/** Every document knows every role and reference kind (code-lists.ts); the names stay for the code that used them. */
export type ShipNoticeRole = PartyRole;
export type ShipReferenceQualifier = ReferenceQualifier;

export interface ShippedItem extends ItemIds, Pick<LineDetails, 'productIds'> {
  /** The line number as sent (X12 LIN01, else SN101; EDIFACT LIN 1082). */
  lineNumber?: string;
  /** How many were shipped (X12 SN102, EDIFACT QTY 12). */
  quantity: number;
  /** UN/ECE Recommendation 20 unit code; X12 codes are converted where they differ. */
  unit?: string;
  /** How many were ordered, in the same unit (X12 SN105, EDIFACT QTY 21). */
  orderedQuantity?: number;
  description?: string;
  /** Line references (X12 REF in the line loop / EDIFACT RFF in the line group), any qualifier. */
  references?: Reference[];
  /** Line dates (X12 DTM / EDIFACT DTM), any qualifier. */
  dates?: DateRef[];
}

export interface ShippedOrder {
  /**
   * The buyer's purchase order number (X12 PRF01, EDIFACT RFF ON on each of its lines). An order with
   * neither number nor date holds the items the ship notice ties to no order.
   */
  number?: string;
  orderDate?: string;
  items: ShippedItem[];
}

export interface ShipNotice {
  /** The shipment's id (X12 BSN02, EDIFACT BGM 1004). */
  number: string;
  /** ISO 8601 date (YYYY-MM-DD) the notice was issued. */
  date?: string;
  purpose: DocumentPurpose;
  /** ISO 8601 date the goods were shipped. */
  shipped?: string;
  /** ISO 8601 date the goods are expected to arrive. */
  estimatedDelivery?: string;
  parties: Array<Party<ShipNoticeRole>>;
  references: Array<Reference<ShipReferenceQualifier>>;
  /** Other dates of any qualifier (X12 DTM / EDIFACT DTM). */
  dates: DateRef[];
  /** How the goods travel (X12 TD5 of the shipment level / EDIFACT TDT). */
  carriers?: Carrier[];
  /** Packages and weights of the shipment (X12 TD1 of the shipment level / EDIFACT PAC with MEA before the first line). */
  packaging?: Packaging[];
  /** Containers, trailers, rail cars (X12 TD3 of the shipment level / EDIFACT EQD). */
  equipment?: Equipment[];
  orders: ShippedOrder[];
}

export const shipNotice: DocumentKind<ShipNotice> = {
  name: 'ShipNotice',
  schema: shipNoticeSchema,
  x12: { type: '856', functionalId: 'SH', version: '004010', read: fromX12_856, write: toX12_856 },
  edifact: { type: 'DESADV', version: 'D96A', read: fromDesadv, write: toDesadv },
};
