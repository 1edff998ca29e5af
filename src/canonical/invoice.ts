/**
 * The invoice as a business document, the same whichever standard carried it: an X12 810 and an
 * EDIFACT INVOIC with the same content read to equal Invoices (see docs/canonical.md for the element
 * each field comes from and what is not carried).
 */

import type { Carrier, Charge, MonetaryAmount, NoteEntry, Tax } from './business';
import type { DateRef, DocumentPurpose, ItemIds, Party, PartyRole, PaymentTerms, RawCode, Reference } from './common';
import type { DeliveryTerms } from './delivery-terms';
import type { LineDetails } from './line-details';

export type { PaymentTerms } from './common';

/** What the invoice claims: X12 BIG07 (640) / EDIFACT BGM C002 1001. */
export type InvoiceType = 'invoice' | 'credit' | 'debit' | 'consolidated';

/** Every document knows every role (code-lists.ts); the name stays for the code that used it. */
export type InvoiceRole = PartyRole;

export interface InvoiceLine extends ItemIds, LineDetails {
  /** The line number as sent (X12 IT101, EDIFACT LIN 1082). */
  lineNumber?: string;
  quantity: number;
  /**
   * What the quantity counts when the INVOIC gives no invoiced quantity (QTY 47): the despatched (12) or
   * the delivered (46) one. X12 IT102 is the invoiced quantity and has no such qualifier.
   */
  quantityQualifier?: 'despatched' | 'delivered';
  /** UN/ECE Recommendation 20 unit code; X12 codes are converted where they differ. */
  unit?: string;
  /**
   * The units shipped beside the invoiced quantity: X12 IT301 / EDIFACT QTY 12 (despatched quantity). A
   * line whose quantity is the despatched one (`quantityQualifier`) states it there, not here.
   */
  shippedQuantity?: number;
  /** Rec 20 unit of the shipped quantity (IT302 / the 6411 of the QTY 12). */
  shippedUnit?: string;
  unitPrice?: number;
  description?: string;
  /** Line references (X12 REF in the line loop / EDIFACT RFF in the line group), any qualifier. */
  references?: Reference[];
  /** Line dates (X12 DTM / EDIFACT DTM), any qualifier. */
  dates?: DateRef[];
  /** Line allowances and charges (X12 SAC in the line loop / EDIFACT ALC in the line group). */
  charges?: Charge[];
  /** Line taxes (X12 TXI in the IT1 loop / EDIFACT TAX in the line group). */
  taxes?: Tax[];
  /** Line amounts (EDIFACT MOA of the line group: 203 line item amount...); the 810 IT1 loop has no AMT. */
  amounts?: MonetaryAmount[];
  /** Parties of the line (X12 N1 loop of the IT1 loop / EDIFACT NAD group of the line), any role. */
  parties?: Party[];
}

export interface Invoice {
  number: string;
  /** ISO 8601 date (YYYY-MM-DD) the invoice was issued. */
  date?: string;
  type: InvoiceType;
  purpose: DocumentPurpose;
  /** The buyer's purchase order this invoice bills. */
  orderNumber?: string;
  orderDate?: string;
  /** ISO 4217 currency of the invoice. */
  currency?: string;
  /** Whose currency it is when X12 says another party than the seller (CUR01 (98), SE written); EDIFACT CUX has no party. */
  currencyParty?: PartyRole;
  /** EDIFACT CUX C504 6347 when another than the reference currency (2), as sent; X12 CUR has no such code. */
  currencyUsage?: RawCode;
  parties: Array<Party<InvoiceRole>>;
  references: Reference[];
  /** Dates of any qualifier but the invoice's own (X12 DTM / EDIFACT DTM). */
  dates: DateRef[];
  terms?: PaymentTerms;
  /** Terms of delivery (X12 FOB / EDIFACT SG12 TOD), as for the PurchaseOrder. */
  deliveryTerms?: DeliveryTerms;
  /** How the goods travelled (X12 CAD of the summary / EDIFACT SG9 TDT). */
  carriers?: Carrier[];
  /** Allowances and charges of the whole invoice (X12 SAC in the summary / EDIFACT ALC groups before the lines). */
  charges?: Charge[];
  /** Taxes but the total (X12 TXI in the summary but TX / EDIFACT TAX groups after UNS). */
  taxes?: Tax[];
  lines: InvoiceLine[];
  totals: {
    /** As sent (X12 CTT01, EDIFACT CNT 2), else the number of lines. */
    lineCount: number;
    /** Total invoice amount (X12 TDS01, EDIFACT MOA 77). */
    amount?: number;
    /** Total of all taxes (X12 TXI TX, EDIFACT MOA 176). */
    taxAmount?: number;
    /** Further totals (X12 AMT of the summary / EDIFACT MOA of SG48): line items total, total amount... */
    amounts?: MonetaryAmount[];
    /**
     * Allowance and charge totals (EDIFACT SG51 ALC groups). X12 has one place for an invoice's charges,
     * the summary SAC loop: these are written there too, and read back as `charges`.
     */
    charges?: Charge[];
  };
  /** General notes as text (X12 NTE GEN / EDIFACT FTX AAI); other notes with their qualifier. */
  notes: NoteEntry[];
}
