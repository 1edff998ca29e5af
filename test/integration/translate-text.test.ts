import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { x12 } from '../helpers/build';
import { parseBuffer } from '../../src/edi/parse';
import { purchaseOrder } from '../../src/canonical';

const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
const dir = mkdtempSync(join(tmpdir(), 'edigw-translate-text-'));

/** Runs the built CLI as a user would, keeping stdout as bytes (npm test builds dist/ first). */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'translate', ...args], { cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr.toString('utf8') };
}

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const order850 = (name: string) =>
  file(
    `po-${Buffer.from(name).toString('hex')}.x12`,
    x12({ nl: '\n', transactions: [['BEG*00*SA*PO1**20240102', `N1*BY*${name}`, 'PO1*1*10*EA*9.5**VP*ABC', 'CTT*1']] }),
  );

function buyerOf(bytes: Buffer) {
  const ic = parseBuffer(bytes).interchanges[0];
  const tx = ic.groups[0].transactions[0];
  return { ic, tx, name: purchaseOrder[ic.standard].read(tx).parties[0].name };
}

describe('cli: translate writes text in the charset its envelope declares', () => {
  test('Café Müller to edifact: UNOC, written as ISO-8859-1 bytes, reads back as Café Müller', () => {
    const r = cli(order850('Café Müller'), '--to', 'edifact');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.toString('latin1')).toContain('UNB+UNOC:3+');
    expect(r.out.includes(Buffer.from('Caf\xe9 M\xfcller', 'latin1'))).toBe(true);
    expect(buyerOf(r.out).name).toBe('Café Müller');
  });

  test('ħĺŁ€Л to edifact: UNOW (UTF-8), one NAD and a right UNT count, the same name back', () => {
    const r = cli(order850('ħĺŁ€Л Ltd'), '--to', 'edifact');
    expect(r.code).toBe(0);
    const { ic, tx, name } = buyerOf(r.out);
    expect(ic.syntax.charset).toBe('UNOW');
    expect(tx.errors).toEqual([]);
    expect(tx.segments.filter((s) => s.id === 'NAD')).toHaveLength(1);
    expect(name).toBe('ħĺŁ€Л Ltd');
  });

  test('upper-case text goes as UNOA', () => {
    const r = cli(order850('ACME STORES'), '--to', 'edifact');
    expect(r.code).toBe(0);
    expect(buyerOf(r.out).ic.syntax.charset).toBe('UNOA');
  });

  test('an X12 delimiter inside EDIFACT data is refused with its place, exit 1, nothing written', () => {
    const edi = file(
      'orders-star.edi',
      "UNB+UNOC:3+S:ZZ+R:ZZ+240102:1230+7'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'NAD+BY+++STAR*SHOP'UNT+4+1'UNZ+1+7'",
    );
    const r = cli(edi, '--to', 'x12');
    expect(r.code).toBe(1);
    expect(r.out.length).toBe(0);
    expect(r.err).toMatch(
      /interchange 7, PurchaseOrder documents: not written: message 0001, segment \d+ \(N1\), element 2: the data holds "\*", the element separator,/,
    );
  });

  test('output its profile refuses (an EDIFACT unit GBND in X12 PO103, ID 2/2) is not written, each finding is said and the exit is 1', () => {
    const edi = file(
      'orders-gbnd.edi',
      "UNB+UNOC:3+S:ZZ+R:ZZ+240102:1230+8'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'DTM+137:20240102:102'LIN+1++SKU:SA'QTY+21:5:GBND'UNS+S'UNT+7+1'UNZ+1+8'",
    );
    const r = cli(edi, '--to', 'x12');
    expect(r.code).toBe(1);
    expect(r.out.length).toBe(0);
    expect(r.err).toMatch(
      /interchange 8, PurchaseOrder documents: not written: the output is invalid for its profile: error: .*segment \d+ \(PO1\), element 3/,
    );
  });
});
