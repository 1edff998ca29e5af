/**
 * Line-level business data every line kind shares beside its quantity and item numbers: the prices
 * beyond the unit price, the unit price's type and basis, packaging, store allocations and further
 * product ids. The maps are x12-pricing.ts and edifact-pricing.ts; docs/canonical.md has the table.
 */

import type { PackageTypeName, PriceQualifierName, PriceTypeName, ProductIdQualifierName, RawCode } from './code-lists';
import type { PartyIdQualifier } from './common';

export type PriceQualifier = PriceQualifierName | RawCode;
export type PriceType = PriceTypeName | RawCode;

/** A price of a line beside its unit price: X12 CTP / EDIFACT PRI. */
export interface LinePrice {
  /** X12 CTP02 (236) / EDIFACT C509 5125. */
  qualifier: PriceQualifier;
  /** X12 CTP03 / EDIFACT 5118. */
  amount: number;
  /** The quantity the price is for: X12 CTP04 / EDIFACT 5284. */
  basisQuantity?: number;
  /** Its unit (UN/ECE Recommendation 20): X12 CTP05-01 / EDIFACT 6411. */
  basisUnit?: string;
  /** X12 CTP09 (639) / EDIFACT 5375. */
  type?: PriceType;
}

/** How a line is packed: X12 PO4 / EDIFACT PAC with its QTY 52. */
export interface LinePackaging {
  /** Units (or inner packs) per outer pack: X12 PO401 / EDIFACT QTY 52 of the PAC group. */
  pack?: number;
  /** Size of each unit in the pack, and its unit (Rec 20): X12 PO402, PO403; EDIFACT has no element for them. */
  size?: number;
  unit?: string;
  /** X12 PO404 first three characters / EDIFACT PAC C202 7065. */
  packageType?: PackageTypeName | RawCode;
  /** X12 PO404 last two characters (103 material code); EDIFACT has no element for it. */
  packageMaterial?: string;
  /** Weight per pack: X12 PO406 / EDIFACT MEA AAE of the PAC group, C174 6314. */
  weight?: number;
  /** Gross or net: X12 PO405 (187) G / N, EDIFACT MEA C502 6313 G / N; absent when the sender gave none. */
  weightKind?: 'gross' | 'net';
  /** UN/ECE Recommendation 20 unit of `weight` (X12 PO407 converted / EDIFACT C174 6411). */
  weightUnit?: string;
  /** The pack's length, width and height: X12 PO410-PO412 / EDIFACT MEA PD LN, WD, HT of the PAC group. */
  length?: number;
  width?: number;
  height?: number;
  /** Rec 20 unit of the three (X12 PO413 converted / EDIFACT C174 6411, one unit for all three). */
  dimensionUnit?: string;
}

/** A quantity of the line for one store or location: X12 SDQ pairs / EDIFACT LOC+7 with its QTY 11. */
export interface StoreAllocation {
  /** X12 SDQ03, 05... / EDIFACT LOC C517 3225. */
  location: string;
  /** Who issued the location id: X12 SDQ02 (66) / EDIFACT C517 3055, as for parties. */
  idQualifier?: PartyIdQualifier;
  /** X12 SDQ04, 06... / EDIFACT QTY C186 6060. */
  quantity: number;
  /** X12 SDQ01 / EDIFACT QTY C186 6411 (Rec 20). */
  unit?: string;
}

/** A product id beyond the item number fields: X12 qualifier pair (235) / EDIFACT PIA C212 (7143). */
export interface ProductId {
  qualifier: ProductIdQualifierName | RawCode;
  value: string;
}

export interface LineDetails {
  /**
   * What the unit price is when EDIFACT says an invoice price (INV) rather than a calculation price (AAA,
   * or AAB read alike): `invoice`. X12 PO104 / IT104 have no qualifier, so it is EDIFACT's only.
   */
  unitPriceQualifier?: PriceQualifier;
  /** The unit price's type: X12 PO105 / IT105 (639) / EDIFACT C509 5375 of the unit price's PRI. */
  unitPriceType?: PriceType;
  /** The unit the unit price is for, when stated: X12 PE / TE (EA) / EDIFACT 6411 with 5284 = 1. */
  unitPriceUnit?: string;
  prices?: LinePrice[];
  packaging?: LinePackaging[];
  allocations?: StoreAllocation[];
  productIds?: ProductId[];
  /**
   * Where the goods were made, an ISO 3166 country code as sent: X12 the PO1 / IT1 pair CH (235, country
   * of origin) / EDIFACT ALI 3239 of the line (before its ALC groups).
   */
  countryOfOrigin?: string;
}
