/**
 * Property tests of the EDI engine: generated interchanges with random delimiters read back as built and
 * write back byte for byte; the reader does not care where chunks break; mutated bytes only ever produce
 * located diagnostics (or UnreadableInput for what is not EDI at all).
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { parseBuffer, UnreadableInput } from '../../src/edi/parse';
import { EdiReader } from '../../src/edi/reader';
import { write } from '../../src/edi/write';
import { TextRefused } from '../../src/edi/text-refused';
import { allDiagnostics, type Diagnostic, type Element, type Interchange, type Value } from '../../src/edi/model';
import { builtInProfiles } from '../../src/config/profiles';
import { corpusAvailable, corpusDir, describeWithCorpus, read } from '../helpers/corpus';

/** Printable ASCII that is neither a letter, a digit nor a space: the legal delimiter candidates. */
const PUNCT = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];
const UPPER_DIGIT = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
/** Non-ASCII text: X12 is read as UTF-8, EDIFACT UNOC as ISO-8859-1 (so only latin-1 there). */
const X12_EXTRA = ['Ü', 'é', 'ñ', 'ß', '°', '€', 'Ω'];
const LATIN1_EXTRA = ['Ü', 'é', 'ñ', 'ß', '°', '½', 'ÿ', 'Ã'];
const LINE_BREAKS = ['', '\n', '\r\n'];

const available = corpusAvailable();

const envelopeErrors = (ics: Interchange[]) =>
  ics
    .flatMap(allDiagnostics)
    .filter(
      (x) => x.severity === 'error' && (x.level === 'interchange' || x.level === 'group' || x.level === 'transaction'),
    );

/** A segment as generated: tag and elements in the model's own form (the expected parse). */
interface GenSegment {
  id: string;
  elements: Element[];
}

function joinElement(
  e: Element,
  component: string,
  repetition: string | undefined,
  esc: (s: string) => string,
): string {
  const value = (v: Value) => (typeof v === 'string' ? esc(v) : v.map(esc).join(component));
  if (typeof e === 'string' || Array.isArray(e)) return value(e);
  if (repetition === undefined) throw new Error('a repeated element needs a repetition separator');
  return e.repeats.map(value).join(repetition);
}

