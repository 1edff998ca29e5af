import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue, catalogueMessage, GatewayError, mdnDispositionOf, type ErrorCode } from '../../src/errors';
import { dispositionOf, formatDispositionType } from '../../src/transports/as2/mdn';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { render, PAGE } = require('../../scripts/errors-doc.js') as {
  render: (c: typeof catalogue) => string;
  PAGE: string;
};

describe('the error catalogue and its page', () => {
  test('docs/errors.md is what the catalogue gives (npm run docs:errors writes it)', () => {
    expect(readFileSync(PAGE, 'utf8')).toBe(render(catalogue));
  });

  test('every code is on the page with its kind and message', () => {
    const page = render(catalogue);
    for (const [code, e] of Object.entries(catalogue))
      expect(page).toContain(`| \`${code}\` | ${e.kind} | ${e.message.replace(/\|/g, '\\|')} |`);
  });

  test('each AS2 disposition code answers with the MDN disposition the catalogue names, and says it', () => {
    const codes = (Object.keys(catalogue) as ErrorCode[]).filter((c) => mdnDispositionOf(c));
    expect(codes.length).toBeGreaterThanOrEqual(9);
    for (const code of codes) {
      expect(formatDispositionType(dispositionOf(code))).toBe(mdnDispositionOf(code));
      expect(new GatewayError(code, 'receiving m1').message).toBe(`receiving m1: ${catalogueMessage(code)}`);
      expect(catalogueMessage(code)).toMatch(new RegExp(`\\(${mdnDispositionOf(code)}\\)$`));
    }
    // A code without one is an unexpected processing error.
    expect(formatDispositionType(dispositionOf('EDIGW_FILE_IO'))).toBe('processed/error: unexpected-processing-error');
  });
});

test('every code of the catalogue is used somewhere in src/ (a code never thrown is removed, not kept)', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  const src = join(__dirname, '../../src');
  const text = files(src)
    .filter((f) => f.endsWith('.ts') && f !== join(src, 'errors.ts'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  expect(Object.keys(catalogue).filter((code) => !text.includes(`'${code}'`))).toEqual([]);
});
