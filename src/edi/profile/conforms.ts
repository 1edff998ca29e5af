import type { Element } from '../model';
import { validDate, validDate6, validTime } from '../x12/dates';
import { gs1CheckDigitValid } from '../gs1';
import { dateFits } from './date-format';
import {
  type CompiledRule,
  type ElementCheck,
  Kind,
  type ValueCheck,
  digitsOnly,
  elementPresent,
  hasControl,
  hasDigit,
  numberDigits,
  present,
  ruleFailure,
} from './elements';

/**
 * Whether a segment placed at one profile position would give no element finding at all; false
 * whenever it might, and `checkElements` then checks it again and says what.
 */
export type Conforms = (elements: Element[]) => boolean;

/** Digits of an N-type value (`-` allowed first, not counted), or -1 when it is not one. */
function intDigits(v: string): number {
  const from = v.charCodeAt(0) === 45 ? 1 : 0;
  return digitsOnly(v, from) ? v.length - from : -1;
}

const helpers = {
  intDigits,
  numberDigits,
  hasControl,
  hasDigit,
  validDate,
  validDate6,
  validTime,
  gs1: gs1CheckDigitValid,
  dateFits,
  present,
  elementPresent,
  ruleFailure,
};

/**
 * The source of a test that is true when the non-empty string `x` fails c: the same tests as
 * `valueFinding`, in whatever order, with the position's type, lengths and code list written in.
 */
function badValue(x: string, c: ValueCheck, sets: Array<Set<string>>): string {
  if (c.kind === Kind.Binary) return '';
  const tests: string[] = [];
  const maxTest = c.max === Infinity ? '' : ` || n > ${c.max}`;
  switch (c.kind) {
    case Kind.Int:
      tests.push(`(n = h.intDigits(${x})) < ${c.min}${maxTest}`);
      break;
    case Kind.Decimal:
      tests.push(`(n = h.numberDigits(${x}, -1, true)) < ${c.min}${maxTest}`);
      break;
    case Kind.Numeric:
      tests.push(`(n = h.numberDigits(${x}, 44, false)) < ${c.min}${maxTest}`);
      break;
    default: {
      // A date or time that reads as one is all digits: it holds no control character.
      if (c.kind === Kind.Date) tests.push(`!(h.validDate(${x}) || h.validDate6(${x}))`);
      else if (c.kind === Kind.Time) tests.push(`!h.validTime(${x})`);
      else tests.push(`h.hasControl(${x})`);
      if (c.kind === Kind.Alpha) tests.push(`h.hasDigit(${x})`);
      // A non-empty value is at least one character long.
      if (c.min > 1) tests.push(`${x}.length < ${c.min}`);
      if (c.max !== Infinity) tests.push(`${x}.length > ${c.max}`);
    }
  }
  if (c.codes) {
    tests.push(`!s[${sets.length}].has(${x})`);
    sets.push(c.codes);
  }
  if (c.gs1) tests.push(`!h.gs1(${x})`);
  return tests.join(' || ');
}

function ifBad(x: string, c: ValueCheck, sets: Array<Set<string>>, indent: string): string[] {
  const bad = badValue(x, c, sets);
  return bad ? [`${indent}if (${bad}) return false;`] : [];
}

