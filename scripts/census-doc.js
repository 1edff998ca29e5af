#!/usr/bin/env node
'use strict';

/**
 * The round-trip census of issue 14 §2 (src/canonical/census.ts, read from the built dist/) over the
 * shared corpus (../shared/corpus, or EDIGW_SHARED_DIR/corpus), read in place:
 *
 *   npm run census               (builds, then prints the table of each direction)
 *   npm run census -- --write    (also refreshes the census section of docs/canonical.md)
 *   node scripts/census-doc.js --check   (exits 1 when that section is not what the census gives)
 *
 * test/canonical/census.test.ts fails while the section is stale, so a change to what the readers and
 * writers carry shows in the docs.
 */

const fs = require('fs');
const path = require('path');

const PAGE = path.resolve(__dirname, '..', 'docs', 'canonical.md');
const START = '<!-- census:start -->';
const END = '<!-- census:end -->';

function corpusDir() {
  const shared = process.env.EDIGW_SHARED_DIR ?? path.resolve(__dirname, '..', '..', 'shared');
  return path.join(shared, 'corpus');
}

/** The clean corpus files (x12/ and edifact/, not bad/), named by their path under the corpus. */
function corpusInputs(dir) {
  return ['x12', 'edifact'].flatMap((sub) =>
    fs
      .readdirSync(path.join(dir, sub))
      .sort()
      .map((f) => ({ name: `${sub}/${f}`, bytes: fs.readFileSync(path.join(dir, sub, f)) })),
  );
}

/** The page with its census section replaced by `section` (the markers must be there). */
function withSection(page, section) {
  const a = page.indexOf(START);
  const b = page.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${PAGE}: no ${START} ... ${END} section to write the census into`);
  return `${page.slice(0, a + START.length)}\n${section}\n${page.slice(b)}`;
}

/** The census section as it stands in the page. */
function sectionOf(page) {
  const a = page.indexOf(START);
  const b = page.indexOf(END);
  if (a < 0 || b < a) return undefined;
  return page
    .slice(a + START.length, b)
    .replace(/^\n/, '')
    .replace(/\n$/, '');
}

/** One direction as aligned text for the terminal. */
function table(d, title) {
  const rows = d.rows.map((r) => [
    r.control ? `(${r.key})` : r.key,
    String(r.before),
    String(r.after),
    r.before > r.after ? String(r.before - r.after) : '',
    r.after > r.before ? String(r.after - r.before) : '',
  ]);
  const head = ['segment', 'before', 'after', 'lost', 'added'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [title, line(head), ...rows.map(line)].join('\n');
}

module.exports = { PAGE, START, END, corpusDir, corpusInputs, withSection, sectionOf };

if (require.main === module) {
  const args = process.argv.slice(2);
  const { census, censusMarkdown } = require('../dist/src/canonical/census.js');
  const { documentFor } = require('../dist/src/canonical/index.js');
  const { builtInProfiles } = require('../dist/src/config/profiles.js');
  const dir = corpusDir();
  if (!fs.existsSync(dir)) {
    process.stderr.write(
      `census: ${dir} not found: clone the shared repository beside this one, or set EDIGW_SHARED_DIR\n`,
    );
    process.exit(2);
  }
  const c = census(corpusInputs(dir), documentFor, builtInProfiles().set);
  const section = censusMarkdown(c);
  const page = fs.readFileSync(PAGE, 'utf8');
  if (args.includes('--check')) {
    if (sectionOf(page) !== section) {
      process.stderr.write(`census: the census section of ${PAGE} is stale: run npm run census -- --write\n`);
      process.exit(1);
    }
    process.exit(0);
  }
  process.stdout.write(
    `${table(c.x12, 'X12 -> EDIFACT -> X12')}\n\n${table(c.edifact, 'EDIFACT -> X12 -> EDIFACT')}\n`,
  );
  for (const d of [c.x12, c.edifact])
    for (const r of d.refused)
      process.stdout.write(`not round-tripped: ${r.file}, ${r.type} ${r.transaction}: ${r.reason}\n`);
  if (args.includes('--write')) {
    fs.writeFileSync(PAGE, withSection(page, section));
    process.stderr.write(`census: wrote the census section of ${PAGE}\n`);
  }
}
