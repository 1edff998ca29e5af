import type { Interchange } from '../model';
import { build997 } from '../x12/ack-997';
import { buildTa1 } from '../x12/ack-ta1';
import { buildContrl } from '../edifact/ack-contrl';
import type { AckKind, AckOptions } from './options';

export type { AckKind, AckOptions } from './options';

export function defaultAckKind(ic: Interchange): AckKind {
  return ic.standard === 'x12' ? '997' : 'CONTRL';
}

/** The acknowledgement of one interchange, as an interchange of its own (write() turns it into bytes). */
export function buildAck(ic: Interchange, kind: AckKind = defaultAckKind(ic), opts: AckOptions = {}): Interchange {
  if (kind === 'CONTRL') {
    if (ic.standard !== 'edifact') throw new RangeError('CONTRL acknowledges EDIFACT; use 997, 999 or TA1 for X12');
    return buildContrl(ic, opts);
  }
  if (ic.standard !== 'x12') throw new RangeError(`${kind} acknowledges X12; use CONTRL for EDIFACT`);
  return kind === 'TA1' ? buildTa1(ic, opts) : build997(ic, kind, opts);
}
