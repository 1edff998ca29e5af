import { parseBuffer } from '../../src/edi/parse';
import { EdiReader } from '../../src/edi/reader';
import type { Interchange } from '../../src/edi/model';
import { allDiagnostics } from '../../src/edi/model';
import { write } from '../../src/edi/write';

const codes = (ic: Interchange) => allDiagnostics(ic).map((d) => `${d.level}:${d.code}`);

function orders(opts: { una?: string; syntax?: string; body?: string[]; nl?: string } = {}): string {
  const una = opts.una ?? "UNA:+.? '";
  const [c, e, , r, , t] = una.slice(3);
  const nl = opts.nl ?? '\n';
  const seg = (...parts: string[]) => parts.join(e) + t + nl;
  const body = opts.body ?? [`BGM${e}220${e}PO123${e}9`, `NAD${e}BY${e}5412345000013${c}${c}9`];
  let out =
    una +
    nl +
    seg(
      'UNB',
      `${opts.syntax ?? 'UNOC'}${c}3`,
      `5400000000001${c}14`,
      `5412345000013${c}14`,
      `240102${c}1230`,
      '00000042',
    );
  out += seg('UNH', '1', ['ORDERS', 'D', '96A', 'UN'].join(c));
  for (const b of body) out += b + t + nl;
  out += seg('UNT', String(body.length + 2), '1');
  out += seg('UNZ', '1', '00000042');
  void r;
  return out;
}

