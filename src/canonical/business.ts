/**
 * Header-level business data the documents share beside parties, references and dates: allowances and
 * charges, qualified notes, taxes, carriers and packaging. Each is mapped between the standards in its
 * own section files (x12-charges.ts / edifact-charges.ts, x12-notes.ts ...), its qualifiers through the
 * code lists of code-lists.ts.
 */

import type {
  AmountQualifierName,
  CarrierIdAgency,
  ChargeCodeName,
  ChargeHandlingName,
  EquipmentTypeName,
  NoteQualifierName,
  PackageTypeName,
  RawCode,
  TaxTypeName,
  TransportModeName,
} from './code-lists';

/** X12 SAC01 (248) / EDIFACT ALC 5463: both standards say A, C and N. */
export type ChargeIndicator = 'allowance' | 'charge' | 'none';

/** An allowance or a charge (X12 SAC / EDIFACT ALC group with its QTY, PCD, MOA and RTE). */
export interface Charge {
  indicator: ChargeIndicator;
  /** What it is for: X12 SAC02 (1300) / EDIFACT ALC C214 7161. */
  code?: ChargeCodeName | RawCode;
  /** X12 SAC15 / EDIFACT ALC C214 7160. */
  description?: string;
  /** X12 SAC05 (implied two decimals) / EDIFACT MOA 8 (23, 204 read too). */
  amount?: number;
  /** X12 SAC07 / EDIFACT PCD 3 (1, 2 read too). X12 needs its SAC06 basis: `percentBasis`. */
  percent?: number;
  /** What the percent is of: X12 SAC06 (378) / EDIFACT PCD C501 5249; no list maps these, so as sent. */
  percentBasis?: RawCode;
  /** Amount per unit: X12 SAC08 / EDIFACT RTE 1. */
  rate?: number;
  /** X12 SAC10 with SAC09 / EDIFACT QTY 1 in the group. */
  quantity?: number;
  /** UN/ECE Recommendation 20 unit of `quantity`. */
  unit?: string;
  /** How it is settled: X12 SAC12 (331) / EDIFACT ALC 4471. */
  handling?: ChargeHandlingName | RawCode;
  /** The allowance or charge number: X12 SAC13 / EDIFACT ALC C552 1230. */
  reference?: string;
}

/** A note that is not a general one (general notes are plain strings in a document's `notes`). */
export interface Note {
  /** X12 NTE01 (363), or N902 of an N9 L1 / EDIFACT FTX 4451. */
  qualifier: NoteQualifierName | RawCode;
  text: string;
}

/** A document's notes: general ones as text, the others with their qualifier. */
export type NoteEntry = string | Note;

/** A tax (X12 TXI / EDIFACT TAX with its MOA). */
export interface Tax {
  /** X12 TXI01 (963) / EDIFACT TAX C241 5153. */
  type: TaxTypeName | RawCode;
  /** X12 TXI02 / EDIFACT MOA 124. */
  amount?: number;
  /** X12 TXI03 / EDIFACT TAX C243 5278. */
  percent?: number;
  /** The amount the percent is of: X12 TXI08 / EDIFACT MOA 125. */
  basisAmount?: number;
  /** X12 TXI06 1 (exempt) or 2 (not) / EDIFACT TAX 5305 E (exempt); a not-exempt tax has no EDIFACT code of its own. */
  exempt?: boolean;
  /** The taxpayer's id: X12 TXI09 / EDIFACT TAX 3446. */
  taxId?: string;
}

/** A carrier and how the goods travel (X12 TD5 / EDIFACT TDT, main carriage). */
export interface Carrier {
  /** X12 TD504 (91) / EDIFACT TDT C220 8067. */
  mode?: TransportModeName | RawCode;
  /** The carrier's id (a SCAC, a D-U-N-S...): X12 TD503 / EDIFACT TDT C040 3127. */
  id?: string;
  /** X12 TD502 (66) / EDIFACT TDT C040 3055. */
  idQualifier?: CarrierIdAgency | RawCode;
  /** The routing or the carrier's name as free text: X12 TD505 / EDIFACT TDT C040 3128. */
  routing?: string;
}

/** A package count with its weight (X12 TD1 / EDIFACT PAC with its MEA). */
export interface Packaging {
  /** X12 TD101 (103) / EDIFACT PAC C202 7065. */
  type?: PackageTypeName | RawCode;
  /** X12 TD102 / EDIFACT PAC 7224. */
  count?: number;
  /** X12 TD105 / EDIFACT PAC C202 7064. */
  description?: string;
  /** X12 TD107 / EDIFACT MEA C174 6314. */
  weight?: number;
  /** Gross or net: X12 TD106 (187) G / N, EDIFACT MEA C502 6313 G / N (AAB and AAA read too). */
  weightKind?: 'gross' | 'net';
  /** UN/ECE Recommendation 20 unit of `weight` (X12 TD108 converted). */
  weightUnit?: string;
}

/** A container, trailer or rail car the goods travel in (X12 TD3 / EDIFACT EQD). */
export interface Equipment {
  /** X12 TD301 (40) / EDIFACT EQD 8053. */
  type?: EquipmentTypeName | RawCode;
  /** X12 TD302 (initial) and TD303 (number) joined / EDIFACT EQD C237 8260 (`ABCU1234567`). */
  id?: string;
}

/** A monetary amount beside the ones a document has fields for (X12 AMT / EDIFACT MOA), through the amount list. */
export interface MonetaryAmount {
  /** X12 AMT01 (522) / EDIFACT MOA C516 5025. */
  qualifier: AmountQualifierName | RawCode;
  amount: number;
}
