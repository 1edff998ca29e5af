import type { Diagnostic, Element, Location, Segment, Standard, Value } from '../model';
import { text } from '../model';
import { diagnostic } from '../diagnostic';
import type { ComponentDef, ElementDef, Usage } from './schema';
import { type Finding, codeFor } from './codes';
import { validDate, validDate6, validTime } from '../x12/dates';
import { gs1CheckDigitValid } from '../gs1';
import { dateFits, datePicture } from './date-format';

/**
 * Element checks compiled once per profile position, so that checking a conforming segment builds
 * nothing: names, locations and messages are made only for a value that fails.
 */
export const enum Kind {
  Text,
  Id,
  Int,
  Decimal,
  Date,
  Time,
  Binary,
  Alpha,
  Numeric,
}

export interface ValueCheck {
  kind: Kind;
  min: number;
  max: number;
  codes: Set<string> | undefined;
  /** The value must end in a valid GS1 check digit (`format: gs1-check-digit`). */
  gs1: boolean;
  mandatory: boolean;
  ref: string | undefined;
  name: string | undefined;
}

export interface ElementCheck extends ValueCheck {
  /** Position id in the tree (`BEG03`). */
  key: string;
  usage: Usage;
  repeat: number;
  composite: ValueCheck[] | undefined;
  /**
   * Where a composite carries a date and its format code (EDIFACT C507: 2380 and 2379), their
   * 0-based component positions: the date is then checked against the format the code names.
   */
  dateFormat?: { value: number; format: number };
}

export interface CompiledRule {
  kind: string;
  /** 0-based element positions. */
  positions: number[];
  text: string;
  /**
   * The positions as a bit mask (bit p for position p), and the first one's bit: the rule is then
   * tested against the segment's presence mask in a few instructions. -1 when a position is past 30
   * or repeated; such a rule is tested position by position.
   */
  bits: number;
  first: number;
}

function kindOf(t: string): Kind {
  switch (t) {
    case 'ID':
      return Kind.Id;
    case 'R':
      return Kind.Decimal;
    case 'DT':
      return Kind.Date;
    case 'TM':
      return Kind.Time;
    case 'B':
      return Kind.Binary;
    case 'a':
      return Kind.Alpha;
    case 'n':
      return Kind.Numeric;
    case 'AN':
    case 'an':
      return Kind.Text;
    default:
      return /^N\d?$/.test(t) ? Kind.Int : Kind.Text;
  }
}

function valueCheck(d: ComponentDef | ElementDef, parentRef?: string): ValueCheck {
  return {
    kind: kindOf(d.type),
    min: d.min,
    max: d.max ?? Infinity,
    codes: d.codes ? new Set(d.codes) : undefined,
    gs1: d.format === 'gs1-check-digit',
    mandatory: d.usage === 'M',
    ref: d.ref ?? parentRef,
    name: d.name,
  };
}

/** The components of a date and its format code in a composite (by their refs 2380 and 2379), if it has both. */
function dateFormatOf(d: ElementDef): { value: number; format: number } | undefined {
  const refs = d.composite?.map((c) => c.ref) ?? [];
  const value = refs.indexOf('2380');
  const format = refs.indexOf('2379');
  return value >= 0 && format >= 0 ? { value, format } : undefined;
}

export function compileElements(segmentId: string, defs: ElementDef[]): ElementCheck[] {
  return defs.map((d, i) => ({
    ...valueCheck(d),
    key: segmentId + String(i + 1).padStart(2, '0'),
    usage: d.usage,
    repeat: d.repeat,
    composite: d.composite?.map((c) => valueCheck(c, d.ref)),
    dateFormat: dateFormatOf(d),
  }));
}

export function compileRule(rule: string): CompiledRule {
  const positions = (rule.slice(1).match(/\d\d/g) ?? []).map((p) => Number(p) - 1);
  let bits = 0;
  for (const p of positions) bits = p < 0 || p > 30 || (bits & (1 << p)) !== 0 || bits < 0 ? -1 : bits | (1 << p);
  const first = bits > 0 ? 1 << positions[0] : 0;
  return { kind: rule[0], positions, text: rule, bits, first };
}

export function digitsOnly(v: string, from: number): boolean {
  if (from >= v.length) return false;
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 0x20) return true;
  return false;
}