describe('edifact reader', () => {
  test('reads UNA delimiters, the interchange envelope and its message', () => {
    const { interchanges, diagnostics } = parseBuffer(Buffer.from(orders()));
    expect(diagnostics).toEqual([]);
    const ic = interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic).toMatchObject({
      standard: 'edifact',
      controlNumber: '00000042',
      sender: { id: '5400000000001', qualifier: '14' },
      date: '2024-01-02T12:30',
    });
    expect(ic.syntax).toMatchObject({
      una: true,
      component: ':',
      element: '+',
      release: '?',
      decimal: '.',
      segment: "'",
      charset: 'UNOC',
      version: '3',
    });
    const tx = ic.groups[0].transactions[0];
    expect(tx).toMatchObject({ type: 'ORDERS', version: 'D96A', controlNumber: '1' });
    expect(tx.segments[2].elements[1]).toEqual(['5412345000013', '', '9']);
  });

  test('without UNA the defaults apply', () => {
    const ic = parseBuffer(Buffer.from(orders().replace("UNA:+.? '\n", ''))).interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.syntax.una).toBeUndefined();
    expect(ic.syntax.element).toBe('+');
  });

  test('a UNA with a repetition separator splits repeated elements', () => {
    const ic = parseBuffer(Buffer.from(orders({ una: "UNA:+.?*'", syntax: 'UNOC', body: ['FTX+AAI+++A*B:C'] })))
      .interchanges[0];
    expect(ic.syntax.repetition).toBe('*');
    expect(ic.groups[0].transactions[0].segments[1].elements[3]).toEqual({ repeats: ['A', ['B', 'C']] });
  });

  test('release characters are removed on reading and written back', () => {
    const text = orders({ body: ["FTX+AAI+++IT?'S 5?+3?:1 ???'"] });
    const ic = parseBuffer(Buffer.from(text)).interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.groups[0].transactions[0].segments[1].elements[3]).toBe("IT'S 5+3:1 ?'");
    expect(write(ic).toString('latin1').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
  });

  test('a release character that ends a chunk still releases the terminator in the next', () => {
    const text = Buffer.from(orders({ body: ["FTX+AAI+++END?'", 'FTX+AAI+++NEXT'] }));
    const at = text.indexOf('END?') + 4;
    const got: Interchange[] = [];
    const r = new EdiReader({ interchangeEnd: (ic) => got.push(ic) }, { retain: 'all' });
    r.push(text.subarray(0, at));
    r.push(text.subarray(at));
    r.end();
    expect(got[0].groups[0].transactions[0].segments.map((s) => s.elements[3])).toEqual([
      undefined,
      "END'",
      'NEXT',
      undefined,
    ]);
    expect(codes(got[0])).toEqual([]);
  });

  test('each interchange releases with its own UNA character, in one buffer or chunk by chunk', () => {
    // The first releases with '!', so its '?' is data; the second with '?', so its '!' is data.
    const text = Buffer.from(
      orders({ una: "UNA:+.! '", body: ["FTX+AAI+++A!+B?C!'D", 'FTX+AAI+++PLAIN'] }) +
        orders({ body: ["FTX+AAI+++E!F?+G?'H", 'FTX+AAI+++PLAIN?:2'] }),
    );
    const values = (ics: Interchange[]) =>
      ics.map((ic) => ic.groups[0].transactions[0].segments.slice(1, 3).map((s) => s.elements[3]));
    const expected = [
      ["A+B?C'D", 'PLAIN'],
      ["E!F+G'H", 'PLAIN:2'],
    ];
    const whole = parseBuffer(text).interchanges;
    expect(values(whole)).toEqual(expected);
    expect(whole.flatMap(codes)).toEqual([]);
    for (const size of [1, 5, 16]) {
      const got: Interchange[] = [];
      const r = new EdiReader({ interchangeEnd: (ic) => got.push(ic) }, { retain: 'all' });
      for (let at = 0; at < text.length; at += size) r.push(text.subarray(at, at + size));
      r.end();
      expect(values(got)).toEqual(expected);
    }
  });

  test('the syntax identifier decides decoding: UNOC is latin-1, UNOY is UTF-8, UNOD is latin-2', () => {
    const latin1 = Buffer.from(orders({ syntax: 'UNOC', body: ['NAD+BY+++MÜLLER'] }), 'latin1');
    expect(parseBuffer(latin1).interchanges[0].groups[0].transactions[0].segments[1].elements[3]).toBe('MÜLLER');
    const utf8 = Buffer.from(orders({ syntax: 'UNOY', body: ['NAD+BY+++MÜLLER Ł'] }), 'utf8');
    expect(parseBuffer(utf8).interchanges[0].groups[0].transactions[0].segments[1].elements[3]).toBe('MÜLLER Ł');
    // 0xA3 is Ł in ISO-8859-2 and £ in ISO-8859-1.
    const latin2 = Buffer.concat([
      Buffer.from(orders({ syntax: 'UNOD', body: ['NAD+BY+++X'] }).split('+++X')[0] + '+++', 'latin1'),
      Buffer.from([0xa3]),
      Buffer.from(orders({ syntax: 'UNOD', body: ['NAD+BY+++X'] }).split('+++X')[1], 'latin1'),
    ]);
    const ic = parseBuffer(latin2).interchanges[0];
    expect(ic.groups[0].transactions[0].segments[1].elements[3]).toBe('Ł');
    expect(
      write(ic).equals(Buffer.from(latin2.toString('latin1').replace(/\n/g, ''), 'latin1')) ||
        write(ic, { lineBreak: '\n' }).equals(latin2),
    ).toBe(true);
  });

  test('the decimal mark from UNA is recorded', () => {
    const ic = parseBuffer(Buffer.from(orders({ una: "UNA:+,? '" }))).interchanges[0];
    expect(ic.syntax.decimal).toBe(',');
  });

  test('UNT and UNZ counts and references are checked (0085 codes 29 and 28)', () => {
    const bad = orders().replace("UNT+4+1'", "UNT+5+2'").replace("UNZ+1+00000042'", "UNZ+2+00000043'");
    expect(codes(parseBuffer(Buffer.from(bad)).interchanges[0]).sort()).toEqual([
      'interchange:28',
      'interchange:29',
      'transaction:28',
      'transaction:29',
    ]);
  });

  test('a missing UNZ is reported and the messages read are kept', () => {
    const cut = orders().replace("UNZ+1+00000042'\n", '');
    const ic = parseBuffer(Buffer.from(cut)).interchanges[0];
    expect(codes(ic)).toEqual(['interchange:13']);
    expect(ic.groups[0].transactions).toHaveLength(1);
  });

  test('UNG/UNE groups are checked and UNZ counts groups', () => {
    const text =
      "UNB+UNOA:3+S+R+240102:1230+7'UNG+ORDERS+S+R+240102:1230+G1+UN+D:96A'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNT+3+1'UNE+1+G1'UNZ+1+7'";
    const ic = parseBuffer(Buffer.from(text)).interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.groups[0]).toMatchObject({ functionalId: 'ORDERS', controlNumber: 'G1', version: 'D96A' });
    const badCount = text.replace("UNE+1+G1'", "UNE+2+G1'");
    expect(codes(parseBuffer(Buffer.from(badCount)).interchanges[0])).toEqual(['group:29']);
  });

  test('a second UNA starts a new interchange with its own delimiters', () => {
    const two = orders() + orders({ una: 'UNA=*.?  ~'.slice(0, 9) });
    const r = parseBuffer(Buffer.from(two));
    expect(r.interchanges.map((i) => i.syntax.element)).toEqual(['+', '*']);
    expect(r.interchanges.flatMap(codes)).toEqual([]);
  });

  test('messages without UNB are read in an implicit interchange and reported', () => {
    const bare = "UNA:+.? 'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNT+3+1'";
    const r = parseBuffer(Buffer.from(bare));
    expect(r.interchanges).toHaveLength(1);
    expect(codes(r.interchanges[0])).toEqual(['interchange:13']);
    expect(r.interchanges[0].groups[0].transactions[0].type).toBe('ORDERS');
  });
});

