import {
  components,
  type Element,
  type Group,
  type Interchange,
  type PartyId,
  type Segment,
  type Transaction,
} from '../edi/model';
import { hm, ymd } from '../edi/ack/options';
import { x12DateTime } from '../edi/x12/dates';
import { edifactDateTime } from '../edi/edifact/scanner';
import { channels, LATER_DIRECTORY, referenceQualifiers } from './code-lists';

/** One transaction set / message to enclose: its type, version and body (between ST and SE, UNH and UNT). */
export interface Message {
  type: string;
  /** X12 '004010'; EDIFACT directory 'D96A'. */
  version: string;
  body: Segment[];
}

export interface EnvelopeOptions {
  sender: PartyId;
  receiver: PartyId;
  /** Interchange control number (ISA13 / UNB 0020); the X12 group takes the same. Messages are numbered from 1. */
  controlNumber: number;
  now: Date;
  test?: boolean;
  /** X12 functional identifier (GS01); default PO. */
  functionalId?: string;
}

const pad = (s: string, n: number) => s.padEnd(n).slice(0, n);

function transaction(type: string, version: string, control: string, segments: Segment[]): Transaction {
  return {
    type,
    version,
    controlNumber: control,
    segments,
    segmentCount: segments.length + 1,
    errors: [],
    offset: 0,
    length: 0,
  };
}

function segment(id: string, elements: Element[]): Segment {
  return { id, elements, offset: 0 };
}

/**
 * The writers' segments in the version they are sent in. 005010 took MSG out of the sets we write (850
 * and 855 N9 and line loops; profiles/x12/005010) and put MTX in its place, the text in MTX02. It also
 * made CAD01 (the transport mode) mandatory: a CAD without one, as 004010 allows, is not written there
 * (the loss check says so).
 */
export function inVersion(body: Segment[], version: string): Segment[] {
  if (version < '005010') return body;
  return body.flatMap((s) =>
    s.id === 'MSG' ? [{ ...s, id: 'MTX', elements: ['', ...s.elements] }] : s.id === 'CAD' && !s.elements[0] ? [] : [s],
  );
}

/** The directory's year: D96A is 1996, D01B 2001. */
function directoryYear(directory: string): number {
  const m = /^D(\d\d)[A-Z]$/.exec(directory);
  if (!m) return 1996;
  const y = Number(m[1]);
  return y >= 90 ? 1900 + y : 2000 + y;
}

/** Whether a CTA without a name follows a CTA of the same function and its COMs: read as that contact's. */
function continuesContact(out: Segment[], cta: Segment): boolean {
  let k = out.length - 1;
  while (k >= 0 && out[k].id === 'COM') k--;
  return k >= 0 && out[k].id === 'CTA' && components(out[k].elements[0])[0] === components(cta.elements[0])[0];
}

/**
 * The writers' segments in the EDIFACT directory they are sent in. The writers write codes of later
 * directories than D96A where the document has them (RFF 1153 AMV, a department number; COM 3155 AH, a
 * URL); a message of an earlier directory than LATER_DIRECTORY leaves such a segment out, rather than
 * send a code its directory does not define, and the loss check, which translates the same way, reports
 * what was left out. A CTA that only continued a contact for the COMs left out (ctaSegments writes five
 * to a CTA) goes with them.
 */
export function inDirectory(body: Segment[], directory: string): Segment[] {
  if (directoryYear(directory) >= directoryYear(LATER_DIRECTORY)) return body;
  const later = (s: Segment) =>
    (s.id === 'RFF' && referenceQualifiers.later.has(components(s.elements[0])[0] ?? '')) ||
    (s.id === 'COM' && channels.later.has(components(s.elements[0])[1] ?? ''));
  const out: Segment[] = [];
  for (let i = 0; i < body.length; i++) {
    const s = body[i];
    if (later(s)) continue;
    if (s.id === 'CTA' && !components(s.elements[1])[1]) {
      let j = i + 1;
      while (body[j]?.id === 'COM') j++;
      if (j > i + 1 && body.slice(i + 1, j).every(later) && continuesContact(out, s)) {
        i = j - 1;
        continue;
      }
    }
    out.push(s);
  }
  return out;
}

/** The body in the version (X12 GS08) or directory (EDIFACT) it is sent in: see inVersion and inDirectory. */
export function inTarget(standard: 'x12' | 'edifact', body: Segment[], version: string): Segment[] {
  return standard === 'x12' ? inVersion(body, version) : inDirectory(body, version);
}

