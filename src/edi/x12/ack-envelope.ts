import type { Element, Group, Interchange, PartyId, Segment, Transaction } from '../model';
import { text } from '../model';
import { type AckOptions, hm, ymd } from '../ack/options';
import { x12DateTime } from './dates';

const pad = (s: string, n: number) => s.padEnd(n).slice(0, n);

/** An ISA for a reply to `orig`: sender and receiver swapped, the original's delimiters and version. */
export function replyInterchange(orig: Interchange, opts: AckOptions): Interchange {
  const o = orig.header.elements.map((e) => text(e));
  const now = opts.now ?? new Date();
  const ctrl = String(opts.controlNumber ?? 1).padStart(9, '0');
  const from: PartyId = opts.sender ?? orig.receiver;
  const isa: Element[] = [
    '00',
    pad('', 10),
    '00',
    pad('', 10),
    pad(from.qualifier, 2),
    pad(from.id, 15),
    pad(orig.sender.qualifier, 2),
    pad(orig.sender.id, 15),
    ymd(now).slice(2),
    hm(now),
    o[10] || 'U',
    o[11] || orig.syntax.version || '00401',
    ctrl,
    '0',
    o[14] || 'P',
    orig.syntax.component,
  ];
  return {
    standard: 'x12',
    sender: from,
    receiver: orig.sender,
    controlNumber: ctrl,
    date: x12DateTime(ymd(now), hm(now)),
    test: orig.test,
    syntax: { ...orig.syntax },
    groups: [],
    header: { id: 'ISA', elements: isa, offset: 0 },
    errors: [],
    offset: 0,
    length: 0,
  };
}

/** A functional group in a reply: application sender and receiver swapped from the original group. */
export function replyGroup(
  reply: Interchange,
  orig: Group | undefined,
  functionalId: string,
  version: string,
  control: string,
  now: Date,
): Group {
  const gs: Segment = {
    id: 'GS',
    elements: [
      functionalId,
      orig?.receiver ?? reply.sender.id,
      orig?.sender ?? reply.receiver.id,
      ymd(now),
      hm(now),
      control,
      'X',
      version,
    ],
    offset: 0,
  };
  return {
    functionalId,
    controlNumber: control,
    version,
    sender: text(gs.elements[1]),
    receiver: text(gs.elements[2]),
    transactions: [],
    header: gs,
    errors: [],
  };
}

export function transactionOf(
  type: string,
  control: string,
  version: string,
  segments: Array<[string, ...Element[]]>,
): Transaction {
  const segs: Segment[] = segments.map(([id, ...elements]) => ({ id, elements: trimTrailing(elements), offset: 0 }));
  return {
    type,
    version: version.slice(0, 6),
    controlNumber: control,
    segments: segs,
    segmentCount: segs.length + 1,
    errors: [],
    offset: 0,
    length: 0,
  };
}

/** Optional trailing elements are left off rather than written empty. */
export function trimTrailing(elements: Element[]): Element[] {
  let n = elements.length;
  while (n > 0 && (elements[n - 1] === '' || elements[n - 1] === undefined)) n--;
  return elements.slice(0, n);
}
