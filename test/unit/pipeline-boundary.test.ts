/**
 * The pipeline says what it means and the store says how: no SQL, query builder or repository call
 * in src/pipeline (issue 16 §4). eslint keeps the imports out (eslint.config.mjs); this reads the
 * source for what an import rule cannot see, such as a query run through a manager the store handed out.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const PIPELINE = join(ROOT, 'src', 'pipeline');

/** What belongs in src/store only, each with the reason a reader is given. */
const FORBIDDEN: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /from\s+'typeorm'/, what: 'an import of typeorm' },
  { pattern: /from\s+'[./]*\/store\/(sql|data-source)'/, what: 'an import of the store’s SQL helpers' },
  {
    pattern: /createQueryBuilder|getRepository|\bmanager\.|\.manager\b/,
    what: 'a TypeORM query builder or repository',
  },
  { pattern: /\.query\s*[(<]/, what: 'a raw query' },
  {
    pattern: new RegExp(
      String.raw`\.(find|findOne|findOneBy|findOneByOrFail|findBy|findAndCount|count|countBy|` +
        String.raw`exists|existsBy|insert|update|upsert|delete|save|remove|increment|decrement)\(\s*[A-Z]\w*Record\b`,
    ),
    what: 'an entity manager call',
  },
  {
    pattern: /['"`][^'"`]*\b(SELECT\s|UPDATE\s+\S+\s+SET\b|INSERT\s+(OR\s+\w+\s+)?INTO\b|DELETE\s+FROM\b)/,
    what: 'SQL text',
  },
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** Every forbidden line of a source text, as `file:line: what: the line`. */
function violations(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, '');
    for (const f of FORBIDDEN) if (f.pattern.test(code)) out.push(`${file}:${i + 1}: ${f.what}: ${line.trim()}`);
  });
  return out;
}

describe('pipeline boundary', () => {
  test('src/pipeline holds no SQL, query builder or repository call: it asks the store by intent', () => {
    const files = sources(PIPELINE);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((f) => violations(relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });

  test('the check finds each kind of store work written in a pipeline file', () => {
    const sample = [
      "import type { EntityManager } from 'typeorm';",
      "import { quote } from '../store/sql';",
      'const q = m.createQueryBuilder(GroupRecord, "g");',
      'await m.query(`UPDATE ${t} SET ackStatus = ? WHERE id = ?`, [s, id]);',
      'await m.update(MessageRecord, { id }, { status });',
      'const d = await store.read((m) => m.findOneBy(DeliveryRecord, { id }));',
      "const sql = 'SELECT id FROM job';",
      '// a comment may say UPDATE x SET y, or m.update(MessageRecord): it runs nothing',
      'await store.deliveries.markDelivered(m, done);',
    ].join('\n');
    const found = violations('sample.ts', sample);
    expect(found.map((v) => Number(v.split(':')[1]))).toEqual([1, 2, 3, 4, 4, 5, 6, 7]);
  });
});
