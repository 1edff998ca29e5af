import { parseBuffer } from '../../src/edi/parse';
import { EdiReader } from '../../src/edi/reader';
import type { Interchange } from '../../src/edi/model';
import { allDiagnostics } from '../../src/edi/model';
import { isa, x12 } from '../helpers/build';
import { write } from '../../src/edi/write';

const parse = (s: string | Buffer) => parseBuffer(Buffer.isBuffer(s) ? s : Buffer.from(s));
const codes = (ic: Interchange) => allDiagnostics(ic).map((d) => `${d.level}:${d.code}`);

describe('x12 reader: delimiters come from each ISA', () => {
  test.each([
    ['* : ~', { el: '*', comp: ':', term: '~' }],
    ['| > newline terminator', { el: '|', comp: '>', term: '\n' }],
    ['^ \\ ! with CRLF after terminators', { el: '^', comp: '\\', term: '!', nl: '\r\n' }],
    ['* : ~ with LF after terminators', { el: '*', comp: ':', term: '~', nl: '\n' }],
  ])('reads an interchange delimited %s', (_n, d) => {
    const { interchanges, diagnostics } = parse(x12(d));
    expect(diagnostics).toEqual([]);
    expect(interchanges).toHaveLength(1);
    const ic = interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.syntax.element).toBe(d.el);
    expect(ic.syntax.component).toBe(d.comp);
    const tx = ic.groups[0].transactions[0];
    expect(tx.type).toBe('850');
    expect(tx.segments.map((s) => s.id)).toEqual(['ST', 'BEG', 'PO1', 'SE']);
    expect(tx.segments[2].elements[4]).toBe('');
  });

  test('a CRLF terminator (the ISA ends in CR LF) reads every segment without stray CRs', () => {
    const { interchanges } = parse(x12({ term: '\r\n' }));
    const ic = interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.groups[0].transactions[0].segments.every((s) => s.elements.every((e) => !String(e).includes('\r')))).toBe(
      true,
    );
  });

  test('each interchange in a file keeps its own delimiters', () => {
    const file =
      x12({ el: '*', comp: ':', term: '~', nl: '\n', control: '000000001' }) +
      x12({ el: '|', comp: '>', term: '\n', control: '000000002' });
    const { interchanges } = parse(file);
    expect(interchanges.map((i) => [i.controlNumber, i.syntax.element, i.syntax.segment])).toEqual([
      ['000000001', '*', '~'],
      ['000000002', '|', '\n'],
    ]);
    expect(interchanges.flatMap(codes)).toEqual([]);
  });

  test('control numbers are kept exactly as sent, leading zeros included', () => {
    const ic = parse(x12({ control: '000000905' })).interchanges[0];
    expect(ic.controlNumber).toBe('000000905');
    expect(ic.groups[0].transactions[0].controlNumber).toBe('0001');
  });

  test('the repetition separator (ISA11 from 00402 on) splits repeated elements', () => {
    const ic = parse(x12({ version: '00501', rep: '^', transactions: [['REF*ZZ*A^B^C:D']] })).interchanges[0];
    expect(ic.syntax.repetition).toBe('^');
    expect(ic.groups[0].transactions[0].segments[1].elements[1]).toEqual({ repeats: ['A', 'B', ['C', 'D']] });
  });

  test('in 00401, ISA11 is the standards identifier, not a separator', () => {
    const ic = parse(x12({ version: '00401', rep: 'U', transactions: [['REF*ZZ*AUB']] })).interchanges[0];
    expect(ic.syntax.repetition).toBeUndefined();
    expect(ic.groups[0].transactions[0].segments[1].elements[1]).toBe('AUB');
  });

  test('composites become arrays of components, trailing empty components kept', () => {
    const ic = parse(x12({ transactions: [['SV1*HC:99213:25:*40*UN*1']] })).interchanges[0];
    expect(ic.groups[0].transactions[0].segments[1].elements[0]).toEqual(['HC', '99213', '25', '']);
  });

  test('UTF-8 names are read as written (MÜLLER is not mangled)', () => {
    const ic = parse(Buffer.from(x12({ transactions: [['N1*ST*MÜLLER GMBH']] }), 'utf8')).interchanges[0];
    expect(ic.groups[0].transactions[0].segments[1].elements[1]).toBe('MÜLLER GMBH');
  });
});

