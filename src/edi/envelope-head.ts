/**
 * The first interchange's sender, receiver and control number, read from the head of a payload
 * without parsing it: what intake needs to tell at once whether an interchange was received before
 * (the process step decides what to do about it, by the partner's duplicates policy). Anything
 * unusual (no ISA/UNB at the start, a header cut short) gives undefined: the process step sees it.
 */
import type { Standard } from './model';

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
  let component = ':';
  let element = '+';
  let release: string | undefined = '?';
  let terminator = "'";
  let at = 0;
  if (text.startsWith('UNA')) {
    if (text.length < 9) return undefined;
    component = text[3];
    element = text[4];
    release = text[6] === ' ' ? undefined : text[6];
    terminator = text[8];
    at = 9;
    while (at < text.length && /\s/.test(text[at])) at++;
  }
  if (!text.startsWith('UNB', at)) return undefined;
  // Split the UNB into elements and components, honouring the release character.
  const elements: string[][] = [[]];
  let cur = '';
  for (let i = at + 3; i < text.length; i++) {
    const c = text[i];
    if (release !== undefined && c === release && i + 1 < text.length) {
      cur += text[++i];
    } else if (c === component) {
      elements[elements.length - 1].push(cur);
      cur = '';
    } else if (c === element) {
      elements[elements.length - 1].push(cur);
      elements.push([]);
      cur = '';
    } else if (c === terminator) {
      elements[elements.length - 1].push(cur);
      // elements[0] is what precedes the first separator (nothing); then syntax, sender, receiver, date, control.
      if (elements.length < 6) return undefined;
      const [, , s, r, , ctrl] = elements;
      return {
        standard: 'edifact',
        sender: { id: s[0] ?? '', qualifier: s[1] ?? '' },
        receiver: { id: r[0] ?? '', qualifier: r[1] ?? '' },
        controlNumber: ctrl[0] ?? '',
      };
    } else {
      cur += c;
    }
  }
  return undefined;
}
