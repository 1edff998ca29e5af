import type { Interchange } from '../model';
import { describeChar, firstUnencodable } from '../charset';
import { mapValues } from '../interchange-text';
import { type TextProblem, TextRefused } from '../text-refused';

type Role = 'element' | 'component' | 'repetition' | 'segment';
const ROLE_NAMES: Record<Role, string> = {
  element: 'element separator',
  component: 'component separator (ISA16)',
  repetition: 'repetition separator (ISA11)',
  segment: 'segment terminator',
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface DelimiterChoice {
  /**
   * Characters the partner accepts as delimiters in place of ours, in order of preference (the partner
   * file's `outbound.x12.delimiters.alternatives`). Absent or empty: a delimiter in the data refuses the
   * document, since X12 has no release character to escape it with.
   */
  alternatives?: string;
}

/**
 * Makes a built X12 interchange's delimiters ones its data does not use. X12 cannot escape: a `*` in a
 * party name would split the element. Each delimiter the data holds is replaced by the first allowed
 * alternative that is neither in the data nor another delimiter; with no such alternative, the document
 * is refused with every place the delimiter occurs (TextRefused). Control characters and text the
 * interchange's charset cannot encode are refused too: X12's character sets hold no control characters
 * and our reader takes line breaks between segments for layout.
 */
export function fitX12Delimiters(ic: Interchange, choice: DelimiterChoice = {}): Interchange {
  const s = ic.syntax;
  const version = ic.header.elements[11];
  const usesRepetition = typeof version === 'string' && version >= '00402';
  const current: Array<[Role, string]> = [
    ['element', s.element],
    ['component', s.component],
    ['segment', s.segment],
    ...(usesRepetition && s.repetition ? [['repetition', s.repetition] as [Role, string]] : []),
  ];
  const cs = s.charset === 'iso-8859-1' ? 'iso-8859-1' : 'utf-8';
  const used = new Set<string>();
  const problems: TextProblem[] = [];
  const skipIsaDelimiters = (id: string, element: number) => id === 'ISA' && (element === 11 || element === 16);
  mapValues(
    ic,
    (v, at) => {
      for (const ch of v) used.add(ch);
      const control = CONTROL.exec(v);
      if (control) problems.push({ ...at, reason: `${describeChar(v, control.index)} is a control character` });
      const bad = firstUnencodable(v, cs);
      if (bad >= 0) problems.push({ ...at, reason: `${describeChar(v, bad)} cannot be encoded in ${cs}` });
      return undefined;
    },
    skipIsaDelimiters,
  );
  if (problems.length) throw new TextRefused(problems);
  const clashes = current.filter(([, ch]) => used.has(ch));
  if (clashes.length === 0) return ic;
  const taken = new Set(current.map(([, ch]) => ch));
  const replacement = new Map<Role, string>();
  for (const [role] of clashes) {
    const pick = [...(choice.alternatives ?? '')].find(
      (ch) => !used.has(ch) && !taken.has(ch) && !/[A-Za-z0-9 ]/.test(ch),
    );
    if (pick === undefined) continue;
    replacement.set(role, pick);
    taken.add(pick);
  }
  const unresolved = clashes.filter(([role]) => !replacement.has(role));
  if (unresolved.length) {
    const why = choice.alternatives
      ? `and none of the alternatives the partner allows (outbound.x12.delimiters.alternatives "${choice.alternatives}") is free`
      : 'and the partner allows no other (outbound.x12.delimiters.alternatives)';
    mapValues(
      ic,
      (v, at) => {
        const held = unresolved.filter(([, ch]) => v.includes(ch));
        if (held.length)
          problems.push({
            ...at,
            reason:
              `the data holds ${held.map(([role, ch]) => `${JSON.stringify(ch)}, the ${ROLE_NAMES[role]},`).join(' and ')} ` +
              `which X12 cannot escape, ${why}`,
          });
        return undefined;
      },
      skipIsaDelimiters,
    );
    throw new TextRefused(problems);
  }
  const next = { ...s };
  for (const [role, ch] of replacement) next[role] = ch;
  ic.syntax = next;
  const isa = ic.header.elements;
  isa[15] = next.component;
  if (usesRepetition && next.repetition) isa[10] = next.repetition;
  return ic;
}