describe('x12 reader: envelope checks', () => {
  test('an SE count that is off is reported on SE01 with AK5 code 4', () => {
    const bad = x12().replace('SE*4*0001', 'SE*5*0001');
    const ic = parse(bad).interchanges[0];
    const d = allDiagnostics(ic);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      level: 'transaction',
      code: '4',
      location: { transaction: '0001', segmentId: 'SE', element: 1, segment: 4 },
    });
  });

  test('mismatched trailer control numbers are reported at each level', () => {
    const bad = x12()
      .replace('SE*4*0001', 'SE*4*0002')
      .replace('GE*1*1', 'GE*1*2')
      .replace('IEA*1*000000905', 'IEA*1*000000906');
    expect(codes(parse(bad).interchanges[0]).sort()).toEqual(['group:4', 'interchange:001', 'transaction:3']);
  });

  test('wrong GE and IEA counts are reported (AK9 5, TA1 021)', () => {
    const bad = x12().replace('GE*1*1', 'GE*2*1').replace('IEA*1*', 'IEA*3*');
    expect(codes(parse(bad).interchanges[0]).sort()).toEqual(['group:5', 'interchange:021']);
  });

  test('a file cut short reports the missing trailers and keeps what it read', () => {
    const full = x12();
    const cut = full.slice(0, full.indexOf('SE*'));
    const ic = parse(cut).interchanges[0];
    expect(codes(ic).sort()).toEqual(['group:3', 'interchange:023', 'transaction:2']);
    expect(ic.groups[0].transactions[0].segments.map((s) => s.id)).toEqual(['ST', 'BEG', 'PO1']);
  });

  test('a duplicate ST02 within a group is reported (code 23)', () => {
    const two = x12({ transactions: [['BEG*00*SA*1**20240102'], ['BEG*00*SA*2**20240102']] })
      .replace(/ST\*850\*0002/, 'ST*850*0001')
      .replace(/SE\*3\*0002/, 'SE*3*0001');
    expect(codes(parse(two).interchanges[0])).toEqual(['transaction:23']);
  });

  test('an ISA that is not fixed-width is still read, and the element at fault is named', () => {
    const file = x12().replace('ZZ*SENDER         *', 'ZZ*SENDER*');
    const ic = parse(file).interchanges[0];
    const d = allDiagnostics(ic);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ level: 'interchange', code: '006', location: { segmentId: 'ISA', element: 6 } });
    expect(d[0].message).toContain('ISA06 is 6 wide, not 15');
    expect(ic.groups[0].transactions).toHaveLength(1);
  });

  test('a TA1 interchange acknowledgement is read into the interchange', () => {
    const file = isa() + 'TA1*000000123*240101*1200*R*022~IEA*0*000000905~';
    const ic = parse(file).interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.ta1).toEqual([{ controlNumber: '000000123', date: '240101', time: '1200', status: 'R', note: '022' }]);
  });

  test('garbage between interchanges is reported with its offset; both interchanges are read', () => {
    const a = x12({ control: '000000001' });
    const file = a + 'HELLO WORLD\n' + x12({ control: '000000002' });
    const r = parse(file);
    expect(r.interchanges).toHaveLength(2);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0].location.offset).toBe(a.length);
  });
});

