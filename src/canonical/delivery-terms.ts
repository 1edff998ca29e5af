import type { Segment } from '../edi/model';
import { incoterms, type IncotermName, transportPayments, type RawCode, type TransportPaymentName } from './code-lists';
import type { Seg } from './sections';
import { c, seg as edifactSeg, t as edifactText } from './edifact-common';
import { seg as x12Seg, t as x12Text } from './x12-common';

/**
 * Terms of delivery of an order: X12 FOB / EDIFACT TOD (its group's LOC is not read). Who pays the
 * transport and the Incoterms rule cross; FOB02/FOB03 and FOB06-FOB09 (places, risk of loss), TOD 4055,
 * C100 texts and the group's LOC have no counterpart the other standard would read the same way (the
 * X12 309 location qualifier that FOB03 needs has no EDIFACT code), and the loss check reports them.
 */
export interface DeliveryTerms {
  /** X12 FOB01 (146) / EDIFACT TOD 4215, through the transport payment list. */
  payment?: TransportPaymentName | RawCode;
  /** X12 FOB05 with FOB04 01 (Incoterms) / EDIFACT TOD C100 4053 with no other code list named. */
  incoterm?: IncotermName;
}

/** An Incoterms rule the list maps (a code it does not map is not carried: the loss check says so). */
function incotermOf(standard: 'x12' | 'edifact', code: string): IncotermName | undefined {
  const name = incoterms.read(standard, code);
  return name && !name.includes(':') ? (name as IncotermName) : undefined;
}

const some = (t: DeliveryTerms): DeliveryTerms | undefined =>
  t.payment !== undefined || t.incoterm !== undefined ? t : undefined;

/** The first FOB of a run of segments. */
export function fobTerms(segs: Seg[]): DeliveryTerms | undefined {
  const fob = segs.find((s) => s.id === 'FOB');
  if (!fob) return undefined;
  const payment = transportPayments.read('x12', x12Text(fob, 1));
  const incoterm = x12Text(fob, 4) === '01' ? incotermOf('x12', x12Text(fob, 5)) : undefined;
  return some({ ...(payment ? { payment } : {}), ...(incoterm ? { incoterm } : {}) });
}

/** FOB, when X12 has a code for the payment (FOB01 is mandatory); FOB04 01 and FOB05 for the rule. */
export function fobSegments(terms: DeliveryTerms | undefined): Segment[] {
  const code = transportPayments.write('x12', terms?.payment);
  if (!code) return [];
  const rule = incoterms.write('x12', terms?.incoterm);
  return [rule ? x12Seg('FOB', code, '', '', '01', rule) : x12Seg('FOB', code)];
}

/** The first TOD with a transport payment code or a terms code. */
export function todTerms(segs: Seg[]): DeliveryTerms | undefined {
  const tod = segs.find((s) => s.id === 'TOD' && (edifactText(s, 2) !== '' || c(s, 3)[0]));
  if (!tod) return undefined;
  const payment = transportPayments.read('edifact', c(tod, 2)[0]);
  const [rule, list, agency] = c(tod, 3);
  // A 4053 from another code list (1131/3055) is not an Incoterms rule.
  const incoterm = rule && !list && !agency ? incotermOf('edifact', rule) : undefined;
  return some({ ...(payment ? { payment } : {}), ...(incoterm ? { incoterm } : {}) });
}

/** TOD with 4215 and 4053: 4055 (what the terms are for) is left out rather than guessed. */
export function todSegments(terms: DeliveryTerms | undefined): Segment[] {
  const code = transportPayments.write('edifact', terms?.payment) ?? '';
  const rule = incoterms.write('edifact', terms?.incoterm);
  if (!code && !rule) return [];
  return [rule ? edifactSeg('TOD', '', code, [rule]) : edifactSeg('TOD', '', code)];
}
