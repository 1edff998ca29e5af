import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGateway } from '../../src/config/gateway';
import { formatIssue } from '../../src/config/yaml';

const dir = mkdtempSync(join(tmpdir(), 'edigw-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('gateway.yaml', () => {
  test('every key is optional: the defaults, relative to the folder it is read in', () => {
    const r = loadGateway(file('empty.yaml', '{}\n'), {});
    expect(r.ok && r.config).toMatchObject({
      database: `sqlite:${join(dir, 'data/gateway.sqlite')}`,
      payloads: join(dir, 'data/payloads'),
      partners: join(dir, 'partners'),
      workers: 2,
    });
  });

  test('sizes and durations are read as people write them; DATABASE_URL overrides the database', () => {
    const r = loadGateway(
      file('units.yaml', 'as2: { maxBytes: 10MB }\nretention: { payloads: 90d }\npayloads: database\n'),
      { DATABASE_URL: 'mysql://root@127.0.0.1:3306/edigw' },
    );
    expect(r.ok && r.config).toMatchObject({
      database: 'mysql://root@127.0.0.1:3306/edigw',
      payloads: 'database',
      as2: { maxBytes: 10 * 1024 * 1024, port: 4080, path: '/as2' },
      retention: { payloads: 90 * 86_400_000 },
    });
  });

  test('every problem is reported at once with file, line, column and key path', () => {
    const r = loadGateway(file('bad.yaml', 'database: 12\nas2:\n  port: 99999\n  maxbytes: 10MB\nworkerz: 3\n'), {});
    expect(r.ok).toBe(false);
    const lines = r.ok ? [] : r.issues.map(formatIssue);
    expect(lines).toEqual([
      `${join(dir, 'bad.yaml')}:1:11: database: Invalid input: expected string, received number`,
      `${join(dir, 'bad.yaml')}:3:9: as2.port: Too big: expected number to be <=65535`,
      `${join(dir, 'bad.yaml')}:4:3: as2.maxbytes: unknown key "maxbytes"`,
      `${join(dir, 'bad.yaml')}:5:1: workerz: unknown key "workerz"`,
    ]);
  });

  test('jobs: a 60 s lease and 3 crashes by default; a lease under a second is refused, with its place', () => {
    const d = loadGateway(file('jobs-default.yaml', '{}\n'), {});
    expect(d.ok && d.config.jobs).toEqual({ lease: 60_000, maxCrashes: 3 });
    const set = loadGateway(file('jobs.yaml', 'jobs: { lease: 2m, maxCrashes: 5 }\n'), {});
    expect(set.ok && set.config.jobs).toEqual({ lease: 120_000, maxCrashes: 5 });
    const bad = loadGateway(file('jobs-bad.yaml', 'jobs:\n  lease: 500ms\n'), {});
    expect(bad.ok ? [] : bad.issues.map(formatIssue)).toEqual([
      `${join(dir, 'jobs-bad.yaml')}:2:10: jobs.lease: at least 1s`,
    ]);
  });

  test('YAML syntax errors are located too', () => {
    const r = loadGateway(file('syntax.yaml', 'database: [unclosed\n'), {});
    expect(r.ok ? '' : formatIssue(r.issues[0])).toMatch(/syntax\.yaml:\d+:\d+: /);
  });
});
