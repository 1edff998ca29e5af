/**
 * The one internalized copy of s: the string V8 keeps for property names and literals. Two
 * internalized strings are equal only if they are the same string, so comparing or looking up a
 * segment tag against a profile's is a pointer test; otherwise each `===` and each Map probe whose
 * hash matched compared the characters in a call of its own (String::Equals: ~5% of the X12 parse).
 * A property key is internalized on definition, and Object.keys hands that copy back.
 */
export function intern(s: string): string {
  const o: Record<string, number> = {};
  o[s] = 0;
  return Object.keys(o)[0] ?? s;
}
