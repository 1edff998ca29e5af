import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGateway } from '../../src/config/gateway';
import { formatIssue } from '../../src/config/yaml';
import { poolOptionsFor } from '../../src/pipeline/worker';

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
    expect(d.ok && d.config.jobs).toEqual({ lease: 60_000, maxCrashes: 3, childHeap: 192 * 1024 ** 2 });
    const set = loadGateway(file('jobs.yaml', 'jobs: { lease: 2m, maxCrashes: 5, childHeap: 1GB }\n'), {});
    expect(set.ok && set.config.jobs).toEqual({ lease: 120_000, maxCrashes: 5, childHeap: 1024 ** 3 });
    const off = loadGateway(file('jobs-off.yaml', 'jobs: { childHeap: off }\n'), {});
    expect(off.ok && off.config.jobs.childHeap).toBe('off');
    const bad = loadGateway(file('jobs-bad.yaml', 'jobs:\n  lease: 500ms\n'), {});
    expect(bad.ok ? [] : bad.issues.map(formatIssue)).toEqual([
      `${join(dir, 'jobs-bad.yaml')}:2:10: jobs.lease: at least 1s`,
    ]);
  });

  test('jobs: a child heap under 64MB is refused, with its place', () => {
    const bad = loadGateway(file('child-bad.yaml', 'jobs:\n  childHeap: 10MB\n'), {});
    expect(bad.ok ? [] : bad.issues.map(formatIssue)).toEqual([
      `${join(dir, 'child-bad.yaml')}:2:14: jobs.childHeap: at least 64MB (or off)`,
    ]);
  });

  test('store: the pool sized from the workers by default, the waits bounded at 10 s and 15 s; each can be set', () => {
    const d = loadGateway(file('store-default.yaml', 'workers: 3\n'), {});
    expect(d.ok && d.config.store).toEqual({ acquireTimeout: 10_000, lockWaitTimeout: 15_000 });
    expect(d.ok && poolOptionsFor(d.config, true)).toEqual({
      size: 21,
      acquireTimeoutMs: 10_000,
      lockWaitTimeoutS: 15,
    });
    // A command (migrate, report) keeps mysql2's pool size but the same bounds.
    expect(d.ok && poolOptionsFor(d.config, false)).toEqual({ acquireTimeoutMs: 10_000, lockWaitTimeoutS: 15 });
    const set = loadGateway(file('store.yaml', 'store: { pool: 40, acquireTimeout: 30s, lockWaitTimeout: 1m }\n'), {});
    expect(set.ok && poolOptionsFor(set.config, true)).toEqual({
      size: 40,
      acquireTimeoutMs: 30_000,
      lockWaitTimeoutS: 60,
    });
  });

  test('store: a pool of one, a lock wait in part of a second and unknown keys are refused, each with its place', () => {
    const bad = loadGateway(
      file('store-bad.yaml', 'store:\n  pool: 1\n  lockWaitTimeout: 1500ms\n  acquireTimeout: 20m\n  size: 3\n'),
      {},
    );
    expect(bad.ok ? [] : bad.issues.map(formatIssue)).toEqual([
      `${join(dir, 'store-bad.yaml')}:2:9: store.pool: Too small: expected number to be >=2`,
      `${join(dir, 'store-bad.yaml')}:4:19: store.acquireTimeout: between 100ms and 10m`,
      `${join(dir, 'store-bad.yaml')}:3:20: store.lockWaitTimeout: whole seconds, between 1s and 1h`,
      `${join(dir, 'store-bad.yaml')}:5:3: store.size: unknown key "size"`,
    ]);
  });

  test('YAML syntax errors are located too', () => {
    const r = loadGateway(file('syntax.yaml', 'database: [unclosed\n'), {});
    expect(r.ok ? '' : formatIssue(r.issues[0])).toMatch(/syntax\.yaml:\d+:\d+: /);
  });
});
