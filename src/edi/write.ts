import type { Element, Interchange, Segment, Transaction } from './model';
import { type Charset, describeChar, edifactCharset, encode, firstUnencodable } from './charset';
import { mapValues } from './interchange-text';
import { type TextProblem, TextRefused } from './text-refused';
import { joinElement as joinX12 } from './x12/segment';
import { type EdifactDelimiters, joinElement as joinEdifact } from './edifact/segment';

export interface WriteOptions {
  /** What follows each segment terminator: '' (one line), '\n' or '\r\n'. Default: as read, else ''. */
  lineBreak?: string;
}

/**
 * Writes interchanges back to bytes with their own delimiters. Trailers are computed, never copied:
 * SE/UNT segment counts, GE/UNE and IEA/UNZ counts, and each trailer's control number from its header.
 */
export function write(ics: Interchange | Interchange[], opts: WriteOptions = {}): Buffer {
  const list = Array.isArray(ics) ? ics : [ics];
  return Buffer.concat(list.map((ic) => (ic.standard === 'x12' ? writeX12(ic, opts) : writeEdifact(ic, opts))));
}

function body(tx: Transaction, trailerId: string): Segment[] {
  const segs = tx.segments;
  if (segs.length === 0)
    throw new Error(`transaction ${tx.controlNumber} has no segments to write (parsed at envelope level?)`);
  return segs[segs.length - 1].id === trailerId ? segs.slice(0, -1) : segs;
}

export function writeX12(ic: Interchange, opts: WriteOptions = {}): Buffer {
  const s = ic.syntax;
  const el = s.element;
  const d = {
    element: el,
    component: s.component,
    segment: s.segment,
    ...(s.repetition ? { repetition: s.repetition } : {}),
  };
  const end = s.segment + (opts.lineBreak ?? s.lineBreak ?? '');
  const out: string[] = [];
  const seg = (id: string, elements: Element[]) => {
    let line = id;
    for (const e of elements) line += el + joinX12(e, d);
    out.push(line + end);
  };
  // The ISA is fixed-width text whose own elements hold the delimiters: written as stored.
  out.push('ISA' + el + ic.header.elements.map((e) => (typeof e === 'string' ? e : joinX12(e, d))).join(el) + end);
  for (const sv of ic.services ?? []) seg(sv.id, sv.elements);
  for (const t of ic.ta1 ?? []) seg('TA1', [t.controlNumber, t.date, t.time, t.status, t.note]);
  let groups = 0;
  for (const g of ic.groups) {
    if (g.header) {
      groups++;
      seg('GS', g.header.elements);
    }
    for (const tx of g.transactions) {
      const segs = body(tx, 'SE');
      for (const sg of segs) seg(sg.id, sg.elements);
      seg('SE', [String(segs.length + 1), tx.controlNumber]);
    }
    if (g.header) seg('GE', [String(g.transactions.length), g.controlNumber ?? '']);
  }
  seg('IEA', [String(groups), ic.controlNumber]);
  return encodeOrRefuse(ic, out.join(''), s.charset === 'iso-8859-1' ? 'iso-8859-1' : 'utf-8');
}

export function edifactDelimiters(ic: Interchange): EdifactDelimiters {
  const s = ic.syntax;
  return {
    component: s.component,
    element: s.element,
    decimal: s.decimal ?? '.',
    release: s.release ?? '?',
    segment: s.segment,
    ...(s.repetition ? { repetition: s.repetition } : {}),
  };
}

export function writeEdifact(ic: Interchange, opts: WriteOptions = {}): Buffer {
  const d = edifactDelimiters(ic);
  const end = d.segment + (opts.lineBreak ?? ic.syntax.lineBreak ?? '');
  const out: string[] = [];
  const seg = (id: string, elements: Element[]) => {
    let line = id;
    for (const e of elements) line += d.element + joinEdifact(e, d);
    out.push(line + end);
  };
  if (ic.syntax.una)
    out.push(
      `UNA${d.component}${d.element}${d.decimal}${d.release}${d.repetition ?? ' '}${d.segment}` +
        (opts.lineBreak ?? ic.syntax.lineBreak ?? ''),
    );
  if (ic.header.elements.length > 0) seg('UNB', ic.header.elements);
  let groups = 0;
  let messages = 0;
  for (const g of ic.groups) {
    if (g.header) {
      groups++;
      seg('UNG', g.header.elements);
    }
    for (const tx of g.transactions) {
      messages++;
      const segs = body(tx, 'UNT');
      for (const sg of segs) seg(sg.id, sg.elements);
      seg('UNT', [String(segs.length + 1), tx.controlNumber]);
    }
    if (g.header) seg('UNE', [String(g.transactions.length), g.controlNumber ?? '']);
  }
  if (ic.header.elements.length > 0) seg('UNZ', [String(groups > 0 ? groups : messages), ic.controlNumber]);
  const cs: Charset = edifactCharset(ic.syntax.charset ?? 'UNOC') ?? 'iso-8859-1';
  return encodeOrRefuse(ic, out.join(''), cs);
}

/**
 * The interchange's text in its charset, or TextRefused naming each value that holds a character the
 * charset cannot encode: never a substitute character, never a byte cut from a wider one.
 */
function encodeOrRefuse(ic: Interchange, text: string, cs: Charset): Buffer {
  try {
    return encode(text, cs);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  const problems: TextProblem[] = [];
  mapValues(ic, (v, at) => {
    const bad = firstUnencodable(v, cs);
    if (bad >= 0) problems.push({ ...at, reason: `${describeChar(v, bad)} cannot be encoded in ${cs}` });
    return undefined;
  });
  if (problems.length === 0)
    problems.push({ position: 1, segmentId: ic.header.id, element: 0, reason: `the text cannot be encoded in ${cs}` });
  throw new TextRefused(problems);
}