/** Simple values, composites (2-3 components) and, where a repetition separator exists, repeats. */
function elementArb(value: fc.Arbitrary<string>, repeats: boolean): fc.Arbitrary<Element> {
  const composite = fc.array(value, { minLength: 2, maxLength: 3 });
  const options: fc.WeightedArbitrary<Element>[] = [
    { weight: 6, arbitrary: value },
    { weight: 2, arbitrary: composite },
  ];
  if (repeats) {
    options.push({
      weight: 1,
      arbitrary: fc.array(fc.oneof(value, composite), { minLength: 2, maxLength: 3 }).map((r) => ({ repeats: r })),
    });
  }
  return fc.oneof(...options);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

// ---------------------------------------------------------------------------------------------
// X12
// ---------------------------------------------------------------------------------------------

interface X12Delims {
  element: string;
  component: string;
  repetition: string;
  segment: string;
  lineBreak: string;
}
interface X12Tx {
  type: string;
  control: string;
  segments: GenSegment[];
}
interface X12Group {
  control: string;
  transactions: X12Tx[];
}
interface X12Gen {
  d: X12Delims;
  sender: string;
  receiver: string;
  date: string;
  time: string;
  control: string;
  usage: string;
  groups: X12Group[];
}

const X12_ENVELOPE_TAGS = new Set(['ISA', 'IEA', 'GS', 'GE', 'ST', 'SE', 'TA1', 'ISB', 'ISE']);
const x12Tag = fc
  .string({ unit: fc.constantFrom(...UPPER_DIGIT), minLength: 2, maxLength: 3 })
  .filter((t) => !X12_ENVELOPE_TAGS.has(t));

const x12Delims: fc.Arbitrary<X12Delims> = fc
  .tuple(fc.uniqueArray(fc.constantFrom(...PUNCT), { minLength: 4, maxLength: 4 }), fc.constantFrom(...LINE_BREAKS))
  .map(([[element, component, repetition, segment], lineBreak]) => ({
    element,
    component,
    repetition,
    segment,
    lineBreak,
  }));

/** Control numbers as strings, often with leading zeros, which must survive. */
const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

const x12Arb: fc.Arbitrary<X12Gen> = x12Delims.chain((d) => {
  const delimiters = new Set([d.element, d.component, d.repetition, d.segment]);
  const alphabet = [...ALNUM, ' ', ...PUNCT.filter((c) => !delimiters.has(c)), ...X12_EXTRA];
  const value = fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 8 });
  const segment = fc.record({ id: x12Tag, elements: fc.array(elementArb(value, true), { maxLength: 5 }) });
  const tx = fc.record({ type: digits(3, 3), segments: fc.array(segment, { minLength: 1, maxLength: 4 }) });
  const group = fc
    .tuple(fc.array(tx, { minLength: 1, maxLength: 4 }), fc.uniqueArray(digits(4, 9), { minLength: 4, maxLength: 4 }))
    .map(([txs, controls]) => txs.map((t, i) => ({ ...t, control: controls[i] })));
  const groups = fc
    .tuple(
      fc.array(group, { minLength: 1, maxLength: 3 }),
      fc.uniqueArray(digits(1, 9), { minLength: 3, maxLength: 3 }),
    )
    .map(([gs, controls]) => gs.map((transactions, i) => ({ control: controls[i], transactions })));
  return fc.record({
    d: fc.constant(d),
    sender: fc.string({ unit: fc.constantFrom(...UPPER_DIGIT), minLength: 1, maxLength: 15 }),
    receiver: fc.string({ unit: fc.constantFrom(...UPPER_DIGIT), minLength: 1, maxLength: 15 }),
    date: fc
      .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
      .map(([y, m, dd]) => pad(y, 2) + pad(m, 2) + pad(dd, 2)),
    time: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => pad(h, 2) + pad(m, 2)),
    control: fc.oneof(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999_999_999 })).map((n) => pad(n, 9)),
    usage: fc.constantFrom('P', 'T', 'I'),
    groups,
  });
});

function buildX12(g: X12Gen): Buffer {
  const { element: el, component, repetition, segment, lineBreak } = g.d;
  const end = segment + lineBreak;
  const seg = (id: string, elements: Element[]) =>
    id + elements.map((e) => el + joinElement(e, component, repetition, (s) => s)).join('') + end;
  const isa = [
    'ISA',
    '00',
    ' '.repeat(10),
    '00',
    ' '.repeat(10),
    'ZZ',
    g.sender.padEnd(15),
    'ZZ',
    g.receiver.padEnd(15),
    g.date,
    g.time,
    repetition,
    '00501',
    g.control,
    '0',
    g.usage,
    component,
  ].join(el);
  if (isa.length !== 105) throw new Error(`built ISA is ${isa.length + 1} bytes`);
  let out = isa + end;
  for (const grp of g.groups) {
    out += seg('GS', ['FA', 'SENDERDEPT', 'RECEIVERDEPT', '20' + g.date, g.time, grp.control, 'X', '005010']);
    for (const tx of grp.transactions) {
      out += seg('ST', [tx.type, tx.control]);
      for (const s of tx.segments) out += seg(s.id, s.elements);
      out += seg('SE', [String(tx.segments.length + 2), tx.control]);
    }
    out += seg('GE', [String(grp.transactions.length), grp.control]);
  }
  out += seg('IEA', [String(g.groups.length), g.control]);
  return Buffer.from(out, 'utf8');
}