export function hasDigit(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** How many ASCII digits run from i on. */
function digitRun(v: string, i: number): number {
  let n = 0;
  while (i + n < v.length) {
    const c = v.charCodeAt(i + n);
    if (c < 48 || c > 57) break;
    n++;
  }
  return n;
}

/**
 * The significant digits of a number written `-?(\d+(M\d*)?|M\d+)` with M one of the decimal marks
 * given (`,` is -1 for none), followed by `[Ee]-?\d+` when exponent is set; -1 when v is not one.
 * Read in one pass, where a regular expression and a second count cost twice as much for every R and
 * n value of every segment.
 */
export function numberDigits(v: string, comma: number, exponent: boolean): number {
  const n = v.length;
  let i = v.charCodeAt(0) === 45 ? 1 : 0;
  const whole = digitRun(v, i);
  i += whole;
  let fraction = 0;
  const c = v.charCodeAt(i);
  if (c === 46 || c === comma) {
    fraction = digitRun(v, i + 1);
    i += 1 + fraction;
  }
  if (whole + fraction === 0) return -1;
  if (exponent && i < n && (v.charCodeAt(i) === 69 || v.charCodeAt(i) === 101)) {
    i++;
    if (v.charCodeAt(i) === 45) i++;
    const e = digitRun(v, i);
    if (e === 0) return -1;
    i += e;
  }
  return i === n ? whole + fraction : -1;
}

/** What is wrong with one value, or undefined: the hot path, which allocates nothing. */
function valueFinding(v: string, c: ValueCheck): Finding | undefined {
  let len = v.length;
  switch (c.kind) {
    case Kind.Int: {
      const from = v.charCodeAt(0) === 45 ? 1 : 0;
      if (!digitsOnly(v, from)) return 'invalid-character';
      len -= from;
      break;
    }
    case Kind.Decimal:
      len = numberDigits(v, -1, true);
      if (len < 0) return 'invalid-character';
      break;
    case Kind.Numeric:
      len = numberDigits(v, 44, false);
      if (len < 0) return 'invalid-character';
      break;
    case Kind.Date:
      if (!((len === 8 && validDate(v)) || (len === 6 && validDate6(v)))) return 'invalid-date';
      break;
    case Kind.Time:
      if (!validTime(v)) return 'invalid-time';
      break;
    case Kind.Alpha:
      if (hasDigit(v)) return 'invalid-character';
      break;
    case Kind.Binary:
      return undefined;
  }
  if (c.kind !== Kind.Int && c.kind !== Kind.Decimal && c.kind !== Kind.Numeric && hasControl(v))
    return 'invalid-character';
  if (len < c.min) return 'too-short';
  if (len > c.max) return 'too-long';
  if (c.codes && !c.codes.has(v)) return 'invalid-code';
  if (c.gs1 && !gs1CheckDigitValid(v)) return 'invalid-check-digit';
  return undefined;
}

function describe(f: Finding, name: string, v: string, c: ValueCheck): string {
  const q = JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  switch (f) {
    case 'invalid-character':
      return c.kind === Kind.Int
        ? `${name} ${q} is not an integer`
        : c.kind === Kind.Decimal
          ? `${name} ${q} is not a decimal number`
          : c.kind === Kind.Numeric
            ? `${name} ${q} is not numeric`
            : c.kind === Kind.Alpha
              ? `${name} ${q} must be alphabetic`
              : `${name} holds a control character`;
    case 'invalid-date':
      return `${name} ${q} is not a valid date`;
    case 'invalid-time':
      return `${name} ${q} is not a valid time`;
    case 'too-short':
      return `${name} ${q} is shorter than ${c.min}`;
    case 'too-long':
      return `${name} ${q} is longer than ${c.max}`;
    case 'invalid-code':
      return `${name} ${q} is not a valid code here`;
    case 'invalid-check-digit':
      return `${name} ${q} does not end in a valid GS1 check digit`;
    default:
      return `${name} ${q}: ${f}`;
  }
}

export function present(v: Value | undefined): boolean {
  if (v === undefined) return false;
  if (typeof v === 'string') return v !== '';
  for (const c of v) if (c !== '') return true;
  return false;
}

export function elementPresent(e: Element | undefined): boolean {
  if (e === undefined || typeof e === 'string') return e !== undefined && e !== '';
  if (Array.isArray(e)) return present(e);
  return e.repeats.some(present);
}

/** Where the segment under check sits; a Location is built from it only when something fails. */
export interface SegmentAt {
  /** The transaction's location, built on first use: a conforming transaction never needs it. */
  base: { get(): Location };
  segment: number;
  loop: string | undefined;
}

function locate(at: SegmentAt, seg: Segment, element: number, component?: number, repeat?: number): Location {
  const loc: Location = {
    ...at.base.get(),
    segment: at.segment,
    segmentId: seg.id,
    loop: at.loop,
    offset: seg.offset,
    element,
  };
  if (component !== undefined) loc.component = component;
  if (repeat !== undefined) loc.repeat = repeat;
  return loc;
}

/** Component k of a value; a simple value is its own first component. */
function component(v: Value, k: number): string | undefined {
  return typeof v === 'string' ? (k === 0 ? v : undefined) : v[k];
}

/** A component's position id (`C04003-02`), built only for a finding. */
function componentName(key: string, k: number): string {
  return `${key}-${String(k + 1).padStart(2, '0')}`;
}

function pushFinding(
  out: Diagnostic[],
  std: Standard,
  f: Finding,
  message: string,
  loc: Location,
  value?: string,
  ref?: string,
): void {
  out.push(
    diagnostic('element', codeFor(std, f), message, loc, {
      ...(value !== undefined ? { value: value.slice(0, 99) } : {}),
      ...(ref ? { elementRef: ref } : {}),
    }),
  );
}

/** A required element that is absent (empty, or past the segment's last element). */
function missingElement(
  out: Diagnostic[],
  std: Standard,
  c: ElementCheck,
  at: SegmentAt,
  seg: Segment,
  i: number,
): void {
  const name = c.name ? ` (${c.name})` : '';
  pushFinding(
    out,
    std,
    'element-missing',
    `required element ${c.key}${name} is missing`,
    locate(at, seg, i + 1),
    undefined,
    c.ref,
  );
}

/**
 * Checks the elements of one segment against its compiled definitions, appending findings to out.
 * It runs for every segment and allocates nothing for a conforming one (no closures either): in a
 * large set, every allocation here brings the next scavenge nearer, and each scavenge copies the
 * set's live segments and tree once more.
 */
// eslint-disable-next-line complexity -- the element rules of a segment (repeats, composites, usage, syntax rules) in one pass: the hot path of validation
export function checkElements(
  seg: Segment,
  checks: ElementCheck[],
  rules: CompiledRule[],
  at: SegmentAt,
  std: Standard,
  out: Diagnostic[],
): void {
  const els = seg.elements;
  for (let i = checks.length; i < els.length; i++) {
    if (elementPresent(els[i])) {
      pushFinding(
        out,
        std,
        'too-many-elements',
        `${seg.id} has ${els.length} elements; the profile defines ${checks.length}`,
        locate(at, seg, i + 1),
      );
      break;
    }
  }
  const upTo = els.length < checks.length ? els.length : checks.length;
  for (let i = 0; i < upTo; i++) {
    const c = checks[i];
    const e = els[i];
    if (typeof e === 'string' && c.composite === undefined) {
      // The common case: a simple value where a simple element is defined.
      if (e === '') {
        if (c.mandatory) missingElement(out, std, c, at, seg, i);
        continue;
      }
      if (c.usage === 'N') {
        pushFinding(
          out,
          std,
          'element-not-used',
          `element ${c.key} is marked not used here`,
          locate(at, seg, i + 1),
          e,
          c.ref,
        );
        continue;
      }
      const f = valueFinding(e, c);
      if (f) pushFinding(out, std, f, describe(f, c.key, e, c), locate(at, seg, i + 1), e, c.ref);
      continue;
    }
    if (!elementPresent(e)) {
      if (c.mandatory) missingElement(out, std, c, at, seg, i);
      continue;
    }
    if (c.usage === 'N') {
      pushFinding(
        out,
        std,
        'element-not-used',
        `element ${c.key} is marked not used here`,
        locate(at, seg, i + 1),
        text(e),
        c.ref,
      );
      continue;
    }
    // One value or its repeats, read in place: no array is made for the single value.
    const repeats = typeof e === 'object' && !Array.isArray(e) ? e.repeats : undefined;
    const count = repeats ? repeats.length : 1;
    if (count > c.repeat)
      pushFinding(
        out,
        std,
        'too-many-repeats',
        `${c.key} repeats ${count} times; at most ${c.repeat}`,
        locate(at, seg, i + 1, undefined, c.repeat + 1),
        undefined,
        c.ref,
      );
    for (let r = 0; r < count; r++) {
      const v = repeats ? repeats[r] : (e as Value);
      const rep = count > 1 ? r + 1 : undefined;
      if (c.composite) {
        const defs = c.composite;
        const n = typeof v === 'string' ? 1 : v.length;
        for (let k = defs.length; k < n; k++) {
          if (component(v, k) !== '') {
            pushFinding(
              out,
              std,
              'too-many-components',
              `${c.key} has ${n} components; the profile defines ${defs.length}`,
              locate(at, seg, i + 1, defs.length + 1, rep),
              undefined,
              c.ref,
            );
            break;
          }
        }
        const any = present(v);
        let valueOk = true;
        for (let k = 0; k < defs.length; k++) {
          const cv = component(v, k) ?? '';
          const cd = defs[k];
          if (cv === '') {
            if (cd.mandatory && any)
              pushFinding(
                out,
                std,
                'element-missing',
                `required component ${componentName(c.key, k)}${cd.name ? ` (${cd.name})` : ''} is missing`,
                locate(at, seg, i + 1, k + 1, rep),
                undefined,
                cd.ref,
              );
            continue;
          }
          const f = valueFinding(cv, cd);
          if (f) {
            valueOk = false;
            pushFinding(
              out,
              std,
              f,
              describe(f, componentName(c.key, k), cv, cd),
              locate(at, seg, i + 1, k + 1, rep),
              cv,
              cd.ref,
            );
          }
        }
        if (c.dateFormat && valueOk) dateFinding(out, std, c, c.dateFormat, v, at, seg, i, rep);
      } else if (typeof v !== 'string') {
        let extra = false;
        for (let k = 1; k < v.length; k++) if (v[k] !== '') extra = true;
        if (extra)
          pushFinding(
            out,
            std,
            std === 'x12' ? 'invalid-character' : 'too-many-components',
            `${c.key} is a simple element but holds components`,
            locate(at, seg, i + 1, undefined, rep),
            v.join(':'),
            c.ref,
          );
        else if (v[0] !== '') {
          const f = valueFinding(v[0], c);
          if (f)
            pushFinding(out, std, f, describe(f, c.key, v[0], c), locate(at, seg, i + 1, undefined, rep), v[0], c.ref);
        }
      } else if (v !== '') {
        const f = valueFinding(v, c);
        if (f) pushFinding(out, std, f, describe(f, c.key, v, c), locate(at, seg, i + 1, undefined, rep), v, c.ref);
      }
    }
  }
  // Past the segment's last element every definition is absent (a PO1 sends 11 of its 25): only a
  // required one has anything to say.
  for (let i = upTo; i < checks.length; i++) {
    const c = checks[i];
    if (c.mandatory) missingElement(out, std, c, at, seg, i);
  }
  if (rules.length === 0) return;
  // Which of the first 31 elements are present, once for the segment: a PO1's dozen syntax notes then
  // cost a mask test each. A note that fails the test (or has no mask) is checked, and reported, by checkRule.
  let mask = 0;
  const n = els.length < 31 ? els.length : 31;
  for (let i = 0; i < n; i++) if (elementPresent(els[i])) mask |= 1 << i;
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r];
    if (rule.bits < 0 || !ruleHolds(rule, mask)) checkRule(rule, seg, at, std, out);
  }
}