/** The source that checks element i (read into `e`; the segment has at least i + 1 elements) against c. */
function elementSource(c: ElementCheck, i: number, sets: Array<Set<string>>): string[] {
  const absent = c.mandatory ? ['    return false;'] : [];
  const onPresent = [...(c.usage === 'N' ? ['    return false;'] : []), ...(i < 31 ? [`    mask |= ${1 << i};`] : [])];
  const lines = [`  e = els[${i}];`];
  const defs = c.composite;
  if (!defs) {
    lines.push(
      `  if (typeof e !== 'string') return false;`,
      `  if (e !== '') {`,
      ...onPresent,
      ...ifBad('e', c, sets, '    '),
    );
    lines.push(...(absent.length ? ['  } else {', ...absent] : []), '  }');
    return lines;
  }
  // A composite sent as one value is its first component; any later required one is then missing.
  const laterRequired = defs.slice(1).some((d) => d.mandatory);
  lines.push(`  if (typeof e === 'string') {`, `    if (e !== '') {`);
  lines.push(...onPresent.map((l) => '  ' + l));
  if (laterRequired) lines.push('      return false;');
  else lines.push(...ifBad('e', defs[0], sets, '      '));
  lines.push(...(absent.length ? ['    } else {', ...absent.map((l) => '  ' + l)] : []), '    }');
  lines.push(`  } else if (Array.isArray(e) && h.present(e)) {`, ...onPresent);
  lines.push(`    for (let j = ${defs.length}; j < e.length; j++) if (e[j] !== '') return false;`);
  defs.forEach((d, k) => {
    const bad = badValue('x', d, sets);
    const test = d.mandatory ? `x === ''${bad ? ` || ${bad}` : ''}` : bad ? `x !== '' && (${bad})` : '';
    if (test) lines.push(`    x = e.length > ${k} ? e[${k}] : '';`, `    if (${test}) return false;`);
  });
  const df = c.dateFormat;
  if (df) {
    lines.push(
      `    x = e.length > ${df.value} ? e[${df.value}] : '';`,
      `    if (x !== '' && !h.dateFits(x, e.length > ${df.format} ? e[${df.format}] : '')) return false;`,
    );
  }
  // All components empty (absent: wrong only where required), or repeats: checkElements tells which.
  lines.push(`  } else ${c.mandatory ? 'return false;' : 'if (!Array.isArray(e)) return false;'}`);
  return lines;
}

/** The source that tests one syntax note on the presence mask, as `ruleHolds` does. */
function ruleSource(r: CompiledRule, j: number): string {
  if (r.bits < 0) return `  if (h.ruleFailure(r[${j}], els) !== undefined) return false;`;
  const b = r.bits;
  const f = r.first;
  switch (r.kind) {
    case 'P':
      return `  m = mask & ${b}; if (m !== 0 && m !== ${b}) return false;`;
    case 'R':
      return `  if ((mask & ${b}) === 0) return false;`;
    case 'E':
      return `  m = mask & ${b}; if ((m & (m - 1)) !== 0) return false;`;
    case 'C':
      return `  m = mask & ${b}; if ((m & ${f}) !== 0 && m !== ${b}) return false;`;
    case 'L':
      return `  m = mask & ${b}; if ((m & ${f}) !== 0 && (m & ${~f}) === 0) return false;`;
    default:
      return '';
  }
}

/**
 * Compiles, once per profile position, the test that a segment there conforms: its definitions'
 * types, lengths, code lists, usage and its syntax notes written into one function, with no dispatch
 * on kind or usage per element. `checkElements` did that dispatch for every element of every segment
 * (a quarter of validation's CPU on the bench's 850s), though nearly every segment passes it. This
 * only says yes or no; a no runs `checkElements`, so findings come from one place only. The source
 * holds numbers from the profile (positions, lengths, masks) and nothing else: code lists are passed
 * in as Sets, and no value of the data is ever written into it.
 */
export function compileConforms(checks: readonly ElementCheck[], rules: readonly CompiledRule[]): Conforms {
  const sets: Array<Set<string>> = [];
  let lastRequired = -1;
  checks.forEach((c, i) => {
    if (c.mandatory) lastRequired = i;
  });
  const lines = ['const k = els.length;'];
  if (lastRequired >= 0) lines.push(`if (k <= ${lastRequired}) return false;`);
  lines.push('let mask = 0, e, x, n, m;', 'elements: {');
  checks.forEach((c, i) => {
    if (i > lastRequired) lines.push(`  if (k <= ${i}) break elements;`);
    lines.push(...elementSource(c, i, sets));
  });
  lines.push('}');
  lines.push(`for (let i = ${checks.length}; i < k; i++) if (h.elementPresent(els[i])) return false;`);
  rules.forEach((r, j) => lines.push(ruleSource(r, j)));
  lines.push('return true;');
  // Source made from the profile's numbers only (above).
  const make = new Function('h', 's', 'r', `return function conforms(els) {\n${lines.join('\n')}\n};`) as (
    h: typeof helpers,
    s: Array<Set<string>>,
    r: readonly CompiledRule[],
  ) => Conforms;
  return make(helpers, sets, rules);
}
