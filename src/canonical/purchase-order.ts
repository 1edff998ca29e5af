/**
 * The purchase order as a business document, the same whichever standard carried it: an X12 850 and an
 * EDIFACT ORDERS with the same content read to equal PurchaseOrders (see docs/canonical.md for the
 * element each field comes from and what is not carried).
 */

import type { Carrier, Charge, Equipment, MonetaryAmount, NoteEntry, Packaging, Tax } from './business';
import type { OrderTypeName, RawCode } from './code-lists';
import type { DateRef, DocumentPurpose, ItemIds, Party, PaymentTerms, Reference } from './common';
import type { LineDetails } from './line-details';
import type { DeliveryTerms } from './delivery-terms';
import type { LineSchedule } from './schedules';

export {
  CodeMap,
  ccyymmdd,
  chunks,
  compact,
  isoDate,
  numberOf,
  unitFromX12Code,
  unitToX12Code,
  x12Units,
  type Communication,
  type Contact,
  type DateQualifier,
  type DateRef,
  type ItemIds,
  type Party,
  type PartyIdQualifier,
  type PartyRole,
  type RawCode,
  type Reference,
  type ReferenceQualifier,
} from './common';

/** Why the order was sent: X12 BEG01 (353) / EDIFACT BGM 1225. */
export type OrderPurpose = DocumentPurpose;

/** What kind of order: X12 BEG02 (92) / EDIFACT BGM C002 1001, through the order type list of code-lists.ts. */
export type OrderType = OrderTypeName | RawCode;

export interface OrderLine extends ItemIds, LineDetails {
  /** The line number as sent (X12 PO101, EDIFACT LIN 1082). */
  lineNumber?: string;
  quantity: number;
  /**
   * `discrete` when an ORDERS line gives its quantity as QTY 1 (discrete quantity) rather than 21
   * (ordered), written back so. X12 PO102 has no qualifier: an 850 says neither.
   */
  quantityQualifier?: 'discrete';
  /** UN/ECE Recommendation 20 unit code (EA, CS, KGM...); X12 codes are converted where they differ. */
  unit?: string;
  unitPrice?: number;
  description?: string;
  /** Line references (X12 REF in the line loop / EDIFACT RFF in the line group), any qualifier. */
  references?: Reference[];
  /** Line dates (X12 DTM / EDIFACT DTM), any qualifier. */
  dates?: DateRef[];
  /** Line allowances and charges (X12 SAC in the line loop / EDIFACT ALC in the line group). */
  charges?: Charge[];
  /** Line taxes (X12 TXI / EDIFACT TAX in the line group). */
  taxes?: Tax[];
  /** Line notes (X12 MSG in the PO1 loop, one per note, general only / EDIFACT FTX in the line group). */
  notes?: NoteEntry[];
  /** Delivery schedules (X12 SCH / EDIFACT SCC with its QTY and DTM groups). */
  schedules?: LineSchedule[];
}

export interface PurchaseOrder {
  number: string;
  /** ISO 8601 date (YYYY-MM-DD) the order was issued. */
  date?: string;
  purpose: OrderPurpose;
  type: OrderType;
  /** ISO 4217 currency of the order. */
  currency?: string;
  parties: Party[];
  references: Reference[];
  /** ISO 8601 date (YYYY-MM-DD) delivery is requested for. */
  requestedDelivery?: string;
  /** Other dates of any qualifier (X12 DTM / EDIFACT DTM). */
  dates: DateRef[];
  /** Payment terms (X12 ITD / EDIFACT PAT), as for the Invoice. */
  terms?: PaymentTerms;
  /** Terms of delivery: who pays the transport (X12 FOB / EDIFACT TOD). */
  deliveryTerms?: DeliveryTerms;
  /** Allowances and charges of the whole order (X12 SAC / EDIFACT ALC groups). */
  charges?: Charge[];
  /** Taxes of the whole order (X12 TXI / EDIFACT TAX groups). */
  taxes?: Tax[];
  /** How the goods are to travel (X12 TD5 / EDIFACT TDT). */
  carriers?: Carrier[];
  /** Packages and weights (X12 TD1 / EDIFACT PAC with MEA). */
  packaging?: Packaging[];
  /** Free-form packaging instructions (X12 PKG with PKG01 F, its PKG05 / EDIFACT FTX 4451 PKG). */
  packagingNotes?: string[];
  /** Containers, trailers, rail cars (X12 TD3 / EDIFACT EQD). */
  equipment?: Equipment[];
  lines: OrderLine[];
  totals: {
    /** As sent (X12 CTT01, EDIFACT CNT 2), else the number of lines. */
    lineCount: number;
    /** The order's total (X12 AMT TT / EDIFACT MOA 86). */
    amount?: number;
    /** Further amounts with their qualifier (X12 AMT 1, line items total / EDIFACT MOA 79...). */
    amounts?: MonetaryAmount[];
  };
  /** General notes as text (X12 N9 L1 MSG / EDIFACT FTX AAI); other notes with their qualifier. */
  notes: NoteEntry[];
}
