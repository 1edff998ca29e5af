/**
 * GS1 keys (GTIN-8/12/13/14, GLN, SSCC) end in a mod-10 check digit: the digits before it are
 * weighted 3, 1, 3, … from the right, and the check digit brings the sum to a multiple of ten.
 */
export function gs1CheckDigitValid(v: string): boolean {
  const n = v.length;
  if (n < 2) return false;
  let sum = 0;
  for (let i = n - 2, w = 3; i >= 0; i--, w = 4 - w) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    sum += d * w;
  }
  const check = v.charCodeAt(n - 1) - 48;
  return check >= 0 && check <= 9 && (10 - (sum % 10)) % 10 === check;
}