describe('property: generated X12 interchanges with random delimiters', () => {
  test(
    'property: X12 with random delimiters, line breaks and UTF-8 values parses without envelope errors, ' +
      'keeps control numbers and writes back the same bytes',
    () => {
      fc.assert(
        fc.property(x12Arb, (g) => {
          const bytes = buildX12(g);
          const result = parseBuffer(bytes);
          expect(result.diagnostics).toEqual([]);
          expect(envelopeErrors(result.interchanges)).toEqual([]);
          expect(result.interchanges).toHaveLength(1);
          const ic = result.interchanges[0];
          expect(ic.syntax).toMatchObject({
            element: g.d.element,
            component: g.d.component,
            segment: g.d.segment,
            repetition: g.d.repetition,
          });
          expect(ic.controlNumber).toBe(g.control);
          expect(ic.groups.map((x) => x.controlNumber)).toEqual(g.groups.map((x) => x.control));
          ic.groups.forEach((grp, i) => {
            const want = g.groups[i].transactions;
            expect(grp.transactions.map((t) => [t.type, t.controlNumber])).toEqual(
              want.map((t) => [t.type, t.control]),
            );
            grp.transactions.forEach((t, j) => {
              expect(t.segments.slice(1, -1).map((s) => ({ id: s.id, elements: s.elements }))).toEqual(
                want[j].segments,
              );
            });
          });
          const out = write(result.interchanges);
          // The writer keeps the line break it read, so the bytes come back whole; the brief's weaker
          // form (equal once line breaks are removed) follows from this.
          expect(out.toString('utf8')).toBe(bytes.toString('utf8'));
          expect(out.equals(bytes)).toBe(true);
        }),
        { numRuns: 150 },
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------
// EDIFACT
// ---------------------------------------------------------------------------------------------

interface EdifactDelims {
  component: string;
  element: string;
  decimal: string;
  release: string;
  repetition?: string;
  segment: string;
  lineBreak: string;
}
interface EdifactMsg {
  type: string;
  reference: string;
  segments: GenSegment[];
}
interface EdifactGen {
  d: EdifactDelims;
  reference: string;
  groups?: { reference: string; messages: EdifactMsg[] }[];
  messages: EdifactMsg[];
}

const edifactDelims: fc.Arbitrary<EdifactDelims> = fc.constantFrom('.', ',').chain((decimal) =>
  fc
    .record({
      chars: fc.uniqueArray(fc.constantFrom(...PUNCT.filter((c) => c !== decimal)), { minLength: 5, maxLength: 5 }),
      useRepetition: fc.boolean(),
      lineBreak: fc.constantFrom(...LINE_BREAKS),
    })
    .map(({ chars: [component, element, release, repetition, segment], useRepetition, lineBreak }) => ({
      component,
      element,
      decimal,
      release,
      segment,
      lineBreak,
      ...(useRepetition ? { repetition } : {}),
    })),
);

function serviceChars(d: EdifactDelims): string[] {
  return [d.component, d.element, d.release, d.segment, ...(d.repetition ? [d.repetition] : [])];
}

/** The release character goes before every service character in a value (ISO 9735 rule). */
function releaser(d: EdifactDelims): (s: string) => string {
  const service = new Set(serviceChars(d));
  return (s) => [...s].map((c) => (service.has(c) ? d.release + c : c)).join('');
}

const edifactTag = fc
  .tuple(
    fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
    fc.string({ unit: fc.constantFrom(...UPPER_DIGIT), minLength: 2, maxLength: 2 }),
  )
  .map(([a, b]) => a + b)
  .filter((t) => !t.startsWith('UN'));

function edifactArbFor(d: EdifactDelims): fc.Arbitrary<EdifactGen> {
  const service = serviceChars(d);
  const plain = [...ALNUM, ' ', ...PUNCT.filter((c) => !service.includes(c)), ...LATIN1_EXTRA];
  const unit = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...plain) },
    { weight: 2, arbitrary: fc.constantFrom(...service) },
  );
  const value = fc.string({ unit, maxLength: 8 });
  const segment = fc.record({
    id: edifactTag,
    elements: fc.array(elementArb(value, d.repetition !== undefined), { maxLength: 5 }),
  });
  const reference = fc.string({ unit: fc.constantFrom(...UPPER_DIGIT), minLength: 1, maxLength: 14 });
  const message = fc.record({
    type: fc.constantFrom('ORDERS', 'INVOIC', 'DESADV', 'PRICAT', 'IFTMIN'),
    segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
  });
  const messages = (max: number) =>
    fc
      .tuple(
        fc.array(message, { minLength: 1, maxLength: max }),
        fc.uniqueArray(reference, { minLength: max, maxLength: max }),
      )
      .map(([ms, refs]) => ms.map((m, i) => ({ ...m, reference: refs[i] })));
  return fc.record({
    d: fc.constant(d),
    reference,
    messages: messages(4),
    groups: fc.option(
      fc
        .tuple(
          fc.array(messages(3), { minLength: 1, maxLength: 2 }),
          fc.uniqueArray(reference, { minLength: 2, maxLength: 2 }),
          // UNH references are unique in the whole interchange, not only in their group (a repeat is an error).
          fc.uniqueArray(reference, { minLength: 6, maxLength: 6 }),
        )
        .map(([gs, refs, unh]) => {
          let next = 0;
          return gs.map((ms, i) => ({
            reference: refs[i],
            messages: ms.map((m) => ({ ...m, reference: unh[next++] })),
          }));
        }),
      { nil: undefined },
    ),
  });
}

const edifactArb = edifactDelims.chain(edifactArbFor);

function buildEdifact(g: EdifactGen): Buffer {
  const d = g.d;
  const esc = releaser(d);
  const end = d.segment + d.lineBreak;
  const seg = (id: string, elements: Element[]) =>
    id + elements.map((e) => d.element + joinElement(e, d.component, d.repetition, esc)).join('') + end;
  let out = `UNA${d.component}${d.element}${d.decimal}${d.release}${d.repetition ?? ' '}${d.segment}${d.lineBreak}`;
  out += seg('UNB', [
    ['UNOC', d.repetition ? '4' : '3'],
    ['SENDER', 'ZZ'],
    ['RECEIVER', 'ZZ'],
    ['240229', '2359'],
    g.reference,
  ]);
  const msg = (m: EdifactMsg) => {
    out += seg('UNH', [m.reference, [m.type, 'D', '96A', 'UN']]);
    for (const s of m.segments) out += seg(s.id, s.elements);
    out += seg('UNT', [String(m.segments.length + 2), m.reference]);
  };
  if (g.groups) {
    for (const grp of g.groups) {
      out += seg('UNG', [
        'INVOIC',
        ['SENDER', 'ZZ'],
        ['RECEIVER', 'ZZ'],
        ['240229', '2359'],
        grp.reference,
        'UN',
        ['D', '96A'],
      ]);
      grp.messages.forEach(msg);
      out += seg('UNE', [String(grp.messages.length), grp.reference]);
    }
  } else {
    g.messages.forEach(msg);
  }
  out += seg('UNZ', [String(g.groups ? g.groups.length : g.messages.length), g.reference]);
  return Buffer.from(out, 'latin1');
}

describe('property: generated EDIFACT interchanges with random service characters', () => {
  test('property: EDIFACT with a random UNA and values full of service characters reads back the unescaped values and writes back the same bytes', () => {
    fc.assert(
      fc.property(edifactArb, (g) => {
        const bytes = buildEdifact(g);
        const result = parseBuffer(bytes);
        expect(result.diagnostics).toEqual([]);
        expect(envelopeErrors(result.interchanges)).toEqual([]);
        expect(result.interchanges).toHaveLength(1);
        const ic = result.interchanges[0];
        expect(ic.controlNumber).toBe(g.reference);
        expect(ic.syntax).toMatchObject({
          component: g.d.component,
          element: g.d.element,
          decimal: g.d.decimal,
          release: g.d.release,
          segment: g.d.segment,
        });
        expect(ic.syntax.repetition).toBe(g.d.repetition);
        const wantGroups = g.groups ?? [{ reference: undefined, messages: g.messages }];
        expect(ic.groups.map((x) => x.controlNumber)).toEqual(wantGroups.map((x) => x.reference));
        ic.groups.forEach((grp, i) => {
          const want = wantGroups[i].messages;
          expect(grp.transactions.map((t) => [t.type, t.controlNumber])).toEqual(
            want.map((m) => [m.type, m.reference]),
          );
          grp.transactions.forEach((t, j) => {
            expect(t.segments.slice(1, -1).map((s) => ({ id: s.id, elements: s.elements }))).toEqual(want[j].segments);
          });
        });
        const out = write(result.interchanges);
        expect(out.toString('latin1')).toBe(bytes.toString('latin1'));
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Chunk independence
// ---------------------------------------------------------------------------------------------

/** Everything a reader hands out, as JSON: interchanges in full and the stray diagnostics. */
function readChunks(chunks: Buffer[]): string {
  const interchanges: Interchange[] = [];
  const diagnostics: Diagnostic[] = [];
  const reader = new EdiReader(
    { interchangeEnd: (ic) => interchanges.push(ic), diagnostic: (x) => diagnostics.push(x) },
    { retain: 'all' },
  );
  for (const c of chunks) reader.push(c);
  reader.end();
  return JSON.stringify({ interchanges, diagnostics });
}

function wholeParse(bytes: Buffer): string {
  const r = parseBuffer(bytes);
  return JSON.stringify({ interchanges: r.interchanges, diagnostics: r.diagnostics });
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  // Copies, so no chunk shares memory with the whole buffer or with another chunk.
  return points.slice(1).map((p, i) => Buffer.from(bytes.subarray(points[i], p)));
}

/** A fixed interchange from the generator above whose values hold release characters next to terminators. */
const releasedFixture: EdifactGen = {
  d: { component: ':', element: '+', decimal: '.', release: '?', segment: "'", lineBreak: '\n' },
  reference: '000017',
  messages: [
    {
      type: 'ORDERS',
      reference: 'M0001',
      segments: [
        { id: 'BGM', elements: ['220', 'PO-1'] },
        { id: 'FTX', elements: ['AAI', '', '', "50+ OFF: NOW'"] }, // ends in a released terminator: ?''
        { id: 'FTX', elements: ['AAI', '', '', 'C:?TEMP?'] }, // ends in a released release character: ??'
        { id: 'NAD', elements: ['BY', '', '', "MÜLLER + SÖHNE'S", ['?', "'"]] },
        { id: 'RFF', elements: [['ON', "'?'"]] },
      ],
    },
  ],
};

describe('chunk independence: the reader gives the same model wherever the chunks break', () => {
  const fixtures: [string, () => Buffer][] = [
    ['generated EDIFACT with release characters', () => buildEdifact(releasedFixture)],
  ];
  if (available) {
    fixtures.unshift(
      [
        'x12/staedi__x12_invoice810_po850_dual.edi',
        () => read(join(corpusDir, 'x12', 'staedi__x12_invoice810_po850_dual.edi')),
      ],
      [
        'edifact/staedi__EDIFACT_invoic_d97b_una.edi',
        () => read(join(corpusDir, 'edifact', 'staedi__EDIFACT_invoic_d97b_una.edi')),
      ],
    );
  }

  test.each(fixtures)(
    'chunk independence: %s split in two at every byte position reads as the whole',
    (_name, load) => {
      const bytes = load();
      const whole = wholeParse(bytes);
      expect(JSON.parse(whole).interchanges.length).toBeGreaterThan(0);
      const differ: number[] = [];
      for (let i = 0; i <= bytes.length; i++) if (readChunks(splitAt(bytes, [i])) !== whole) differ.push(i);
      expect(differ).toEqual([]);
    },
  );

  test.each(fixtures)('chunk independence: %s in random multi-chunk splits reads as the whole', (_name, load) => {
    const bytes = load();
    const whole = wholeParse(bytes);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { minLength: 1, maxLength: 40 }),
        (cuts) => {
          expect(readChunks(splitAt(bytes, cuts))).toBe(whole);
        },
      ),
      { numRuns: 100 },
    );
    // One byte at a time: every boundary at once.
    expect(
      readChunks(
        splitAt(
          bytes,
          Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
        ),
      ),
    ).toBe(whole);
  });

  test('chunk independence: a chunk that ends right after a release character before a released segment terminator', () => {
    const bytes = buildEdifact(releasedFixture);
    const text = bytes.toString('latin1');
    const at = text.indexOf("?''");
    expect(at).toBeGreaterThan(0);
    const whole = wholeParse(bytes);
    // First chunk ends with '?', the next begins with the terminator it releases.
    expect(readChunks(splitAt(bytes, [at + 1]))).toBe(whole);
    // The value comes back with the terminator in it, not cut there.
    const ftx = parseBuffer(bytes).interchanges[0].groups[0].transactions[0].segments[2];
    expect(ftx.elements[3]).toBe("50+ OFF: NOW'");
    // And a released release character just before a real terminator, split between the two releases.
    const at2 = text.indexOf("??'");
    expect(at2).toBeGreaterThan(0);
    expect(readChunks(splitAt(bytes, [at2 + 1]))).toBe(whole);
    expect(readChunks(splitAt(bytes, [at2 + 2]))).toBe(whole);
  });

  // Engine bugs found by mutating corpus files and splitting them (minimal inputs). Both fail today.

  test(
    'chunk independence (engine bug): a UNH after bytes that are not EDI is garbage when read whole, ' +
      'but a bare message when a chunk ends just after its U or UN',
    () => {
      // Read whole, the reader skips garbage looking only for ISA/UNA/UNB, so the UNH is part of the garbage
      // (no interchange). When the first chunk ends at "\nU" or "\nUN", the reader keeps that tail, starts
      // the next turn on it, and its header detection (which knows UNH) opens a bare-message interchange.
      const bytes = Buffer.from("BGM'\nUNH+1+ORDERS:D:96A:UN'UNT+2+1'", 'latin1');
      const whole = readChunks([bytes]);
      expect(readChunks(splitAt(bytes, [6]))).toBe(whole);
      expect(readChunks(splitAt(bytes, [7]))).toBe(whole);
    },
  );

  test(
    'chunk independence (engine bug): an ISA whose fixed-width field holds the element separator reads ' +
      'differently when the first chunk ends inside the ISA',
    () => {
      // 106 bytes with all 16 separators at their fixed positions, plus one more inside ISA02. Read whole, the
      // fixed layout is recognised (component ':' and terminator '~'). With fewer than 106 bytes in hand the
      // ISA scan falls back to counting separators and decides at once that '*' is the terminator, instead of
      // waiting for more bytes: the interchange is lost.
      const isa =
        'ISA*00*AB*       *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*:~';
      expect(isa).toHaveLength(106);
      const bytes = Buffer.from(
        `${isa}GS*FA*S*R*20240101*1200*1*X*005010~ST*997*0001~AK1*FA*1~SE*3*0001~GE*1*1~IEA*1*000000001~`,
        'latin1',
      );
      const whole = readChunks([bytes]);
      expect(readChunks(splitAt(bytes, [104]))).toBe(whole);
      expect(readChunks(splitAt(bytes, [105]))).toBe(whole);
    },
  );

  test('chunk independence: the generated fixture reads back its unescaped values and writes back its bytes', () => {
    const bytes = buildEdifact(releasedFixture);
    const r = parseBuffer(bytes);
    expect(envelopeErrors(r.interchanges)).toEqual([]);
    const segs = r.interchanges[0].groups[0].transactions[0].segments.slice(1, -1);
    expect(segs.map((s) => ({ id: s.id, elements: s.elements }))).toEqual(releasedFixture.messages[0].segments);
    expect(write(r.interchanges).equals(bytes)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Mutated bytes
// ---------------------------------------------------------------------------------------------

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'truncate'; at: number };

/** Bytes that make mutations interesting: delimiters, tags' letters, line breaks, NUL, high bytes. */
const mutationByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(...Buffer.from("~*:^>|'+?\r\n ISAGEUNHTZ0123456789", 'latin1')),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: mutationByte }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: mutationByte }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
);

function mutate(bytes: Buffer, ms: Mutation[]): Buffer {
  let b = bytes;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.kind === 'insert' ? 1 : 0));
    if (m.kind === 'flip' && b.length > 0) {
      b = Buffer.from(b);
      b[at] = m.byte;
    }
    if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.of(m.byte), b.subarray(at)]);
    if (m.kind === 'delete' && b.length > 0) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    if (m.kind === 'truncate') b = Buffer.from(b.subarray(0, at));
  }
  return b;
}

const MUTATED = [
  'x12/staedi__x12_invoice810_po850_dual.edi',
  'x12/staedi__x12_simple997-multiple-interchanges.edi',
  'x12/node-x12__test-data_855.edi',
  'x12/stupidedi__X222A1-HC837-Health-Care-Claim-Professional_pass_commercial-health-insurance.edi',
  'edifact/staedi__EDIFACT_invoic_d97b_una.edi',
  'edifact/smooks__paxlst_paxlst.txt',
  'bad/staedi__EDIFACT_orders-with-group.edi',
];

/** Parses mutated bytes; returns why the outcome breaks the error model, or undefined when it keeps to it. */
function checkErrorModel(bytes: Buffer, opts: Parameters<typeof parseBuffer>[1]): string | undefined {
  let result: ReturnType<typeof parseBuffer>;
  try {
    result = parseBuffer(bytes, opts);
  } catch (e) {
    if (e instanceof UnreadableInput) return undefined;
    return `parseBuffer threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
  }
  for (const x of [...result.diagnostics, ...result.interchanges.flatMap(allDiagnostics)]) {
    if (typeof x.code !== 'string' || x.code === '') return `diagnostic without a code: ${JSON.stringify(x)}`;
    if (x.location.offset === undefined && x.location.segment === undefined)
      return `diagnostic without an offset or segment: ${JSON.stringify(x)}`;
  }
  for (const ic of result.interchanges) {
    if (ic.groups.some((g) => g.transactions.some((t) => t.segments.length === 0))) continue;
    try {
      write(ic);
    } catch (e) {
      // A flipped byte can name a syntax level (UNOA, UNOW...) the text read does not fit: writing it back
      // under that level is refused, each value named, as the writer refuses any text its level cannot carry.
      if (e instanceof TextRefused && e.problems.length > 0 && e.problems.every((p) => p.position > 0)) continue;
      return `write threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
    }
  }
  return undefined;
}

describeWithCorpus('mutated bytes never escape the error model', () => {
  const profiles = available ? builtInProfiles().set : undefined;

  test.each(MUTATED)(
    'mutated bytes: random flips, inserts, deletes and truncation of %s give located diagnostics or UnreadableInput, and what is read can be written',
    (file) => {
      const original = read(join(corpusDir, file));
      expect(checkErrorModel(original, { profiles })).toBeUndefined();
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => {
          const problem = checkErrorModel(mutate(original, ms), { profiles });
          if (problem) throw new Error(problem);
        }),
        { numRuns: 250 },
      );
    },
  );
});
