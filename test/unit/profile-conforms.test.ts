import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, Element, Standard, Value } from '../../src/edi/model';
import { type CompiledChild, type CompiledSegment, compileProfile } from '../../src/edi/profile/profile-set';
import { type ElementCheck, Kind, type ValueCheck, checkElements, compileRule } from '../../src/edi/profile/elements';
import { compileConforms } from '../../src/edi/profile/conforms';
import { profile as profileSchema } from '../../src/edi/profile/schema';
import { parseYaml } from '../../src/config/yaml';

// The compiled test of a profile position must say "conforms" exactly when checkElements finds nothing,
// so that skipping checkElements for such a segment changes no finding. Checked over every position of
// every shipped profile, with seeded random segments that mix good values and every kind of bad one.

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
    });
}

function positions(children: CompiledChild[], out: CompiledSegment[]): CompiledSegment[] {
  for (const c of children) {
    if (c.kind === 'segment') out.push(c);
    else positions(c.children, out);
  }
  return out;
}

const shipped = yamlFiles(join(__dirname, '../../profiles')).map((file) => {
  const r = parseYaml(readFileSync(file, 'utf8'), file, profileSchema);
  if (!r.ok) throw new Error(`${file}: ${JSON.stringify(r.issues)}`);
  return compileProfile(r.value);
});

let seed = 1717;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
function pick<T>(a: readonly T[]): T {
  return a[Math.floor(rnd() * a.length)];
}

const junk = ['', 'A', 'x', '0', '-', '-1', '1.5', '1,5', '1E3', '.', 'M', '12A', 'a\u0001b', '9999999999999999999999'];

/** A value for c: mostly one that fits, else one that breaks one of its rules. */
function value(c: ValueCheck): string {
  const r = rnd();
  if (r < 0.15) return pick(junk);
  if (c.codes && r < 0.7) return pick([...c.codes]);
  // A C507 date and its format code: fitting and unfitting pairs (month 14, 2460, a period ending first).
  if (c.ref === '2380' && r < 0.8)
    return pick([
      '20240229',
      '20230229',
      '20261401',
      '202405171230',
      '202405172460',
      '20240101-20240131',
      '20240131-20240101',
    ]);
  if (c.ref === '2379' && r < 0.8) return pick(['102', '203', '204', '718', '101', '201', '']);
  const len = Math.max(1, Math.min(c.max === Infinity ? 6 : c.max, c.min + Math.floor(rnd() * 4)));
  switch (c.kind) {
    case Kind.Date:
      return pick(['20240229', '20230229', '240131', '241301', '2024010', '2024-01-01']);
    case Kind.Time:
      return pick(['1200', '123059', '12305912', '2400', '1260', '12:00']);
    case Kind.Int:
    case Kind.Numeric:
    case Kind.Decimal:
      return (rnd() < 0.2 ? '-' : '') + '7'.repeat(len) + (c.kind !== Kind.Int && rnd() < 0.3 ? '.25' : '');
    case Kind.Alpha:
      return 'B'.repeat(len);
    default:
      return rnd() < 0.1 ? '4006381333931'.slice(0, len) : 'Q'.repeat(len + (rnd() < 0.1 ? 1 : 0));
  }
}

/** Whether the element may be left to checkElements without a "no" being wrong (repeats; components where none are defined). */
let loose = false;

function element(c: ElementCheck): Element {
  const r = rnd();
  if (r < 0.25) return '';
  if (r < 0.28) {
    loose = true;
    return { repeats: [value(c), value(c)] };
  }
  if (!c.composite) {
    if (r < 0.31) {
      loose = true;
      return [value(c), rnd() < 0.5 ? '' : 'X'];
    }
    return value(c);
  }
  if (r < 0.4) return value(c.composite[0]);
  const n = c.composite.length + (rnd() < 0.1 ? 1 : 0) - Math.floor(rnd() * c.composite.length);
  const v: Value = [];
  for (let k = 0; k < n; k++)
    v.push(k < c.composite.length && rnd() < 0.8 ? value(c.composite[k]) : rnd() < 0.7 ? '' : 'Z');
  return v;
}

function segment(def: CompiledSegment): Element[] {
  const n = Math.floor(rnd() * (def.checks.length + 2));
  const els: Element[] = [];
  for (let i = 0; i < n; i++) els.push(i < def.checks.length ? element(def.checks[i]) : rnd() < 0.8 ? '' : 'EXTRA');
  return els;
}

describe('profile validation: the compiled conformance test of each position', () => {
  test('says a segment conforms exactly when checkElements finds nothing, at every shipped position', () => {
    let agreed = 0;
    let findings = 0;
    const wrong: string[] = [];
    for (const cp of shipped) {
      const std: Standard = cp.profile.standard;
      for (const def of positions(cp.root.children, [])) {
        const conforms = compileConforms(def.checks, def.rules);
        for (let t = 0; t < 40; t++) {
          loose = false;
          const els = segment(def);
          const out: Diagnostic[] = [];
          const at = { base: { get: () => ({}) }, segment: 1, loop: undefined };
          checkElements({ id: def.id, elements: els, offset: 0 }, def.checks, def.rules, at, std, out);
          findings += out.length;
          const yes = conforms(els);
          if (yes === (out.length === 0)) agreed++;
          else if (yes || !loose)
            wrong.push(`${cp.profile.type} ${def.key} ${JSON.stringify(els)}: ${yes} / ${out.length}`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    // Enough of both answers for the comparison to mean something.
    expect(findings).toBeGreaterThan(10000);
    expect(agreed).toBeGreaterThan(10000);
  });

  test('answers each syntax-note kind as checkElements does, for every presence pattern of five elements', () => {
    const checks: ElementCheck[] = [1, 2, 3, 4, 5].map((i) => ({
      kind: Kind.Text,
      min: 0,
      max: Infinity,
      codes: undefined,
      gs1: false,
      mandatory: false,
      ref: undefined,
      name: undefined,
      key: `ZZ${String(i).padStart(2, '0')}`,
      usage: 'O',
      repeat: 1,
      composite: undefined,
    }));
    for (const text of ['P0102', 'R010305', 'E0204', 'C030125', 'L01020304', 'P0405']) {
      const rule = compileRule(text);
      // The same note tested position by position, as one past position 31 is.
      const compiled = [compileConforms(checks, [rule]), compileConforms(checks, [{ ...rule, bits: -1 }])];
      for (let mask = 0; mask < 32; mask++) {
        const els = checks.map((_, i) => ((mask & (1 << i)) !== 0 ? 'V' : ''));
        const out: Diagnostic[] = [];
        const at = { base: { get: () => ({}) }, segment: 1, loop: undefined };
        checkElements({ id: 'ZZ', elements: els, offset: 0 }, checks, [rule], at, 'x12', out);
        for (const c of compiled) expect([text, mask, c(els)]).toEqual([text, mask, out.length === 0]);
      }
    }
  });
});
