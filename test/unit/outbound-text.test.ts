import { edifactInterchange, x12Interchange, purchaseOrder, checkDocument } from '../../src/canonical';
import type { PurchaseOrder } from '../../src/canonical';
import { fitSyntaxLevel } from '../../src/edi/edifact/syntax-level';
import { fitX12Delimiters } from '../../src/edi/x12/delimiters';
import { TextRefused } from '../../src/edi/text-refused';
import { write } from '../../src/edi/write';
import { parseBuffer } from '../../src/edi/parse';
import type { Interchange } from '../../src/edi/model';

const env = {
  sender: { qualifier: 'ZZ', id: 'US' },
  receiver: { qualifier: 'ZZ', id: 'THEM' },
  controlNumber: 7,
  now: new Date('2026-01-02T03:04:00Z'),
};

function order(name: string, note = 'NOTE'): PurchaseOrder {
  const r = checkDocument(purchaseOrder, {
    number: 'PO-1',
    date: '2026-01-02',
    parties: [{ role: 'buyer', name, city: 'CITY' }],
    lines: [{ lineNumber: '1', quantity: 2, unit: 'EA', buyerItem: 'ITEM' }],
    notes: [note],
  });
  if (!r.ok) throw new Error(r.issues.join('; '));
  return r.value;
}

const edifact = (doc: PurchaseOrder) =>
  edifactInterchange([{ type: 'ORDERS', version: 'D96A', body: purchaseOrder.edifact.write(doc) }], env);
const x12 = (doc: PurchaseOrder) =>
  x12Interchange([{ type: '850', version: '004010', body: purchaseOrder.x12.write(doc) }], env);

const readBack = (bytes: Buffer) => {
  const ic = parseBuffer(bytes).interchanges[0];
  return { ic, doc: purchaseOrder[ic.standard].read(ic.groups[0].transactions[0]) };
};

function refusal(f: () => unknown): TextRefused {
  try {
    f();
  } catch (e) {
    if (e instanceof TextRefused) return e;
    throw e;
  }
  throw new Error('expected a TextRefused');
}

describe('EDIFACT writer: the syntax level carries the text', () => {
  test.each([
    ['ACME STORES', 'UNOA'],
    ['Acme Stores', 'UNOB'],
    ['Café Müller', 'UNOC'],
    ['Łódź ħotel € Лев 東京 🚚', 'UNOW'],
  ])('%s is written under the lowest level that carries it, %s, and reads back the same', (name, level) => {
    const bytes = write(fitSyntaxLevel(edifact(order(name))));
    const { ic, doc } = readBack(bytes);
    expect(ic.syntax.charset).toBe(level);
    expect(ic.errors).toEqual([]);
    expect(ic.groups[0].transactions[0].errors.filter((d) => d.severity === 'error')).toEqual([]);
    expect(doc.parties[0].name).toBe(name);
  });

  test("characters whose low byte is a delimiter (ħ is 0x127, ' is 0x27) never inject a segment: the UNT count holds", () => {
    const bytes = write(fitSyntaxLevel(edifact(order('ħĺŁ€Л'))));
    const { ic, doc } = readBack(bytes);
    const tx = ic.groups[0].transactions[0];
    expect(tx.errors).toEqual([]);
    expect(tx.segments.filter((s) => s.id === 'NAD')).toHaveLength(1);
    expect(doc.parties[0].name).toBe('ħĺŁ€Л');
  });

  test('a name split into 35-character parts is never cut inside a surrogate pair', () => {
    const name = 'A'.repeat(34) + '🚚' + 'B'.repeat(40);
    const { ic, doc } = readBack(write(fitSyntaxLevel(edifact(order(name)))));
    expect(ic.errors).toEqual([]);
    expect(doc.parties[0].name).toBe(name);
  });

  test("service characters in data are released with '?' and read back as they were", () => {
    const name = "O'Neil + Sons: what? 50% ?'";
    const bytes = write(fitSyntaxLevel(edifact(order(name))));
    expect(bytes.toString('latin1')).toContain("O?'Neil ?+ Sons?: what?? 50% ???'");
    expect(readBack(bytes).doc.parties[0].name).toBe(name);
  });

  test('a pinned level refuses what it cannot carry, naming message, segment, element and the character', () => {
    const e = refusal(() => fitSyntaxLevel(edifact(order('Łódź')), { syntax: 'UNOC:3' }));
    expect(e.problems).toEqual([
      { message: '1', position: 5, segmentId: 'NAD', element: 4, reason: expect.stringMatching(/^'Ł' \(U\+0141\)/) },
    ]);
    expect(e.message).toMatch(/message 1, segment 5 \(NAD\), element 4: 'Ł' \(U\+0141\) is not in UNOC/);
  });

  test('a pinned level with transliterate: true writes the nearest letters', () => {
    const ic = fitSyntaxLevel(edifact(order('Łódź Straße', 'Café “Nord”')), { syntax: 'UNOA:2', transliterate: true });
    const { ic: back, doc } = readBack(write(ic));
    expect(back.syntax).toMatchObject({ charset: 'UNOA', version: '2' });
    expect(doc.parties[0].name).toBe('LODZ STRASSE');
    expect(doc.notes).toEqual(['CAFE "NORD"']);
  });

  test('each value transliteration changes is told, located, with what it was and what is written', () => {
    const told: string[] = [];
    fitSyntaxLevel(edifact(order('Łódź Straße', 'PLAIN')), {
      syntax: 'UNOA:2',
      transliterate: true,
      onTransliterated: (c) => told.push(`${c.segmentId} ${c.element}: ${c.reason}`),
    });
    expect(told).toEqual(['NAD 4: "Łódź Straße" written as "LODZ STRASSE" (not in UNOA; transliterate: true)']);
  });

  test('transliteration that finds no equivalent still refuses', () => {
    const e = refusal(() => fitSyntaxLevel(edifact(order('Лев')), { syntax: 'UNOC:3', transliterate: true }));
    expect(e.message).toMatch(/'Л' \(U\+041B\) is not in UNOC .*no transliteration/);
  });

  test('a pinned ISO 8859 part writes its own bytes: UNOE carries Cyrillic as ISO 8859-5', () => {
    const bytes = write(fitSyntaxLevel(edifact(order('Лев')), { syntax: 'UNOE:3' }));
    expect(bytes.includes(Buffer.from([0xbb, 0xd5, 0xd2]))).toBe(true);
    expect(readBack(bytes).doc.parties[0].name).toBe('Лев');
  });

  test('control characters are refused at every level (a line break in a segment is layout to the reader)', () => {
    const e = refusal(() => fitSyntaxLevel(edifact(order('ACME', 'line one\nline two'))));
    expect(e.problems[0]).toMatchObject({ segmentId: 'FTX', element: 4 });
    expect(e.message).toMatch(/U\+000A is not in UNOW/);
  });

  test('without a UNA, level B (whose default service characters differ) is skipped for UNOC', () => {
    const ic = fitSyntaxLevel(edifact(order('Acme')), { una: false });
    expect(ic.syntax.charset).toBe('UNOC');
  });

  test('write() itself never substitutes: UNOC declared over text beyond latin-1 is a located refusal', () => {
    const ic = edifact(order('Łódź'));
    const e = refusal(() => write(ic));
    expect(e.message).toMatch(/segment 5 \(NAD\), element 4: 'Ł' \(U\+0141\) cannot be encoded in iso-8859-1/);
  });
});

