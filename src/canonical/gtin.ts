/**
 * GTINs keep their digits as sent (canonical documents compare equal across standards), and each
 * standard gets the qualifier that says what they are: a 12-digit UPC-A is never labelled an EAN-13,
 * whose 13 digits it does not have.
 */

/** X12 235 qualifier and value: UP for 12 digits (UCC-12), UK for 14 (GTIN-14), else EN (EAN-13, EAN-8). */
export function x12Gtin(value: string): [string, string] {
  if (/^\d{12}$/.test(value)) return ['UP', value];
  if (/^\d{14}$/.test(value)) return ['UK', value];
  return ['EN', value];
}

/**
 * EDIFACT 7143 item number type: UP (UPC) for 12 digits, else EN (EAN). Writing the UPC as EN would
 * need a leading zero that would then read back as a different (13-digit) value.
 */
export function edifactGtinType(value: string): string {
  return /^\d{12}$/.test(value) ? 'UP' : 'EN';
}
