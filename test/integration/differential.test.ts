/**
 * Differential tests: our parser against two independent parsers (node-x12 for X12, node-edifact for
 * EDIFACT) on the shared corpus. Each baseline is asked only about files it reads on its own terms;
 * where it cannot read a file, the file is listed with the baseline's reason and left out.
 */
import { basename } from 'node:path';
import { X12FatInterchange, X12Parser, type X12Interchange } from 'node-x12';
import { parseBuffer } from '../../src/edi/parse';
import type { Interchange } from '../../src/edi/model';
import { corpusAvailable, corpusFiles, describeWithCorpus, read } from '../helpers/corpus';

const available = corpusAvailable();
const d = describeWithCorpus;

interface Skipped {
  file: string;
  reason: string;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function printSkipped(baseline: string, skipped: Skipped[]): void {
  const lines = skipped.map((s) => `  ${s.file}: ${s.reason}`);
  console.log(
    `${baseline} could not read ${skipped.length} corpus file(s); they are not compared:\n${lines.join('\n') || '  (none)'}`,
  );
}

// ---------------------------------------------------------------------------------------------
// X12: node-x12 in strict mode
// ---------------------------------------------------------------------------------------------

interface X12Case {
  name: string;
  file: string;
  theirs: X12Interchange[];
}

function surveyX12(): { cases: X12Case[]; skipped: Skipped[] } {
  const cases: X12Case[] = [];
  const skipped: Skipped[] = [];
  for (const file of corpusFiles('x12')) {
    const name = basename(file);
    try {
      // A fresh parser per file: an X12Parser keeps its interchange between parse() calls.
      const result = new X12Parser(true).parse(read(file).toString('utf8'));
      const theirs = result instanceof X12FatInterchange ? result.interchanges : [result];
      cases.push({ name, file, theirs });
    } catch (e) {
      skipped.push({ file: name, reason: errorText(e) });
    }
  }
  return { cases, skipped };
}

/** ISA13 as written in the bytes, split naively on the ISA's own element separator. */
function rawIsa13(buf: Buffer, ic: Interchange): string {
  const head = buf.toString('latin1', ic.offset, ic.offset + 200);
  return head.split(head[3])[13] ?? '';
}

/** What is compared: per group GS06 and transaction count, per transaction ST01 and ST02. */
function x12Groups(ic: Interchange) {
  return ic.groups.map((g) => ({
    gs06: g.controlNumber,
    transactions: g.transactions.length,
    sets: g.transactions.map((t) => ({ st01: t.type, st02: t.controlNumber })),
  }));
}

function nodeX12Groups(ic: X12Interchange) {
  return ic.functionalGroups.map((g) => ({
    gs06: g.header.valueOf(6),
    transactions: g.transactions.length,
    sets: g.transactions.map((t) => ({ st01: t.header.valueOf(1), st02: t.header.valueOf(2) })),
  }));
}

d('differential: node-x12 (strict) against edi-gateway on the X12 corpus', () => {
  const { cases, skipped } = available ? surveyX12() : { cases: [], skipped: [] };

  test('differential: node-x12 strict reads at least 30 of the X12 corpus files, so the comparison covers the corpus', () => {
    printSkipped('node-x12 (strict)', skipped);
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  if (cases.length === 0) return;
  test.each(cases.map((c) => [c.name, c] as const))(
    'differential: node-x12 strict and edi-gateway agree on groups, transaction types and control numbers in %s',
    (_name, c) => {
      const buf = read(c.file);
      const ours = parseBuffer(buf).interchanges;

      // node-x12 takes every delimiter from the first ISA (fixed byte positions 3, 104, 105) and splits the
      // whole document with them, so a later interchange that uses other delimiters is not seen as one.
      // We therefore compare the interchanges node-x12 returned, in order, and require that any interchange
      // it did not return is one whose delimiters differ from the first's: the drop must be explained by
      // that defect, not by an extra interchange on our side.
      expect(c.theirs.length).toBeGreaterThan(0);
      expect(ours.length).toBeGreaterThanOrEqual(c.theirs.length);
      const delimiters = (ic: Interchange) => [ic.syntax.element, ic.syntax.component, ic.syntax.segment].join('');
      for (const extra of ours.slice(c.theirs.length)) expect(delimiters(extra)).not.toBe(delimiters(ours[0]));

      c.theirs.forEach((theirs, i) => {
        const mine = ours[i];
        // node-x12 rewrites ISA13 (and IEA02) through parseInt ('000000905' becomes '905'), so its value can
        // only be compared as a number. That alone would not catch us dropping leading zeros, so ours must
        // also be the 9 characters exactly as written in the bytes.
        expect(mine.controlNumber).toMatch(/^\d{9}$/);
        expect(mine.controlNumber).toBe(rawIsa13(buf, mine));
        expect(Number(mine.controlNumber)).toBe(Number(theirs.header.valueOf(13)));
        expect(x12Groups(mine)).toEqual(nodeX12Groups(theirs));
      });
    },
  );
});

// ---------------------------------------------------------------------------------------------
// EDIFACT: the edifact package (node-edifact)
// ---------------------------------------------------------------------------------------------

/** node-edifact ships no typings: the part of its API used here. */
interface EdifactSegment {
  name: string;
  elements: string[][];
}
interface EdifactValidator {
  define(definitions: unknown): void;
}
interface EdifactParser {
  encoding(level: string): void;
  on(event: 'opensegment', cb: (name: string) => void): void;
  on(event: 'element', cb: () => void): void;
  on(event: 'component', cb: (value: string) => void): void;
  write(chunk: string): void;
  end(): void;
}
interface EdifactModule {
  Reader: new (config?: { autoDetectEncoding?: boolean }) => { parse(document: string): EdifactSegment[] };
  Parser: new (validator?: EdifactValidator) => EdifactParser;
  Validator: new () => EdifactValidator;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const edifact = require('edifact') as EdifactModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const edifactDefinitions = [require('edifact/segments.js'), require('edifact/elements.js')] as unknown[];

/**
 * node-edifact with its segment and element definitions (as its Reader sets them up), but reading at its
 * widest character repertoire (UNOY) instead of the one UNB declares.
 */
function readWideRepertoire(text: string): EdifactSegment[] {
  const validator = new edifact.Validator();
  for (const defs of edifactDefinitions) validator.define(defs);
  const parser = new edifact.Parser(validator);
  parser.encoding('UNOY');
  const out: EdifactSegment[] = [];
  let elements: string[][] = [];
  let components: string[] = [];
  parser.on('opensegment', (name) => {
    elements = [];
    out.push({ name, elements });
  });
  parser.on('element', () => {
    components = [];
    elements.push(components);
  });
  parser.on('component', (value) => components.push(value));
  parser.write(text);
  parser.end();
  return out;
}

/** node-edifact's complaints about characters outside a repertoire, as opposed to about structure. */
const REPERTOIRE = /^(Invalid character .* at position \d+|No definition found for character encoding level \S+)$/s;

interface EdifactCase {
  name: string;
  file: string;
  theirs: EdifactSegment[];
  note?: string;
}

function surveyEdifact(): { cases: EdifactCase[]; skipped: Skipped[] } {
  const cases: EdifactCase[] = [];
  const skipped: Skipped[] = [];
  for (const file of corpusFiles('edifact')) {
    const name = basename(file);
    // Our reader decodes UNOA-UNOC as ISO-8859-1; the baseline gets the same characters.
    const text = read(file).toString('latin1');
    try {
      cases.push({ name, file, theirs: new edifact.Reader().parse(text) });
      continue;
    } catch (e) {
      const reason = errorText(e);
      // node-edifact enforces the repertoire UNB names (UNOA: upper case only) and knows no IATA/IATB.
      // Several real files break their declared repertoire, which says nothing about their envelopes, and
      // this test compares envelopes only. So, for a repertoire complaint and nothing else, the baseline
      // is asked again at its widest repertoire; any other failure (or a second one) skips the file.
      if (!REPERTOIRE.test(reason)) {
        skipped.push({ file: name, reason });
        continue;
      }
      try {
        cases.push({ name, file, theirs: readWideRepertoire(text), note: `read at UNOY after: ${reason}` });
      } catch (e2) {
        skipped.push({ file: name, reason: `${reason}; at UNOY: ${errorText(e2)}` });
      }
    }
  }
  return { cases, skipped };
}

d('differential: node-edifact against edi-gateway on the EDIFACT corpus', () => {
  const { cases, skipped } = available ? surveyEdifact() : { cases: [], skipped: [] };

  test('differential: node-edifact reads at least 6 of the EDIFACT corpus files, so the comparison covers the corpus', () => {
    printSkipped('node-edifact', skipped);
    const wide = cases.filter((c) => c.note).map((c) => `  ${c.name}: ${c.note}`);
    if (wide.length)
      console.log(`node-edifact read ${wide.length} file(s) only at its widest repertoire:\n${wide.join('\n')}`);
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  if (cases.length === 0) return;
  test.each(cases.map((c) => [c.name, c] as const))(
    'differential: node-edifact and edi-gateway agree on the UNH messages, their types and references in %s',
    (_name, c) => {
      const ours = parseBuffer(read(c.file))
        .interchanges.flatMap((ic) => ic.groups.flatMap((g) => g.transactions))
        .map((t) => ({ type: t.type, reference: t.controlNumber }));
      const theirs = c.theirs
        .filter((s) => s.name === 'UNH')
        .map((s) => ({ type: s.elements[1]?.[0], reference: s.elements[0]?.[0] }));
      expect(theirs.length).toBeGreaterThan(0);
      expect(ours).toEqual(theirs);
    },
  );
});
