import type { Standard } from '../edi/model';
import { edifactGtinType, x12Gtin } from './gtin';

/**
 * The codes a line's item numbers are sent under (X12 235 / EDIFACT 7143) and the field of the line each
 * fills. Several codes fill one field (X12 VP and VN both a vendor's number), so the field alone would
 * write every one of them back as the field's first code: VN would come back VP. The code as sent is
 * therefore kept beside the number (`itemIdQualifiers`) wherever writing the field would not give it
 * back, and a writer whose list has that code for the field writes it (issue 14). A code the other
 * standard lacks (X12 CB, EDIFACT SA) becomes that standard's own code there, which the loss check reports
 * as "changed to".
 */

export type ItemField = 'buyerItem' | 'vendorItem' | 'manufacturerItem' | 'gtin' | 'isbn';

/** X12 235 codes and the field each fills; the first for a field is written when nothing else is said. */
export const x12ItemQualifiers: ReadonlyArray<readonly [string, ItemField]> = [
  ['IN', 'buyerItem'],
  ['BP', 'buyerItem'],
  ['CB', 'buyerItem'],
  ['VP', 'vendorItem'],
  ['VN', 'vendorItem'],
  ['VA', 'vendorItem'],
  ['MG', 'manufacturerItem'],
  ['EN', 'gtin'],
  ['UP', 'gtin'],
  ['UK', 'gtin'],
  ['UA', 'gtin'],
  ['IB', 'isbn'],
];

/**
 * EDIFACT 7143 item number types and the field each fills, likewise. The first codes of a field agree with
 * X12's where both lists have them, so a number no code is kept for means the same code in both. For a
 * buyer's number that is IN (buyer's item number), the code EANCOM and most retail partners send; BP (buyer's
 * part number) is kept beside the number and written back as BP in either standard.
 */
export const edifactItemTypes: ReadonlyArray<readonly [string, ItemField]> = [
  ['EN', 'gtin'],
  ['UP', 'gtin'],
  ['SRV', 'gtin'],
  ['IN', 'buyerItem'],
  ['BP', 'buyerItem'],
  ['SA', 'vendorItem'],
  ['VN', 'vendorItem'],
  ['MF', 'manufacturerItem'],
  ['IB', 'isbn'],
];

const lists: Record<Standard, ReadonlyArray<readonly [string, ItemField]>> = {
  x12: x12ItemQualifiers,
  edifact: edifactItemTypes,
};

/** The field a code fills in a standard, if any. */
export function itemField(standard: Standard, code: string): ItemField | undefined {
  return lists[standard].find(([q]) => q === code)?.[1];
}

/** Whether a standard's list has this code for this field. */
export function hasItemCode(standard: Standard, field: ItemField, code: string): boolean {
  return lists[standard].some(([q, f]) => q === code && f === field);
}

/** The code a standard writes for a field when nothing else is said: its first, or what a GTIN's length calls for. */
export function defaultItemCode(standard: Standard, field: ItemField, value: string): string {
  if (field === 'gtin') return standard === 'x12' ? x12Gtin(value)[0] : edifactGtinType(value);
  return lists[standard].find(([, f]) => f === field)?.[0] ?? '';
}

/**
 * Whether the code an item number was read under must be kept for a round trip to give it back: when it
 * is not what its standard writes anyway. The written codes agree where both lists have them (BP, EN or
 * UP by a GTIN's length...), so a number without a kept code means the same code in both.
 */
export function keepsItemCode(standard: Standard, field: ItemField, code: string, value: string): boolean {
  return code !== defaultItemCode(standard, field, value);
}

/** The code to write for a field: the one it was sent under where this standard has it, else the default. */
export function itemCodeToWrite(standard: Standard, field: ItemField, value: string, sent: string | undefined): string {
  return sent !== undefined && hasItemCode(standard, field, sent) ? sent : defaultItemCode(standard, field, value);
}
