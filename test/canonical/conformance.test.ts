import { basename } from 'node:path';
import { corpusFiles, describeWithCorpus, read } from '../helpers/corpus';
import { translateCommand } from '../../src/cli/translate';
import { documentFor, invoice } from '../../src/canonical';
import { checkGenerated } from '../../src/edi/generated-check';
import { parseBuffer } from '../../src/edi/parse';
import { parse, profiles } from './support';

/** Translates a file in-process as `edi-gateway translate` does, keeping stdout bytes and stderr lines. */
async function translate(file: string, to: 'x12' | 'edifact') {
  const out: Buffer[] = [];
  const err: string[] = [];
  const code = await translateCommand(
    file,
    { to, sender: 'ZZ:GATEWAY', receiver: 'ZZ:PARTNER', controlNumber: '1' },
    {
      out: (s) => out.push(Buffer.from(s, to === 'x12' ? 'utf8' : 'latin1')),
      err: (s) => err.push(...s.split('\n').filter((l) => l !== '')),
      bytes: (b) => out.push(b),
    },
  );
  return { code, bytes: Buffer.concat(out), err };
}

/** The corpus files holding a business document translate reads (850, 810, 855, 856, ORDERS, INVOIC...). */
function businessFiles(): Array<{ file: string; from: 'x12' | 'edifact'; sets: number }> {
  return (['x12', 'edifact'] as const).flatMap((from) =>
    corpusFiles(from).flatMap((file) => {
      const ics = parseBuffer(read(file), { level: 'envelope' }).interchanges;
      const sets = ics
        .flatMap((ic) => ic.groups.flatMap((g) => g.transactions))
        .filter((tx) => documentFor(from, tx.type)).length;
      return sets ? [{ file, from, sets }] : [];
    }),
  );
}

describeWithCorpus('translated output conforms to the target profile, over the corpus', () => {
  const files = businessFiles();

  test('the corpus holds business documents of both standards to translate', () => {
    expect(files.filter((f) => f.from === 'x12').length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => f.from === 'edifact').length).toBeGreaterThanOrEqual(5);
  });

  test.each(files.map((f) => [basename(f.file), f] as const))(
    '%s to the other standard: every set written, and valid for the built-in profile',
    async (_name, f) => {
      const to = f.from === 'x12' ? 'edifact' : 'x12';
      const r = await translate(f.file, to);
      // Losses are warnings of their own (losses.test.ts); here only refusals and profile findings count.
      expect(r.err.filter((l) => /not written|invalid for its profile|refused/.test(l))).toEqual([]);
      const ics = parse(r.bytes);
      expect(ics.flatMap((ic) => ic.groups.flatMap((g) => g.transactions)).length).toBe(f.sets);
      // The same check a route makes before delivery, on the bytes as written.
      expect(checkGenerated(r.bytes, profiles).errors).toEqual([]);
    },
  );
});

describeWithCorpus('translate: what the target requires, filled from the source or refused', () => {
  const d93a = corpusFiles('edifact').find((f) => f.endsWith('staedi__EDIFACT_invoic_d93a_una.edi'))!;

  test('a D93A INVOIC whose names are in NAD C058 and whose total is MOA 128 gives an 810 with N102 and TDS', async () => {
    const r = await translate(d93a, 'x12');
    const tx = parse(r.bytes)[0].groups[0].transactions[0];
    const n1 = tx.segments.filter((s) => s.id === 'N1').map((s) => s.elements.slice(0, 2));
    expect(n1).toEqual([
      ['SE', 'Fahrradhandel Pedal'],
      ['BY', 'Huber GmbH'],
    ]);
    expect(tx.segments.find((s) => s.id === 'TDS')?.elements).toEqual(['90178']);
    // MOA 128 went into TDS and is not written twice; TDS01 is the invoice amount, which an INVOIC reads
    // back as MOA 77, so the total arrives under another code, and that is said at its place.
    expect(r.err.filter((l) => /\(NAD (SE|BY)\), element 3/.test(l))).toEqual([]);
    expect(r.err.filter((l) => /MOA 128/.test(l))).toEqual([
      expect.stringMatching(/segment 26 \(MOA 128\), element 1, component 1: "128" changed to "77"/),
    ]);
    const doc = invoice.x12.read(tx);
    expect(doc.totals.amount).toBe(901.78);
    expect(doc.totals.amounts?.some((a) => a.qualifier === 'total')).toBeFalsy();
  });

  test('an INVOIC that states no total is refused for X12 with its place and reason, nothing written, exit 1', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'edigw-conform-')), 'no-total.edi');
    writeFileSync(
      file,
      "UNB+UNOA:3+S:ZZ+R:ZZ+240102:1230+9'UNH+1+INVOIC:D:96A:UN'BGM+380+INV1+9'DTM+137:20240102:102'" +
        "NAD+SE+++Seller'NAD+BY+++Buyer'LIN+1++SKU1:SA'QTY+47:2:PCE'MOA+203:20'PRI+AAA:10'UNS+S'UNT+11+1'UNZ+1+9'",
    );
    const r = await translate(file, 'x12');
    expect(r.code).toBe(1);
    expect(r.bytes.length).toBe(0);
    expect(r.err).toContainEqual(
      expect.stringMatching(
        /no-total\.edi: interchange 9, Invoice documents: not written: message 1, segment 10 \(UNS\): no MOA 77, MOA 86, MOA 39 or MOA 128 after it: invoice INV1 states no total amount, which TDS01 of the X12 810 requires/,
      ),
    );
  });
});
