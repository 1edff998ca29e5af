/**
 * The first interchange's sender, receiver and control number, read from the head of a payload
 * without parsing it: what intake needs to tell at once whether an interchange was received before
 * (the process step decides what to do about it, by the partner's duplicates policy). Anything
 * unusual (no ISA/UNB at the start, a header cut short) gives undefined: the process step sees it.
 */
import { DEFAULT_DELIMITERS, type EdifactDelimiters, splitSegment } from './edifact/segment';
import type { Element, Standard } from './model';

export interface EnvelopeHead {
  standard: Standard;
  sender: { qualifier: string; id: string };
  receiver: { qualifier: string; id: string };
  controlNumber: string;
}

/** Bytes of a payload's head that hold the first interchange's header, UNA and a long UNB included. */
export const ENVELOPE_HEAD_BYTES = 512;

export function envelopeHead(head: Buffer): EnvelopeHead | undefined {
  const text = head
    .subarray(0, ENVELOPE_HEAD_BYTES)
    .toString('latin1')
    .replace(/^\uFEFF|^[\s]+/, '');
  if (text.startsWith('ISA')) return isaHead(text);
  if (text.startsWith('UNA') || text.startsWith('UNB')) return unbHead(text);
  return undefined;
}

/** ISA: the element separator is its fourth byte; the ids are fixed-width and padded (trimmed here, as the scanner does). */
function isaHead(text: string): EnvelopeHead | undefined {
  if (text.length < 106) return undefined;
  const e = text.slice(0, 106).split(text[3]);
  if (e.length < 17) return undefined;
  return {
    standard: 'x12',
    sender: { qualifier: e[5].trim(), id: e[6].trim() },
    receiver: { qualifier: e[7].trim(), id: e[8].trim() },
    controlNumber: e[13].trim(),
  };
}

/** UNB after an optional UNA: sender and receiver are `id:qualifier` composites, the control number its fifth element. */
function unbHead(text: string): EnvelopeHead | undefined {
  let d: EdifactDelimiters = DEFAULT_DELIMITERS;
  let at = 0;
  if (text.startsWith('UNA')) {
    if (text.length < 9) return undefined;
    d = { component: text[3], element: text[4], decimal: text[5], release: text[6], segment: text[8] };
    at = 9;
    while (at < text.length && /\s/.test(text[at])) at++;
  }
  if (!text.startsWith('UNB', at)) return undefined;
  // The UNB ends at the first terminator that is not released; the engine's own split reads it, with the
  // engine's reading of the UNA (a space in its release position is a release character there too).
  let end = at;
  while (end < text.length && text[end] !== d.segment) end += text[end] === d.release ? 2 : 1;
  if (end >= text.length) return undefined;
  const { elements } = splitSegment(text.slice(at, end), d);
  if (elements.length < 5) return undefined;
  const part = (e: Element | undefined, i: number) =>
    typeof e === 'string' ? (i === 0 ? e : '') : Array.isArray(e) ? String(e[i] ?? '') : '';
  return {
    standard: 'edifact',
    sender: { id: part(elements[1], 0), qualifier: part(elements[1], 1) },
    receiver: { id: part(elements[2], 0), qualifier: part(elements[2], 1) },
    controlNumber: part(elements[4], 0),
  };
}
