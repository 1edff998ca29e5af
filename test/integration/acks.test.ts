import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBuffer } from '../../src/edi/parse';
import { write } from '../../src/edi/write';
import { buildAck } from '../../src/edi/ack/build';
import type { AckKind } from '../../src/edi/ack/options';
import { readAcks } from '../../src/edi/ack/read';
import { allDiagnostics } from '../../src/edi/model';
import { builtInProfiles } from '../../src/config/profiles';
import { corpusDir, describeWithCorpus, read } from '../helpers/corpus';

const profiles = builtInProfiles().set;
const now = new Date('2026-01-02T03:04:00Z');
const golden = join(__dirname, '..', 'fixtures', 'acks');
const d = describeWithCorpus;

/** Renders the ack of every interchange in a corpus file and compares it with the golden file (UPDATE_GOLDEN=1 rewrites). */
function render(file: string, kind: AckKind): string {
  const { interchanges } = parseBuffer(read(join(corpusDir, file)), { profiles });
  return interchanges
    .map((ic, i) => write(buildAck(ic, kind, { controlNumber: 100 + i, now }), { lineBreak: '\n' }).toString('latin1'))
    .join('');
}

function compare(name: string, actual: string): void {
  const path = join(golden, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) {
    if (process.env.CI && !existsSync(path)) throw new Error(`golden file ${name} is missing`);
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'latin1'));
}

function reparse(text: string) {
  const r = parseBuffer(Buffer.from(text, 'latin1'), { profiles });
  expect(r.diagnostics).toEqual([]);
  for (const ic of r.interchanges) expect(allDiagnostics(ic).filter((x) => x.severity === 'error')).toEqual([]);
  return r.interchanges.flatMap(readAcks);
}

d('golden acknowledgements, parsed back by our own reader', () => {
  test('997 for an 837 whose first transaction set has a wrong SE count and whose trailers are wrong: partially accepted group', () => {
    const text = render('bad/pyx12__files_trailer_errors.txt', '997');
    compare('pyx12__files_trailer_errors.997', text);
    const [ack] = reparse(text);
    expect(ack.kind).toBe('997');
    expect(ack.groups).toHaveLength(1);
    expect(ack.groups[0]).toMatchObject({ functionalId: 'HC', controlNumber: '1', status: 'R', codes: ['4'] });
    expect(ack.groups[0].transactions.map((t) => [t.controlNumber, t.status, t.codes])).toEqual([
      ['300207436', 'R', ['4']],
      ['300207437', 'A', []],
    ]);
  });

  test('TA1 for an interchange whose IEA02 does not match ISA13', () => {
    const text = render('bad/imsweb__837_5010_x12_999_accepted.txt', 'TA1');
    compare('imsweb__837_5010_x12_999_accepted.ta1', text);
    const [ack] = reparse(text);
    expect(ack).toMatchObject({ kind: 'TA1', interchange: { controlNumber: '000000286', status: 'R', note: '001' } });
  });

  test('997 for two interchanges with different delimiters: one ack interchange each, every set accepted', () => {
    const text = render('x12/node-x12__test-data_850_fat.edi', '997');
    compare('node-x12__test-data_850_fat.997', text);
    const acks = reparse(text);
    expect(acks).toHaveLength(2);
    for (const a of acks)
      expect(a.groups.map((g) => [g.status, g.transactions.map((t) => t.status)])).toEqual([['A', ['A']]]);
  });

  test('999 for an 837P group echoes the group version in AK1 and the transaction guide in AK2', () => {
    const text = render(
      'x12/stupidedi__X222A1-HC837-Health-Care-Claim-Professional_pass_commercial-health-insurance.edi',
      '999',
    );
    compare('stupidedi__X222A1-HC837_commercial.999', text);
    expect(text).toMatch(/^AK1\*HC\*\d+\*005010X222A1~$/m);
    expect(text).toMatch(/^AK2\*837\*\d+\*005010X222A1~$/m);
    const [ack] = reparse(text);
    expect(ack.kind).toBe('999');
    expect(ack.groups[0].transactions[0].status).toBe('A');
  });

  test('CONTRL for an INVOIC whose UNT count is wrong: the message rejected with 29, the interchange acknowledged', () => {
    const text = render('bad/smooks__edifact-cartridge_INVOIC_D.03B_Interchange_with_UNA.txt', 'CONTRL');
    compare('smooks__INVOIC_D.03B_with_UNA.contrl', text);
    const [ack] = reparse(text);
    expect(ack.kind).toBe('CONTRL');
    expect(ack.interchange).toMatchObject({ controlNumber: '17', status: 'A' });
    const txs = ack.groups.flatMap((g) => g.transactions);
    expect(txs.map((t) => [t.controlNumber, t.type, t.status, t.codes])).toEqual([['30', 'INVOIC', 'R', ['29']]]);
  });

  test('CONTRL for an interchange cut before UNZ: the interchange is rejected (UCI action 4, code 13)', () => {
    const text = render('bad/pydifact__order2.edi', 'CONTRL');
    compare('pydifact__order2.contrl', text);
    const [ack] = reparse(text);
    expect(ack.interchange).toMatchObject({ controlNumber: '000000001', status: 'R', note: '13' });
  });
});
