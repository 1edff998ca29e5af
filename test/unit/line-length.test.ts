/**
 * Prettier wraps code at 120 columns but never splits a string literal or a comment; this holds the
 * lines it cannot wrap to 160 (issue 16), so a long message is split where it is written.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MAX = 160;

test(`no TypeScript line in src/, test/, bench/ or scripts/ is wider than ${MAX} columns`, () => {
  const files = execFileSync('git', ['ls-files', '--', 'src/*.ts', 'test/*.ts', 'bench/*.ts', 'scripts/*.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  expect(files.length).toBeGreaterThan(100);
  const wide: string[] = [];
  for (const f of files)
    readFileSync(join(ROOT, f), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if ([...line].length > MAX) wide.push(`${f}:${i + 1} (${[...line].length} columns)`);
      });
  expect(wide).toEqual([]);
});
