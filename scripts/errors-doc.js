#!/usr/bin/env node
'use strict';

/**
 * Writes docs/errors.md from the error catalogue (src/errors.ts, read from the built dist/):
 *
 *   npm run docs:errors          (builds, then writes)
 *   node scripts/errors-doc.js --check   (exits 1 when docs/errors.md is not what the catalogue gives)
 *
 * test/unit/errors-doc.test.ts holds the page in step with the catalogue, so a code added, changed or
 * removed without running this fails the tests.
 */

const fs = require('fs');
const path = require('path');

const PAGE = path.resolve(__dirname, '..', 'docs', 'errors.md');

/** What each kind makes the gateway do: the same words as the catalogue's header. */
const KINDS = {
  retry: 'the work is tried again later, with back-off',
  dead: 'the work is dead-lettered with its original bytes; `edi-gateway replay` sends it again once fixed',
  disposition: 'the error becomes the content of the answer to the partner (the MDN or acknowledgement)',
  config: 'the gateway refuses to start (or `partners check` fails) until the configuration is fixed',
  usage: 'the command line or the admin API request is wrong; nothing was done',
};

const cell = (text) => String(text).replace(/\|/g, '\\|');

/** The page for a catalogue `{ CODE: { kind, message, mdn? } }`, codes in catalogue order. */
function render(catalogue) {
  const codes = Object.keys(catalogue);
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/errors.ts by `npm run docs:errors`: do not edit by hand. -->',
    '',
    'Every error the gateway reports carries one of these codes, in brackets after its message:',
    '`sending po.edi by POST to https://erp.example/orders: the server is not reachable [EDIGW_HTTP_UNREACHABLE]`.',
    'A code is never reused or renamed. Its kind tells the gateway what to do:',
    '',
    '| kind | what happens |',
    '|---|---|',
    ...Object.entries(KINDS).map(([kind, what]) => `| \`${kind}\` | ${what} |`),
    '',
    `${codes.length} codes:`,
    '',
    '| code | kind | message | MDN disposition |',
    '|---|---|---|---|',
    ...codes.map((code) => {
      const e = catalogue[code];
      return `| \`${code}\` | ${e.kind} | ${cell(e.message)} | ${e.mdn ? cell(e.mdn) : ''} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

module.exports = { render, PAGE };

if (require.main === module) {
  const { catalogue } = require('../dist/src/errors.js');
  const page = render(catalogue);
  if (process.argv.includes('--check')) {
    const now = fs.existsSync(PAGE) ? fs.readFileSync(PAGE, 'utf8') : '';
    if (now !== page) {
      process.stderr.write('docs/errors.md is not what src/errors.ts gives: run npm run docs:errors\n');
      process.exit(1);
    }
  } else {
    fs.writeFileSync(PAGE, page);
    process.stdout.write(`wrote ${path.relative(process.cwd(), PAGE)} (${Object.keys(catalogue).length} codes)\n`);
  }
}