/**
 * An X12 interchange (ISA, one GS, an ST per message) ready for `write()`, which computes the SE, GE
 * and IEA counts and control numbers. Delimiters: * > ~ (and ^ repeats from 005010) and a newline after each segment.
 */
export function x12Interchange(messages: Message[], o: EnvelopeOptions): Interchange {
  const ctrl = String(o.controlNumber).padStart(9, '0');
  if (ctrl.length > 9)
    throw new RangeError(`X12 interchange control number ${o.controlNumber} is longer than 9 digits`);
  const version = messages[0]?.version ?? '004010';
  // From 00501 on, ISA11 is the repetition separator rather than the standards identifier U.
  const v5010 = version >= '005010';
  const isa: Element[] = [
    '00',
    pad('', 10),
    '00',
    pad('', 10),
    pad(o.sender.qualifier, 2),
    pad(o.sender.id, 15),
    pad(o.receiver.qualifier, 2),
    pad(o.receiver.id, 15),
    ymd(o.now).slice(2),
    hm(o.now),
    v5010 ? '^' : 'U',
    v5010 ? '00501' : '00401',
    ctrl,
    '0',
    o.test ? 'T' : 'P',
    '>',
  ];
  const groupCtrl = String(o.controlNumber);
  const gs = segment('GS', [
    o.functionalId ?? 'PO',
    o.sender.id,
    o.receiver.id,
    ymd(o.now),
    hm(o.now),
    groupCtrl,
    'X',
    version,
  ]);
  const group: Group = {
    functionalId: o.functionalId ?? 'PO',
    controlNumber: groupCtrl,
    version,
    sender: o.sender.id,
    receiver: o.receiver.id,
    transactions: messages.map((m, i) => {
      const c = String(i + 1).padStart(4, '0');
      return transaction(m.type, m.version, c, [segment('ST', [m.type, c]), ...inVersion(m.body, m.version)]);
    }),
    header: gs,
    errors: [],
  };
  return {
    standard: 'x12',
    sender: o.sender,
    receiver: o.receiver,
    controlNumber: ctrl,
    date: x12DateTime(ymd(o.now), hm(o.now)),
    test: !!o.test,
    syntax: {
      version: v5010 ? '00501' : '00401',
      element: '*',
      component: '>',
      segment: '~',
      ...(v5010 ? { repetition: '^' } : {}),
      lineBreak: '\n',
      charset: 'utf-8',
    },
    groups: [group],
    header: segment('ISA', isa),
    errors: [],
    offset: 0,
    length: 0,
  };
}

/**
 * An EDIFACT interchange (UNA, UNB syntax UNOC:3, a UNH per message, no UNG) ready for `write()`, which
 * computes the UNT and UNZ counts and references.
 */
export function edifactInterchange(messages: Message[], o: EnvelopeOptions): Interchange {
  const ctrl = String(o.controlNumber);
  const date = ymd(o.now).slice(2);
  const unb = segment('UNB', [
    ['UNOC', '3'],
    [o.sender.id, o.sender.qualifier],
    [o.receiver.id, o.receiver.qualifier],
    [date, hm(o.now)],
    ctrl,
    ...(o.test ? ['', '', '', '', '', '1'] : []),
  ]);
  const group: Group = {
    version: messages[0]?.version ?? 'D96A',
    transactions: messages.map((m, i) => {
      const ref = String(i + 1);
      const m1 = /^([A-Z])(\w+)$/.exec(m.version);
      const s009 = m1 ? [m.type, m1[1], m1[2], 'UN'] : [m.type, 'D', m.version, 'UN'];
      return transaction(m.type, m.version, ref, [segment('UNH', [ref, s009]), ...inDirectory(m.body, m.version)]);
    }),
    errors: [],
  };
  return {
    standard: 'edifact',
    sender: o.sender,
    receiver: o.receiver,
    controlNumber: ctrl,
    date: edifactDateTime(date, hm(o.now)),
    test: !!o.test,
    syntax: {
      version: '3',
      element: '+',
      component: ':',
      segment: "'",
      release: '?',
      decimal: '.',
      charset: 'UNOC',
      una: true,
      lineBreak: '\n',
    },
    groups: [group],
    header: unb,
    errors: [],
    offset: 0,
    length: 0,
  };
}