describe('x12 reader: streaming', () => {
  test('chunk boundaries at every byte position give the same model', () => {
    const file = Buffer.from(
      x12({ nl: '\n', transactions: [['BEG*00*SA*1**20240102', 'N1*ST*MÜLLER'], ['BEG*00*SA*2**20240102']] }) +
        x12({ el: '|', comp: '>', term: '\n', control: '000000002' }),
    );
    const whole = JSON.stringify(parseBuffer(file).interchanges);
    for (let i = 1; i < file.length; i++) {
      const got: Interchange[] = [];
      const r = new EdiReader({ interchangeEnd: (ic) => got.push(ic) }, { retain: 'all' });
      r.push(file.subarray(0, i));
      r.push(file.subarray(i));
      r.end();
      expect(JSON.stringify(got)).toBe(whole);
    }
  });

  test('a file of several decoded windows reads every value as written, UTF-8 and long values included', () => {
    // 3,000 lines are about 150 KB: segments fall across the 64 KiB windows and the 16 KiB slices.
    // Line l is at segments[2l] (PO1) and [2l + 1] (PID), after ST and BEG.
    const lines: string[] = [];
    for (let l = 1; l <= 3000; l++) {
      const name = l % 7 === 0 ? `MÜLLER GMBH NR ${l}` : `ACME DISTRIBUTION CENTER ${l}`;
      lines.push(`PO1*${l}*5*EA*1.25**VP*SKU${l}:PART:${l % 3}`, `PID*F****${name}`);
    }
    const file = Buffer.from(x12({ nl: '\n', transactions: [['BEG*00*SA*1**20240102', ...lines]] }));
    const whole = parseBuffer(file).interchanges;
    const segments = whole[0].groups[0].transactions[0].segments;
    expect(segments).toHaveLength(2 + lines.length + 1);
    expect(segments[2 * 700].elements).toEqual(['700', '5', 'EA', '1.25', '', 'VP', ['SKU700', 'PART', '1']]);
    expect(segments[2 * 700 + 1].elements).toEqual(['F', '', '', '', 'MÜLLER GMBH NR 700']);
    expect(segments[2 * 2999 + 1].elements[4]).toBe('ACME DISTRIBUTION CENTER 2999');
    const got: Interchange[] = [];
    const r = new EdiReader({ interchangeEnd: (ic) => got.push(ic) }, { retain: 'all' });
    for (let i = 0; i < file.length; i += 16_384) r.push(file.subarray(i, i + 16_384));
    r.end();
    expect(JSON.stringify(got)).toBe(JSON.stringify(whole));
  });

  test('with retain none, transactions are handed out and not kept', () => {
    const seen: string[] = [];
    let kept = -1;
    const r = new EdiReader(
      {
        transaction: (t) => seen.push(t.controlNumber),
        interchangeEnd: (ic) => {
          kept = ic.groups[0].transactions.length;
        },
      },
      { retain: 'none' },
    );
    r.push(Buffer.from(x12({ transactions: [['BEG*00*SA*1**20240102'], ['BEG*00*SA*2**20240102']] })));
    r.end();
    expect(seen).toEqual(['0001', '0002']);
    expect(kept).toBe(0);
  });
});

describe('x12 reader: binary segments', () => {
  test('BIN02 is read by the length in BIN01, so it may hold the terminator and separators', () => {
    const data = 'A~B*C:D\nE';
    const file = x12({
      transactions: [['BEG*00*SA*PO1**20240102', `BIN*${Buffer.byteLength(data)}*${data}`, 'CTT*1']],
    });
    const ic = parseBuffer(Buffer.from(file)).interchanges[0];
    expect(codes(ic)).toEqual([]);
    const bin = ic.groups[0].transactions[0].segments[2];
    expect(bin).toMatchObject({ id: 'BIN', elements: [String(data.length), data] });
    expect(write(ic).toString()).toBe(file);
  });

  test('a BIN01 that does not match the data is reported (and the segment read as text)', () => {
    const file = x12({ transactions: [['BIN*99*SHORT', 'CTT*1']] });
    const tx = parseBuffer(Buffer.from(file)).interchanges[0].groups[0].transactions[0];
    expect(tx.errors.map((e) => [e.level, e.code, e.location.segmentId, e.location.element])).toEqual([
      ['element', '4', 'BIN', 2],
    ]);
  });
});

