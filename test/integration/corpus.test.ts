import { basename } from 'node:path';
import { parseBuffer } from '../../src/edi/parse';
import { write } from '../../src/edi/write';
import { allDiagnostics } from '../../src/edi/model';
import { formatDiagnostic } from '../../src/edi/diagnostic';
import { builtInProfiles } from '../../src/config/profiles';
import { corpusFiles, describeWithCorpus, read } from '../helpers/corpus';

const d = describeWithCorpus;
const profiles = builtInProfiles().set;

/** Layout between segments (line breaks, indentation) and a byte-order mark are not content. */
function layoutFree(buf: Buffer, standard: string): string {
  const s = buf.toString('latin1').replace(/^\xef\xbb\xbf/, '');
  return standard === 'edifact'
    ? s.replace(/[\r\n]/g, '')
    : s.replace(/([~\n\r])[\r\n \t]+/g, '$1').replace(/[\r\n \t]+$/, '');
}

d('clean corpus: every file parses without envelope errors and writes back the same bytes', () => {
  const files = [...corpusFiles('x12'), ...corpusFiles('edifact')];
  test('the corpus holds the clean files', () => expect(files.length).toBeGreaterThanOrEqual(60));
  test.each(files.map((f) => [basename(f), f]))('%s', (_name, file) => {
    const buf = read(file);
    const result = parseBuffer(buf, { profiles });
    expect(result.diagnostics).toEqual([]);
    expect(result.interchanges.length).toBeGreaterThan(0);
    for (const ic of result.interchanges) {
      const envelope = allDiagnostics(ic).filter(
        (x) =>
          x.severity === 'error' && (x.level === 'interchange' || x.level === 'group' || x.level === 'transaction'),
      );
      expect(envelope.map((x) => formatDiagnostic(x))).toEqual([]);
      expect(ic.groups.flatMap((g) => g.transactions).length).toBeGreaterThan(0);
    }
    const out = write(result.interchanges);
    let expected = layoutFree(buf, result.interchanges[0].standard);
    // A release character before a character that needs none is reported and written without it.
    const stray = result.interchanges.some((ic) => ic.errors.some((x) => x.code === '20'));
    if (stray) expected = expected.slice(0, 9) + expected.slice(9).replace(/\?([^?:+*='~])/g, '$1');
    expect(layoutFree(out, result.interchanges[0].standard)).toBe(expected);
  });
});

d('bad corpus: every file gets located diagnostics and nothing crashes', () => {
  const files = corpusFiles('bad');
  test('the corpus holds the bad files', () => expect(files.length).toBeGreaterThanOrEqual(40));
  test.each(files.map((f) => [basename(f), f]))('%s', (_name, file) => {
    const result = parseBuffer(read(file), { profiles });
    const all = [...result.diagnostics, ...result.interchanges.flatMap(allDiagnostics)];
    expect(all.length).toBeGreaterThan(0);
    for (const x of all) {
      // Located: a byte offset, or a segment within a transaction set.
      expect(x.location.offset !== undefined || x.location.segment !== undefined).toBe(true);
      expect(x.message.length).toBeGreaterThan(5);
      expect(x.code).toMatch(/^(I?\d{1,3})$/);
    }
  });
});
