import type { Segment } from '../edi/model';
import { transportPayments, type RawCode, type TransportPaymentName } from './code-lists';
import type { Seg } from './sections';
import { c, seg as edifactSeg, t as edifactText } from './edifact-common';
import { seg as x12Seg, t as x12Text } from './x12-common';

/**
 * Terms of delivery of an order: X12 FOB / EDIFACT TOD (its group's LOC is not read). Only who pays
 * the transport crosses; FOB02-FOB09 (places, transportation terms, risk of loss) and TOD 4055 and
 * C100 have no counterpart the other standard would read the same way, and the loss check reports them.
 */
export interface DeliveryTerms {
  /** X12 FOB01 (146) / EDIFACT TOD 4215, through the transport payment list. */
  payment?: TransportPaymentName | RawCode;
}

/** The first FOB of a run of segments. */
export function fobTerms(segs: Seg[]): DeliveryTerms | undefined {
  const fob = segs.find((s) => s.id === 'FOB');
  const payment = fob && transportPayments.read('x12', x12Text(fob, 1));
  return payment ? { payment } : undefined;
}

/** FOB, when X12 has a code for the payment (FOB01 is mandatory). */
export function fobSegments(terms: DeliveryTerms | undefined): Segment[] {
  const code = transportPayments.write('x12', terms?.payment);
  return code ? [x12Seg('FOB', code)] : [];
}

/** The first TOD with a transport payment code. */
export function todTerms(segs: Seg[]): DeliveryTerms | undefined {
  const tod = segs.find((s) => s.id === 'TOD' && edifactText(s, 2) !== '');
  const payment = tod && transportPayments.read('edifact', c(tod, 2)[0]);
  return payment ? { payment } : undefined;
}

/** TOD with 4215 only: 4055 (what the terms are for) is left out rather than guessed. */
export function todSegments(terms: DeliveryTerms | undefined): Segment[] {
  const code = transportPayments.write('edifact', terms?.payment);
  return code ? [edifactSeg('TOD', '', code)] : [];
}