describe('x12 reader: engine edges', () => {
  test('BIN02 is counted in raw bytes, so binary data with bytes above 0x7f is accepted', () => {
    const data = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x7e, 0x00, 0xc3]);
    const [head, tail] = x12({ transactions: [['BEG*00*SA*PO1**20240102', '@', 'CTT*1']] }).split('@');
    const file = Buffer.concat([Buffer.from(head + `BIN*${data.length}*`), data, Buffer.from(tail)]);
    const ic = parseBuffer(file).interchanges[0];
    expect(codes(ic)).toEqual([]);
    const bin = ic.groups[0].transactions[0].segments[2];
    expect(bin.id).toBe('BIN');
    expect(Buffer.from(bin.elements[1] as string, 'latin1')).toEqual(data);
  });

  test('a BIN read as text is measured in its raw bytes: two-byte UTF-8 characters count twice', () => {
    // 'ÄÖ' is 4 bytes in UTF-8; BIN01 says 4 but a terminator does not follow 4 bytes later (it is 5 bytes).
    const file = x12({ transactions: [['BIN*4*ÄÖX', 'CTT*1']] });
    const tx = parseBuffer(Buffer.from(file)).interchanges[0].groups[0].transactions[0];
    expect(tx.errors.map((e) => [e.code, e.location.segmentId, e.location.element, e.message])).toEqual([
      ['5', 'BIN', 2, 'BIN01 says 4 bytes of binary data but BIN02 holds 5'],
    ]);
  });

  test('a 005010 BDS is read by the length in BDS02, so it may hold the terminator', () => {
    const data = 'QUJD~RE*Y:';
    const file = x12({
      version: '00501',
      rep: '^',
      transactions: [['BEG*00*SA*PO1**20240102', `BDS*B64*${data.length}*${data}`, 'CTT*1']],
    });
    const ic = parseBuffer(Buffer.from(file)).interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.groups[0].transactions[0].segments[2]).toMatchObject({
      id: 'BDS',
      elements: ['B64', String(data.length), data],
    });
    expect(write(ic).toString()).toBe(file);
  });

  test('a BDS whose BDS02 does not match its data is reported at BDS03', () => {
    const file = x12({ version: '00501', rep: '^', transactions: [['BDS*ASC*3*ABCDEF', 'CTT*1']] });
    const tx = parseBuffer(Buffer.from(file)).interchanges[0].groups[0].transactions[0];
    expect(tx.errors.map((e) => [e.code, e.location.segmentId, e.location.element])).toEqual([['5', 'BDS', 3]]);
  });

  test('a control character as ISA11 (00501 repetition separator) is accepted like the other delimiters', () => {
    const file = x12({ version: '00501', rep: '\x1f', term: '\x1c', transactions: [['REF*ZZ*A\x1fB']] });
    const ic = parse(file).interchanges[0];
    expect(codes(ic)).toEqual([]);
    expect(ic.syntax.repetition).toBe('\x1f');
    expect(ic.groups[0].transactions[0].segments[1].elements[1]).toEqual({ repeats: ['A', 'B'] });
    expect(write(ic).toString('latin1')).toBe(file);
  });

  test('an ISA11 repetition separator that is also the component separator is refused (TA1 016)', () => {
    const ic = parse(x12({ version: '00501', rep: ':' })).interchanges[0];
    expect(codes(ic)).toContain('interchange:016');
  });
});

describe('reader: UTF-16 input', () => {
  const x12Text = x12();
  const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();
  test.each([
    [
      'X12, little-endian with a byte-order mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(x12Text, 'utf16le')]),
      'little-endian, with a byte-order mark',
    ],
    [
      'X12, big-endian with a byte-order mark',
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(x12Text)]),
      'big-endian, with a byte-order mark',
    ],
    [
      'EDIFACT, little-endian without a mark',
      Buffer.from("UNB+UNOC:3+S:14+R:14+240102:1230+7'UNZ+0+7'", 'utf16le'),
      'little-endian',
    ],
    [
      'EDIFACT, big-endian without a mark',
      utf16be("UNA:+.? 'UNB+UNOC:3+S:14+R:14+240102:1230+7'UNZ+0+7'"),
      'big-endian',
    ],
  ])('%s is refused saying it is UTF-16, not "not X12 or EDIFACT"', (_name, bytes, how) => {
    expect(() => parseBuffer(bytes)).toThrow(`the file is UTF-16 text (${how})`);
  });
});

describe('x12 reader: segment tags', () => {
  test('a tag of two or three capital letters and digits is read; any other is reported where it is (IK3 1)', () => {
    const ic = parse(x12({ transactions: [['N1*ST*ACME', 'PO1*1', 'n1*ST', 'N1X2*A', 'Ü1*A', 'N*A', 'N1*BT*ACME']] }))
      .interchanges[0];
    const tx = ic.groups[0].transactions[0];
    expect(tx.segments.map((s) => s.id)).toEqual(['ST', 'N1', 'PO1', 'n1', 'N1X2', 'Ü1', 'N', 'N1', 'SE']);
    expect(tx.errors.map((d) => `${d.code}@${d.location.segment}:${d.location.segmentId}`)).toEqual([
      '1@4:n1',
      '1@5:N1X',
      '1@6:Ü1',
      '1@7:N',
    ]);
    // Tags are shared between segments: the same value, whatever the segment's text around it.
    expect(tx.segments[1].id).toBe(tx.segments[7].id);
  });
});