describe('X12 writer: delimiters the data does not use', () => {
  const delims = (ic: Interchange) => [ic.syntax.element, ic.syntax.component, ic.syntax.segment];

  test('data free of the delimiters keeps * > ~', () => {
    expect(delims(fitX12Delimiters(x12(order('Café Müller'))))).toEqual(['*', '>', '~']);
  });

  test('a delimiter in the data, and no alternative allowed: refused with where it is', () => {
    const e = refusal(() => fitX12Delimiters(x12(order('A*B~C'))));
    expect(e.problems.map((p) => [p.message, p.position, p.segmentId, p.element])).toEqual([['0001', 5, 'N1', 2]]);
    expect(e.message).toMatch(/"\*", the element separator, and "~", the segment terminator, which X12 cannot escape/);
  });

  test('with alternatives allowed, the first free ones replace the clashing delimiters and the text reads back', () => {
    const name = 'A*B~C>D|E';
    const ic = fitX12Delimiters(x12(order(name)), { alternatives: '|!^#' });
    expect(delims(ic)).toEqual(['!', '^', '#']);
    expect(write(ic).toString('utf8')).toMatch(/^ISA!00!.*!\^#\n/);
    const { ic: back, doc } = readBack(write(ic));
    expect(back.errors).toEqual([]);
    expect(doc.parties[0].name).toBe(name);
  });

  test('alternatives that are all used by the data still refuse', () => {
    const e = refusal(() => fitX12Delimiters(x12(order('A*B!')), { alternatives: '!' }));
    expect(e.message).toMatch(/none of the alternatives the partner allows/);
  });

  test('control characters are refused', () => {
    const e = refusal(() => fitX12Delimiters(x12(order('A', 'a\tb'))));
    expect(e.message).toMatch(/U\+0009 is a control character/);
  });
});

describe('EDIFACT reader: decodes by the UNB syntax identifier', () => {
  const message = (name: Buffer, syntax: string) =>
    Buffer.concat([
      Buffer.from(`UNB+${syntax}:3+S:ZZ+R:ZZ+260102:0304+1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO-1+9'NAD+BY+++`),
      name,
      Buffer.from("'UNT+4+1'UNZ+1+1'"),
    ]);
  test.each([
    ['UNOW', Buffer.from('Łódź 東京', 'utf8'), 'Łódź 東京'],
    ['UNOY', Buffer.from('Łódź 東京', 'utf8'), 'Łódź 東京'],
    ['UNOC', Buffer.from('Café', 'latin1'), 'Café'],
    ['UNOD', Buffer.from([0xa3, 0xf3, 0x64, 0xbc]), 'Łódź'],
    ['UNOE', Buffer.from([0xbb, 0xd5, 0xd2]), 'Лев'],
  ])('%s', (syntax, bytes, text) => {
    const ic = parseBuffer(message(bytes, syntax)).interchanges[0];
    expect(ic.errors).toEqual([]);
    const nad = ic.groups[0].transactions[0].segments.find((s) => s.id === 'NAD')!;
    expect(nad.elements[3]).toBe(text);
  });
});
