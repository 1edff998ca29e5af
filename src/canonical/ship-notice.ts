/**
 * The ship notice (advance ship notice, despatch advice) as a business document, the same whichever
 * standard carried it: an X12 856 and an EDIFACT DESADV with the same content read to equal ShipNotices
 * (see docs/canonical.md for the element each field comes from and what is not carried).
 *
 * One shipment, the orders it fills and the items of each order; beside them the packages the items
 * travel in (X12 HL P and T levels, EDIFACT CPS groups below the top one), each naming the package it
 * sits in, and each item naming its innermost package. Orders list every item, packed or not, so code
 * that reads `orders[].items` sees them all whatever the packing.
 */

import type { Carrier, Equipment, Packaging } from './business';
import type { MarkQualifierName, MeasurementName, RawCode } from './code-lists';
import type { DateRef, DocumentPurpose, ItemIds, Party, PartyRole, Reference, ReferenceQualifier } from './common';
import type { LineDetails } from './line-details';

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
  /** The `id` of the innermost package the item is packed in; absent for an item not packed. */
  pack?: string;
}

/** A package's marks and numbers (X12 MAN / EDIFACT PCI with GIN). */
export interface Mark {
  /** X12 MAN01 (88) / EDIFACT GIN 7405: `sscc` is MAN GM / GIN BJ. */
  qualifier: MarkQualifierName | RawCode;
  /** The number as sent (an SSCC-18, with or without its application identifier 00). */
  value: string;
}

/** A measurement of the shipment or of a package (X12 MEA / EDIFACT MEA with 6311 PD). */
export interface Measurement {
  /** X12 MEA02 (738) / EDIFACT MEA C502 6313. */
  dimension: MeasurementName | RawCode;
  /** X12 MEA03 / EDIFACT MEA C174 6314. */
  value: number;
  /** UN/ECE Recommendation 20 unit (X12 MEA04 converted as PO103 / EDIFACT C174 6411). */
  unit?: string;
}

/** A package of the shipment: a pallet (tare) or a carton (pack), and what it sits in. */
export interface ShippedPack {
  /** The package's id within the notice; the readers number packages 1, 2, 3... in the order they come. */
  id: string;
  /** The `id` of the package it sits in (a carton on a pallet); absent for a package of the shipment itself. */
  parent?: string;
  /** X12 HL03 T (shipping tare) or P (pack) / EDIFACT CPS 7075 3 (outer packaging level) or not given. */
  level: 'tare' | 'pack';
  /** The package's count, type and weight (X12 TD1 of the level / EDIFACT PAC with its MEA AAE). */
  packaging?: Packaging[];
  /** Its marks and numbers (X12 MAN / EDIFACT PCI and GIN of its PAC). */
  marks?: Mark[];
  /** Its dimensions and weights (X12 MEA / EDIFACT MEA PD after its PAC). */
  measurements?: Measurement[];
}

export interface ShippedOrder {
  /**
   * The buyer's purchase order number (X12 PRF01, EDIFACT RFF ON on each of its lines). An order with
   * neither number nor date holds the items the ship notice ties to no order.
   */
  number?: string;
  orderDate?: string;
  /** References of the order level (X12 REF in HL O; a DESADV has no place for them). */
  references?: Reference[];
  /** Dates of the order level (X12 DTM in HL O; a DESADV has no place for them). */
  dates?: DateRef[];
  /** Parties of the order level (X12 N1 loops in HL O; a DESADV has no place for them). */
  parties?: Array<Party<ShipNoticeRole>>;
  items: ShippedItem[];
}

export interface ShipNotice {
  /** The shipment's id (X12 BSN02, EDIFACT BGM 1004). */
  number: string;
  /** ISO 8601 date (YYYY-MM-DD) the notice was issued. */
  date?: string;
  /** The time of day it was issued, HH:MM or HH:MM:SS as sent (X12 BSN04 / EDIFACT DTM 137 in format 203 or 204). */
  time?: string;
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
  /** Dimensions and weights of the whole shipment (X12 MEA of the shipment level / EDIFACT MEA PD before SG1). */
  measurements?: Measurement[];
  /** The packages, parents before the packages in them (X12 HL P and T / EDIFACT CPS with a parent). */
  packs?: ShippedPack[];
  orders: ShippedOrder[];
}