/** A date (2380) that does not fit its format code (2379), found once each component has passed its own checks. */
function dateFinding(
  out: Diagnostic[],
  std: Standard,
  c: ElementCheck,
  df: { value: number; format: number },
  v: Value,
  at: SegmentAt,
  seg: Segment,
  i: number,
  rep: number | undefined,
): void {
  const date = component(v, df.value) ?? '';
  const format = component(v, df.format) ?? '';
  if (date === '' || dateFits(date, format)) return;
  const picture = datePicture(format) ?? 'CCYYMMDD, CCYYMMDDHHMM or CCYYMMDDHHMMSS';
  const code = format === '' ? 'no format code' : `format ${format}`;
  const name = componentName(c.key, df.value);
  const q = JSON.stringify(date.length > 40 ? date.slice(0, 40) + '…' : date);
  pushFinding(
    out,
    std,
    'invalid-date',
    `${name} ${q} is not a valid date for ${code} (${picture})`,
    locate(at, seg, i + 1, df.value + 1, rep),
    date,
    c.composite?.[df.value]?.ref,
  );
}

/** Whether a syntax note with a mask holds, given the segment's presence mask: checkRule's test in bits. */
function ruleHolds(rule: CompiledRule, mask: number): boolean {
  const bits = rule.bits;
  const m = mask & bits;
  switch (rule.kind) {
    case 'P':
      return m === 0 || m === bits;
    case 'R':
      return m !== 0;
    case 'E':
      return (m & (m - 1)) === 0;
    case 'C':
      return (m & rule.first) === 0 || m === bits;
    case 'L':
      return (m & rule.first) === 0 || (m & ~rule.first) !== 0;
    default:
      return true;
  }
}

