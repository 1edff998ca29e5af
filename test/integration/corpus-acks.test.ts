import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseBuffer, UnreadableInput } from '../../src/edi/parse';
import { write } from '../../src/edi/write';
import { buildAck } from '../../src/edi/ack/build';
import type { AckKind } from '../../src/edi/ack/options';
import { allDiagnostics } from '../../src/edi/model';
import { formatDiagnostic } from '../../src/edi/diagnostic';
import { builtInProfiles } from '../../src/config/profiles';
import { corpusFiles, describeWithCorpus, read } from '../helpers/corpus';

const profiles = builtInProfiles().set;
const now = new Date('2026-01-02T03:04:00Z');
const golden = join(__dirname, '..', 'fixtures', 'acks', 'corpus-all.txt');

/**
 * Every diagnostic of a corpus file, one line each, and every acknowledgement of each of its
 * interchanges (997, 999 and TA1 for X12, CONTRL for EDIFACT) as EDI text: what a change to the
 * engine's speed must leave exactly as it was.
 */
function render(file: string): string {
  const out = [`== ${basename(dirname(file))}/${basename(file)}`];
  let result;
  try {
    result = parseBuffer(read(file), { profiles });
  } catch (e) {
    if (!(e instanceof UnreadableInput)) throw e;
    out.push(`unreadable: ${e.message}`);
    return out.join('\n');
  }
  for (const d of result.diagnostics) out.push(formatDiagnostic(d));
  result.interchanges.forEach((ic, i) => {
    for (const d of allDiagnostics(ic)) out.push(formatDiagnostic(d));
    const kinds: AckKind[] = ic.standard === 'x12' ? ['997', '999', 'TA1'] : ['CONTRL'];
    for (const kind of kinds) {
      out.push(`-- ${kind}`);
      out.push(write(buildAck(ic, kind, { controlNumber: 100 + i, now }), { lineBreak: '\n' }).toString('latin1'));
    }
  });
  return out.join('\n');
}

describeWithCorpus('corpus acknowledgements: the same diagnostics and acks for every file, clean and bad', () => {
  test('each file of the corpus gives the diagnostics and acks of the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const files = [...corpusFiles('x12'), ...corpusFiles('edifact'), ...corpusFiles('bad')];
    expect(files.length).toBeGreaterThanOrEqual(100);
    const actual = files.map(render).join('\n') + '\n';
    if (process.env.UPDATE_GOLDEN || !existsSync(golden)) {
      if (process.env.CI && !existsSync(golden)) throw new Error(`golden file ${golden} is missing`);
      writeFileSync(golden, actual, 'latin1');
    }
    const expected = readFileSync(golden, 'latin1').split('\n== ');
    const got = actual.split('\n== ');
    // File by file, so a difference names the file it is in.
    for (let i = 0; i < Math.max(expected.length, got.length); i++) expect(got[i]).toBe(expected[i]);
  });
});