describe('edifact reader: engine edges', () => {
  test('a message reference used twice in one interchange is rejected (0085 code 26)', () => {
    const body = orders();
    const second = "UNH+1+ORDERS:D:96A:UN'\nBGM+220+PO124+9'\nUNT+3+1'\n";
    const text = body.replace("UNZ+1+00000042'", second + "UNZ+2+00000042'");
    const ic = parseBuffer(Buffer.from(text)).interchanges[0];
    const [first, dup] = ic.groups[0].transactions;
    expect(first.errors).toEqual([]);
    expect(dup.errors.map((d) => [d.level, d.code, d.location.segmentId, d.location.element])).toEqual([
      ['transaction', '26', 'UNH', 1],
    ]);
  });

  test('80-column space-padded records: spaces and tabs between segments are layout', () => {
    const padded = orders({ nl: '' })
      .split("'")
      .filter((s) => s !== '')
      .map((s) => (s + "'").padEnd(80, ' ') + '\r\n')
      .join('')
      .replace(/\r\n$/, '\t\r\n');
    const { interchanges, diagnostics } = parseBuffer(Buffer.from(padded));
    expect(diagnostics).toEqual([]);
    const ic = interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.groups[0].transactions[0].segments.map((s) => s.id)).toEqual(['UNH', 'BGM', 'NAD', 'UNT']);
    expect(ic.syntax.lineBreak).toBe('\r\n');
  });
});

describe('edifact reader: segment tags', () => {
  test('a tag of a capital letter and two capitals or digits is read; any other is reported (0085 15)', () => {
    const ic = parseBuffer(
      Buffer.from(orders({ body: ['BGM+220+PO1+9', 'bGM+1', '1GM+1', 'BG+1', 'BGMX+1', 'LIN+1'] })),
    ).interchanges[0];
    const tx = ic.groups[0].transactions[0];
    expect(tx.errors.map((d) => `${d.code}@${d.location.segment}:${d.location.segmentId}`)).toEqual([
      '15@3:bGM',
      '15@4:1GM',
      '15@5:BG',
      '15@6:BGM',
    ]);
  });
});