/**
 * X12 syntax notes: P paired, R at least one, E at most one, C if first then all, L if first then one
 * of the rest. The test runs per segment and allocates nothing (a PO1 has a dozen rules); the
 * findings are built in ruleFindings, only for a rule that fails.
 */
function checkRule(rule: CompiledRule, seg: Segment, at: SegmentAt, std: Standard, out: Diagnostic[]): void {
  const mask = ruleFailure(rule, seg.elements);
  if (mask !== undefined) ruleFindings(rule, mask, seg, at, std, out);
}

/** Undefined when the syntax note holds over els; else which of its positions are present (bit i for its i-th). */
export function ruleFailure(rule: CompiledRule, els: Element[]): number | undefined {
  const ps = rule.positions;
  let n = 0;
  let mask = 0;
  for (let i = 0; i < ps.length; i++)
    if (elementPresent(els[ps[i]])) {
      n++;
      mask |= 1 << i;
    }
  const first = (mask & 1) !== 0;
  switch (rule.kind) {
    case 'P':
      if (n === 0 || n === ps.length) return undefined;
      break;
    case 'R':
      if (n > 0) return undefined;
      break;
    case 'E':
      if (n <= 1) return undefined;
      break;
    case 'C':
      if (!first || n === ps.length) return undefined;
      break;
    case 'L':
      if (!first || n > 1) return undefined;
      break;
    default:
      return undefined;
  }
  return mask;
}

