/**
 * The seller's answer to a purchase order as a business document, the same whichever standard carried
 * it: an X12 855 and an EDIFACT ORDRSP with the same content read to equal OrderResponses (see
 * docs/canonical.md for the element each field comes from and what is not carried).
 */

import type { Charge, MonetaryAmount, NoteEntry, Tax } from './business';
import type { DateRef, DocumentPurpose, ItemIds, Party, PartyRole, PaymentTerms, RawCode, Reference } from './common';
import type { LineDetails } from './line-details';
import type { LineSchedule } from './schedules';

/** The answer to the whole order: X12 BAK02 (587) / EDIFACT BGM 4343. */
export type ResponseStatus = 'accepted' | 'changed' | 'rejected';

/** The answer to one line: X12 ACK01 (668) / EDIFACT LIN 1229 (with QTY 83 for a back order). */
export type LineStatus = 'accepted' | 'rejected' | 'changed' | 'backordered';

export interface ResponseLine extends ItemIds, LineDetails {
  /** The line number as sent (X12 PO101, EDIFACT LIN 1082). */
  lineNumber?: string;
  status?: LineStatus;
  /** The quantity ordered (X12 PO102, EDIFACT QTY 21). */
  quantity?: number;
  /** UN/ECE Recommendation 20 unit code of both quantities; X12 codes are converted where they differ. */
  unit?: string;
  unitPrice?: number;
  /**
   * The quantity the status speaks of (X12 ACK02): to be delivered for an accepted, changed or rejected
   * line (EDIFACT QTY 113), on back order for a backordered one (EDIFACT QTY 83).
   */
  confirmedQuantity?: number;
  /** ISO 8601 date the seller expects to deliver the line. */
  estimatedDelivery?: string;
  description?: string;
  /** Line references (X12 REF in the line loop / EDIFACT RFF in the line group), any qualifier. */
  references?: Reference[];
  /** Line dates (X12 DTM / EDIFACT DTM), any qualifier. */
  dates?: DateRef[];
  /** Line allowances and charges (X12 SAC in the line loop / EDIFACT ALC in the line group). */
  charges?: Charge[];
  /** Line taxes (X12 TXI in the PO1 loop / EDIFACT TAX in the line group). */
  taxes?: Tax[];
  /** Line amounts (X12 AMT of the PO1 loop, one / EDIFACT MOA of the line group). */
  amounts?: MonetaryAmount[];
  /** Parties of the line (X12 N1 loop of the PO1 loop / EDIFACT NAD group of the line), any role. */
  parties?: Party[];
  /** The delivery schedules the seller answers with (X12 SCH of the PO1 loop / EDIFACT SG51 SCC groups). */
  schedules?: LineSchedule[];
}

export interface OrderResponse {
  /** The seller's number for the response or its order (X12 BAK08, EDIFACT BGM 1004). */
  number?: string;
  /** ISO 8601 date (YYYY-MM-DD) the response was issued. */
  date?: string;
  purpose: DocumentPurpose;
  status: ResponseStatus;
  /**
   * How an accepted order was answered, where both lists have one code for it: X12 BAK02 AD / EDIFACT BGM
   * 4343 AD (acknowledged with detail, no change). Absent: the code written for the status (AT / AP).
   */
  statusDetail?: 'with-detail-no-change';
  /** The buyer's purchase order number being answered. */
  orderNumber: string;
  orderDate?: string;
  /** ISO 4217 currency. */
  currency?: string;
  /** Whose currency it is when X12 says another party than the seller (CUR01 (98), SE written); EDIFACT CUX has no party. */
  currencyParty?: PartyRole;
  /** EDIFACT CUX C504 6347 when another than the reference currency (2), as sent; X12 CUR has no such code. */
  currencyUsage?: RawCode;
  parties: Party[];
  references: Reference[];
  /** Dates of any qualifier (X12 DTM / EDIFACT DTM). */
  dates: DateRef[];
  /** Payment terms (X12 ITD / EDIFACT PAT), as for the Invoice. */
  terms?: PaymentTerms;
  lines: ResponseLine[];
  totals: {
    /** As sent (X12 CTT01, EDIFACT CNT 2), else the number of lines. */
    lineCount: number;
    /** Total amount (X12 AMT TT / EDIFACT MOA 86). */
    amount?: number;
    /** Further totals (X12 AMT of the CTT loop, one / EDIFACT MOA after UNS): line items total (AMT 1 / MOA 79)... */
    amounts?: MonetaryAmount[];
    /**
     * Allowance and charge totals (EDIFACT SG56 ALC groups). The 855 has no summary SAC: these are written
     * in its header SAC loop, and read back as `charges`.
     */
    charges?: Charge[];
  };
  /** Allowances and charges of the whole response (X12 SAC / EDIFACT ALC groups). */
  charges?: Charge[];
  /** Taxes of the whole response (X12 TXI / EDIFACT TAX groups). */
  taxes?: Tax[];
  /** General notes as text (X12 N9 L1 MSG / EDIFACT FTX AAI); other notes with their qualifier. */
  notes: NoteEntry[];
}

/** True when the response is written with the code both lists have for an accepted order answered with detail and no change (AD). */
export const withDetail = (r: OrderResponse): boolean =>
  r.status === 'accepted' && r.statusDetail === 'with-detail-no-change';
