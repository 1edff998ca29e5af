import { rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue } from '../../src/config/yaml';
import { PartnerDirectory } from '../../src/pipeline/partner-directory';
import type { Logger } from '../../src/pipeline/logger';
import { type Deployment, deployment } from './support';

/** A logger that keeps what it was told, to check what operators would see. */
function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; obj: object }> } {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  const at = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, msg, obj });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const acme = (name: string) => `id: acme\nname: ${name}\nidentifiers: { x12: [{ qualifier: ZZ, id: ACME }] }\n`;

describe('partner directory: reload picks up edits without a restart', () => {
  let d: Deployment;
  let dir: PartnerDirectory;
  let log: ReturnType<typeof recordingLogger>;
  let tick = 0;
  /** Writes a partner file with an mtime of its own, so a same-size edit is still seen as one. */
  const write = (rel: string, text: string) => {
    const f = d.file(rel, text);
    const t = new Date(Date.UTC(2030, 0, 1, 0, 0, ++tick));
    utimesSync(f, t, t);
  };

  beforeEach(() => {
    d = deployment({});
    write('partners/acme.yaml', acme('ACME Retail'));
    log = recordingLogger();
    dir = new PartnerDirectory(d.config(), log);
  });
  afterEach(() => d.remove());

  it('the first reload loads every valid file; with nothing changed the next one reports nothing', () => {
    const first = dir.reload();
    expect(first).toEqual({
      changed: [expect.objectContaining({ id: 'acme', name: 'ACME Retail' })],
      removed: [],
      issues: [],
    });
    expect(dir.list().map((p) => p.id)).toEqual(['acme']);
    expect(dir.reload()).toBeNull();
    expect(dir.reload(true)).toEqual({ changed: [], removed: [], issues: [] });
  });

  it('a new file is added, an edited one changes, a removed one goes', () => {
    dir.reload();
    write('partners/globex.yaml', "id: globex\nidentifiers: { edifact: [{ qualifier: '14', id: '4000001000005' }] }\n");
    const added = dir.reload();
    expect(added?.changed.map((p) => p.id)).toEqual(['globex']);
    expect(dir.get('globex')?.identifiers.edifact).toEqual([{ qualifier: '14', id: '4000001000005' }]);

    write('partners/acme.yaml', acme('ACME Stores'));
    const changed = dir.reload();
    expect(changed?.changed.map((p) => p.id)).toEqual(['acme']);
    expect(dir.get('acme')?.name).toBe('ACME Stores');
    expect(dir.identify({ standard: 'x12', qualifier: 'ZZ', id: 'ACME' })?.name).toBe('ACME Stores');

    rmSync(join(d.dir, 'partners', 'globex.yaml'));
    expect(dir.reload()).toEqual({ changed: [], removed: ['globex'], issues: [] });
    expect(dir.get('globex')).toBeUndefined();
    expect(dir.list().map((p) => p.id)).toEqual(['acme']);
  });

  it('a broken new file is refused with located issues; the others keep running', () => {
    dir.reload();
    write('partners/broken.yaml', 'id: broken\nidentifiers: { x12: [{ qualifier: ZZZ, id: BROKEN }] }\n');
    const c = dir.reload();
    expect(c?.changed).toEqual([]);
    expect(c?.issues.map((i) => formatIssue({ ...i, file: i.file.slice(d.dir.length + 1) }))).toEqual([
      'partners/broken.yaml:2:35: identifiers.x12.0.qualifier: an X12 qualifier has 2 characters (ISA05/ISA07), like ZZ or 01',
    ]);
    expect(dir.get('broken')).toBeUndefined();
    expect(dir.get('acme')).toBeDefined();
    expect(log.lines.some((l) => l.level === 'error' && l.msg === 'partner file refused')).toBe(true);
  });

  it('a broken edit keeps the last good version running; fixing it loads the new version', () => {
    dir.reload();
    const good = dir.get('acme');
    write('partners/acme.yaml', `${acme('ACME Broken')}duplicates: { interchange: sometimes }\n`);
    const broken = dir.reload();
    expect(broken?.changed).toEqual([]);
    expect(broken?.removed).toEqual([]);
    expect(broken?.issues.map((i) => i.path)).toEqual(['duplicates.interchange']);
    expect(dir.get('acme')).toBe(good);
    expect(
      log.lines.find((l) => l.msg === 'partner file is broken: its last good version keeps running')?.obj,
    ).toMatchObject({ partner: 'acme' });

    write('partners/acme.yaml', `${acme('ACME Fixed')}duplicates: { interchange: warn }\n`);
    const fixed = dir.reload();
    expect(fixed?.changed.map((p) => p.name)).toEqual(['ACME Fixed']);
    expect(dir.get('acme')).toMatchObject({ name: 'ACME Fixed', duplicates: { interchange: 'warn' } });
  });

  it('a map that does not compile is logged as a problem of the file, which still loads', () => {
    d.file('partners/acme/maps/broken.jsonata', '{ "po": ');
    write(
      'partners/acme.yaml',
      `${acme('ACME Mapped')}routes: [{ map: acme/maps/broken.jsonata, to: erp }]\nendpoints: { erp: { file: { dir: out } } }\n`,
    );
    const c = dir.reload();
    expect(c?.changed.map((p) => p.name)).toEqual(['ACME Mapped']);
    expect(c?.issues).toEqual([]);
    const warned = log.lines.find((l) => l.level === 'warn' && l.msg === 'partner file problem');
    expect(String((warned?.obj as { issue?: string }).issue)).toMatch(
      /acme\.yaml:4:\d+: routes\.0\.map: acme\/maps\/broken\.jsonata:1:\d+: the map does not compile: /,
    );
  });

  it('a file broken from the start and then removed leaves nothing behind', () => {
    dir.reload();
    write('partners/bad.yaml', 'id: bad\n');
    expect(dir.reload()?.issues.length).toBeGreaterThan(0);
    rmSync(join(d.dir, 'partners', 'bad.yaml'));
    expect(dir.reload()).toEqual({ changed: [], removed: [], issues: [] });
  });

  it('watch calls back with what changed', async () => {
    dir.reload();
    const seen: string[] = [];
    dir.watch(20, (c) => seen.push(...c.changed.map((p) => p.name ?? p.id)));
    try {
      write('partners/acme.yaml', acme('ACME Watched'));
      const end = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['ACME Watched']);
    } finally {
      dir.unwatch();
    }
  });
});
