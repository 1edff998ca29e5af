import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { describeWithShared } from '../helpers/shared';
import { isLoop, profile, type Profile, type StructureEntry } from '../../src/edi/profile/schema';

const root = path.resolve(__dirname, '../..');
const profilesDir = path.join(root, 'profiles');
const generator = path.join(root, 'scripts', 'pyx12-to-profile.js');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (entry.name.endsWith('.yaml')) out.push(full);
  }
  return out.sort();
}

function load(file: string) {
  return profile.safeParse(parse(fs.readFileSync(file, 'utf8')));
}

/** Every segment entry of a structure, depth first, with the loop path that holds it. */
function segmentEntries(structure: StructureEntry[], at = ''): { tag: string; inline: boolean; where: string }[] {
  const out: { tag: string; inline: boolean; where: string }[] = [];
  for (const e of structure) {
    if (isLoop(e)) out.push(...segmentEntries(e.structure, `${at}/${e.loop}`));
    else out.push({ tag: e.segment, inline: e.elements !== undefined, where: at || '/' });
  }
  return out;
}

function duplicateLoopIds(structure: StructureEntry[], at = ''): string[] {
  const ids = structure.filter(isLoop).map((l) => l.loop);
  const dups = ids.filter((id, i) => ids.indexOf(id) !== i).map((id) => `${at || '/'}: ${id}`);
  for (const l of structure.filter(isLoop)) dups.push(...duplicateLoopIds(l.structure, `${at}/${l.loop}`));
  return dups;
}

const files = yamlFiles(profilesDir);
const relative = (f: string) => path.relative(profilesDir, f);

describe('profiles', () => {
  it('finds the shipped profiles', () => {
    const names = files.map(relative);
    for (const expected of [
      'x12/004010/850.yaml',
      'x12/004010/810.yaml',
      'x12/004010/855.yaml',
      'x12/004010/856.yaml',
      'x12/004010/997.yaml',
      'x12/005010/850.yaml',
      'x12/005010/810.yaml',
      'x12/005010/855.yaml',
      'x12/005010/856.yaml',
      'x12/005010/860.yaml',
      'x12/005010/865.yaml',
      'x12/005010/940.yaml',
      'x12/005010/945.yaml',
      'x12/005010/846.yaml',
      'x12/005010X231A1/999.yaml',
      'x12/005010X222A1/837.yaml',
      'edifact/D96A/ORDERS.yaml',
      'edifact/D96A/INVOIC.yaml',
      'edifact/D96A/DESADV.yaml',
      'edifact/D96A/ORDRSP.yaml',
      'edifact/D96A/CONTRL.yaml',
    ]) {
      expect(names).toContain(expected);
    }
  });

  describe.each(files.map((f) => [relative(f), f]))('%s', (_name, file) => {
    const result = load(file);
    const valid = (): Profile => {
      if (!result.success) throw new Error(`${file} is not a valid profile`);
      return result.data;
    };

    it('is valid against the profile schema', () => {
      expect(result.success ? [] : result.error.issues).toEqual([]);
    });

    it('sits where lookup expects it: profiles/<standard>/<version or implementation>/<type>.yaml', () => {
      const p = valid();
      const [standard, folder, base] = relative(file).split(path.sep);
      expect(standard).toBe(p.standard);
      expect(base).toBe(`${p.type}.yaml`);
      expect([p.version, p.implementation]).toContain(folder);
    });

    it('opens with the header segment and closes with the trailer', () => {
      const p = valid();
      const [head, tail] = p.standard === 'x12' ? ['ST', 'SE'] : ['UNH', 'UNT'];
      const first = p.structure[0];
      const last = p.structure[p.structure.length - 1];
      expect(isLoop(first) ? first.loop : first.segment).toBe(head);
      expect(isLoop(last) ? last.loop : last.segment).toBe(tail);
    });

    it('defines every segment used without inline elements', () => {
      const p = valid();
      const missing = segmentEntries(p.structure)
        .filter((e) => !e.inline && p.segments[e.tag] === undefined)
        .map((e) => `${e.where} ${e.tag}`);
      expect(missing).toEqual([]);
    });

    it('gives sibling loops distinct ids', () => {
      const p = valid();
      expect(duplicateLoopIds(p.structure)).toEqual([]);
    });
  });
});

describe('eancom-subset generator', () => {
  test('regenerates the committed EANCOM 2002 subset profiles byte for byte from the D.01B ones', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'eancom-profiles-'));
    try {
      execFileSync(process.execPath, [path.join(__dirname, '../../scripts/eancom-subset.js'), '--out', out], {
        stdio: 'pipe',
      });
      const generated = yamlFiles(out).map((f) => path.relative(out, f));
      expect(generated).toEqual([
        'edifact/EAN007/DESADV.yaml',
        'edifact/EAN009/ORDRSP.yaml',
        'edifact/EAN010/ORDERS.yaml',
        'edifact/EAN011/INVOIC.yaml',
      ]);
      for (const rel of generated) {
        expect(fs.readFileSync(path.join(out, rel), 'utf8')).toBe(fs.readFileSync(path.join(profilesDir, rel), 'utf8'));
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('x12-005010 generator', () => {
  test('regenerates the committed X12 005010 profiles byte for byte from the 004010 ones', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'x12-005010-profiles-'));
    try {
      execFileSync(process.execPath, [path.join(__dirname, '../../scripts/x12-005010.js'), '--out', out], {
        stdio: 'pipe',
      });
      const generated = yamlFiles(out).map((f) => path.relative(out, f));
      expect(generated).toEqual(
        ['810', '846', '850', '855', '856', '860', '865', '940', '945'].map((t) => `x12/005010/${t}.yaml`),
      );
      for (const rel of generated) {
        expect(fs.readFileSync(path.join(out, rel), 'utf8')).toBe(fs.readFileSync(path.join(profilesDir, rel), 'utf8'));
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describeWithShared('pyx12-to-profile generator', ['corpus/defs/pyx12-maps'], () => {
  test('regenerates the committed profiles byte for byte', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pyx12-profiles-'));
    try {
      execFileSync(process.execPath, [generator, '--out', out], { stdio: 'pipe' });
      const generated = yamlFiles(out).map((f) => path.relative(out, f));
      expect(generated).toEqual([
        'x12/004010/997.yaml',
        'x12/005010/997.yaml',
        'x12/005010X222A1/837.yaml',
        'x12/005010X231A1/999.yaml',
      ]);
      for (const rel of generated) {
        const fresh = fs.readFileSync(path.join(out, rel), 'utf8');
        const committed = fs.readFileSync(path.join(profilesDir, rel), 'utf8');
        expect(fresh).toBe(committed);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it("applies its named fact corrections to the 999: 719 is N0 1/10, IK403's 621 list has no 11", () => {
    const p = parse(fs.readFileSync(path.join(profilesDir, 'x12/005010X231A1/999.yaml'), 'utf8'));
    const ik302 = p.segments.IK3.elements[1];
    expect([ik302.ref, ik302.type, ik302.min, ik302.max]).toEqual(['719', 'N0', 1, 10]);
    const ik403 = p.segments.IK4.elements[2];
    expect(ik403.ref).toBe('621');
    expect(ik403.codes).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '12',
      '13',
      'I10',
      'I11',
      'I12',
      'I13',
      'I6',
      'I9',
    ]);
  });
});