/** The findings of a syntax note that failed (mask: which of its positions are present). */
function ruleFindings(
  rule: CompiledRule,
  mask: number,
  seg: Segment,
  at: SegmentAt,
  std: Standard,
  out: Diagnostic[],
): void {
  const ps = rule.positions;
  const has = (i: number) => (mask & (1 << i)) !== 0;
  const name = (p: number) => `${seg.id}${String(p + 1).padStart(2, '0')}`;
  const missing = (p: number, why: string) =>
    out.push(
      diagnostic(
        'element',
        codeFor(std, 'conditional-missing'),
        `${name(p)} is required ${why} (${rule.text})`,
        locate(at, seg, p + 1),
      ),
    );
  switch (rule.kind) {
    case 'P':
      ps.forEach((p, i) => {
        if (!has(i))
          missing(
            p,
            `when ${ps
              .filter((_, j) => has(j))
              .map(name)
              .join(', ')} is present`,
          );
      });
      break;
    case 'R':
      missing(ps[0], `or one of ${ps.slice(1).map(name).join(', ')}`);
      break;
    case 'E': {
      let last = 0;
      ps.forEach((_, i) => {
        if (has(i)) last = i;
      });
      out.push(
        diagnostic(
          'element',
          codeFor(std, 'exclusion-violated'),
          `only one of ${ps.map(name).join(', ')} may be present (${rule.text})`,
          locate(at, seg, ps[last] + 1),
        ),
      );
      break;
    }
    case 'C':
      ps.slice(1).forEach((p, i) => {
        if (!has(i + 1)) missing(p, `when ${name(ps[0])} is present`);
      });
      break;
    case 'L':
      missing(ps[1], `(or one of ${ps.slice(2).map(name).join(', ')}) when ${name(ps[0])} is present`);
      break;
  }
}
