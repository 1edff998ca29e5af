import type { Interchange } from '../model';
import { text } from '../model';
import type { AckOptions } from '../ack/options';
import { interchangeStatus } from '../ack/status';
import { replyInterchange } from './ack-envelope';

/** The TA1 note code (I18) for an interchange: its first interchange-level finding, else 000. */
export function ta1Note(ic: Interchange): string {
  const d = ic.errors.find((e) => e.severity === 'error') ?? ic.errors[0];
  return d && /^\d{3}$/.test(d.code) ? d.code : d ? '024' : '000';
}

/** An interchange holding one TA1 that acknowledges `orig`'s envelope (no functional group). */
export function buildTa1(orig: Interchange, opts: AckOptions = {}): Interchange {
  const reply = replyInterchange(orig, opts);
  const e = orig.header.elements;
  reply.ta1 = [
    {
      controlNumber: orig.controlNumber,
      date: text(e[8]),
      time: text(e[9]),
      status: interchangeStatus(orig),
      note: ta1Note(orig),
    },
  ];
  return reply;
}
